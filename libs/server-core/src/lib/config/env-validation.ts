import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

// Start-up configuration check shared by both servers. A bad variable must stop the process before it
// listens, with one line per problem: the variable, what was expected, and what was found — but never the
// value of a secret (a wrong secret in a log is still a secret).

const SECRET_HINT = /(SECRET|KEY|PASSWORD|TOKEN|DATABASE_URL|PRIVATE)/i;

export class EnvValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

function describeFound(name: string, value: unknown): string {
  if (value === undefined || value === '') return 'nothing (unset)';
  if (SECRET_HINT.test(name)) return `a value of ${String(value).length} characters (hidden)`;
  const text = String(value);
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

function flatten(errors: ValidationError[], env: Record<string, unknown>): string[] {
  return errors.flatMap((error) => {
    // class-validator says "PORT must not be less than 0"; we want "PORT: expected ... not less than 0; found ...".
    const expected = Object.values(error.constraints ?? {})
      .reverse()
      .map((m) =>
        m
          .replace(new RegExp(`^${error.property}\\s+`), '')
          .replace(/^must (be )?/, '')
          .replace(/^not be /, 'not '),
      );
    return [
      `${error.property}: expected ${expected.join(', ')}; found ${describeFound(error.property, env[error.property])}`,
    ];
  });
}

/**
 * Turns process.env into a validated, typed config object of class `schema`.
 * Decorate the class with class-validator/class-transformer; defaults are property initialisers.
 */
export function parseEnv<T extends object>(schema: new () => T, env: Record<string, string | undefined>): T {
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const config = plainToInstance(schema, defined, {
    enableImplicitConversion: false,
    exposeDefaultValues: true,
  });
  const errors = validateSync(config, { whitelist: false, forbidUnknownValues: false });
  if (errors.length) throw new EnvValidationError(flatten(errors, defined));
  return config;
}
