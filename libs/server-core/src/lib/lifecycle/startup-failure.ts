import { hostname } from 'node:os';
import { EnvValidationError, parseEnv } from '../config/env-validation';

// How a server that cannot start says so: one JSON line on stdout in the shape of the servers' pino logs (so
// a log pipeline sees a fatal entry), then plain "<app>: cannot start …" lines on stderr for the person at the
// terminal. Never a stack trace (set LOG_LEVEL=debug to get one inside the JSON line) and never colour.

/** EX_CONFIG from sysexits.h: start-up scripts and orchestrators read it as "fix the configuration". */
export const EXIT_CONFIG = 78;

export interface StartupFailureReport {
  exitCode: number;
  /** One JSON line. */
  json: string;
  /** Plain lines, without newlines. */
  text: string[];
}

export function describeStartupFailure(
  app: string,
  err: unknown,
  options: { debug?: boolean } = {},
): StartupFailureReport {
  const base = { level: 60, time: Date.now(), pid: process.pid, hostname: hostname(), name: app };
  if (err instanceof EnvValidationError) {
    return {
      exitCode: EXIT_CONFIG,
      json: JSON.stringify({
        ...base,
        problems: err.problems,
        msg: 'cannot start: the configuration is invalid',
      }),
      text: [
        `${app}: cannot start, the configuration is invalid:`,
        ...err.problems.map((p) => `${app}: ${p}`),
      ],
    };
  }
  const error = err instanceof Error ? err : new Error(String(err));
  const code = (error as NodeJS.ErrnoException).code;
  const message = firstLine(error.message) || error.name;
  const detail = {
    type: error.name,
    message,
    ...(code ? { code } : {}),
    ...(options.debug ? { stack: error.stack } : {}),
  };
  return {
    exitCode: 1,
    json: JSON.stringify({ ...base, err: detail, msg: `cannot start: ${message}` }),
    text: [`${app}: cannot start: ${message}`],
  };
}

/** Reports why the server cannot start (see above) and exits: 78 for configuration problems, 1 otherwise. */
export function exitOnStartupFailure(app: string, err: unknown): never {
  const level = (process.env['LOG_LEVEL'] ?? '').toLowerCase();
  const report = describeStartupFailure(app, err, { debug: level === 'debug' || level === 'trace' });
  process.stdout.write(`${report.json}\n`);
  process.stderr.write(report.text.map((line) => `${line}\n`).join(''));
  process.exit(report.exitCode);
}

function firstLine(text: string): string {
  // Strip colour codes some libraries put in messages; keep the first line (the rest is usually a stack).
  // eslint-disable-next-line no-control-regex
  return (text.replace(/\u001b\[[0-9;]*m/g, '').split('\n')[0] ?? '').trim();
}

/** Like parseEnv, but reports the problems (see above) and exits with code 78 (EX_CONFIG). */
export function parseEnvOrExit<T extends object>(
  schema: new () => T,
  env: Record<string, string | undefined>,
  app: string,
): T {
  try {
    return parseEnv(schema, env);
  } catch (err) {
    if (!(err instanceof EnvValidationError)) throw err;
    exitOnStartupFailure(app, err);
  }
}
