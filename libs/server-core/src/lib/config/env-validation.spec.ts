import { IsBoolean, IsIn, IsInt, IsString, IsUrl, Max, Min, MinLength } from 'class-validator';
import { ToBool, ToInt } from './env-transforms';
import { EnvValidationError, parseEnv } from './env-validation';

class SampleEnv {
  @ToInt() @IsInt() @Min(1) @Max(65535) PORT = 3000;
  @IsIn(['development', 'production', 'test']) NODE_ENV = 'development';
  @ToBool() @IsBoolean() DB_MIGRATE_ON_START = true;
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }) GATEWAY_URL = 'http://localhost:3100';
  @IsString() @MinLength(32) JWT_SECRET!: string;
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseEnv(SampleEnv, env);
  } catch (err) {
    if (err instanceof EnvValidationError) return err.problems;
    throw err;
  }
  return [];
}

describe(parseEnv.name, () => {
  it('applies defaults and converts types', () => {
    const config = parseEnv(SampleEnv, {
      JWT_SECRET: 'x'.repeat(40),
      PORT: '8080',
      DB_MIGRATE_ON_START: 'false',
    });
    expect(config).toMatchObject({ PORT: 8080, NODE_ENV: 'development', DB_MIGRATE_ON_START: false });
  });

  it('reports one line per bad variable naming it, what was expected and what was found', () => {
    const problems = problemsOf({ JWT_SECRET: 'x'.repeat(40), PORT: 'eighty', NODE_ENV: 'prod' });
    expect(problems).toHaveLength(2);
    expect(problems.find((p) => p.startsWith('PORT:'))).toMatch(/expected .*integer.*found "eighty"/);
    expect(problems.find((p) => p.startsWith('NODE_ENV:'))).toMatch(
      /expected .*development, production, test.*found "prod"/,
    );
  });

  it('reports a missing required variable as unset', () => {
    expect(problemsOf({})).toEqual([
      expect.stringMatching(/^JWT_SECRET: expected .*found nothing \(unset\)$/),
    ]);
  });

  it('never prints the value of a secret', () => {
    const [problem] = problemsOf({ JWT_SECRET: 'hunter2-short' });
    expect(problem).toMatch(/^JWT_SECRET: .*found a value of 13 characters \(hidden\)$/);
    expect(problem).not.toContain('hunter2');
  });
});
