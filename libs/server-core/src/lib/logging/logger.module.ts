import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { REDACT_PATHS, scrubUrl } from './redaction';

export interface LoggingOptions {
  app: string;
  level: string;
  /** Human-readable output for local runs; JSON otherwise. */
  pretty?: boolean;
  /** Destination stream, e.g. for tests that capture log lines. */
  stream?: NodeJS.WritableStream;
}

/** Structured JSON request logs with request id, user id (when a guard sets req.user) and redaction. */
export function createLoggerModule(options: LoggingOptions) {
  return LoggerModule.forRoot({
    // Every route, in the named-wildcard syntax of Express 5's path-to-regexp: nestjs-pino's default '*' makes
    // Nest log a LegacyRouteConverter warning at every start of an app with a global prefix.
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
    pinoHttp: [
      {
        level: options.level,
        name: options.app,
        redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
        genReqId: (req: IncomingMessage, res: ServerResponse) => {
          const incoming = req.headers['x-request-id'];
          const id =
            typeof incoming === 'string' && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
          res.setHeader('x-request-id', id);
          return id;
        },
        customProps: (req: IncomingMessage) => {
          const user = (req as IncomingMessage & { user?: { id?: string } }).user;
          return user?.id ? { userId: user.id } : {};
        },
        serializers: {
          req: (req: { id: string; method: string; url: string }) => ({
            id: req.id,
            method: req.method,
            url: scrubUrl(req.url),
          }),
          res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        },
        autoLogging: { ignore: (req: IncomingMessage) => /^\/(healthz|readyz|metrics)/.test(req.url ?? '') },
        ...(options.pretty ? { transport: { target: 'pino-pretty', options: { singleLine: true } } } : {}),
      },
      options.stream ?? process.stdout,
    ],
  });
}
