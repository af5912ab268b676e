import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { ApiError, ApiErrorCode } from '@trackeep/contracts';
import {
  DATABASE_UNAVAILABLE_MESSAGE,
  isDatabaseUnavailable,
  setDatabaseUnavailableHeaders,
} from '@trackeep/server-core';
import type { Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { ApiException } from './api-exception';

/**
 * Every error leaves as `{ statusCode, error, message, code? }`. Client mistakes stay 4xx (validation, malformed
 * JSON, oversized bodies); a database outage is a 503 `service_unavailable` with Retry-After, so clients wait
 * rather than report a bug; anything else unexpected is a 500 with a generic message and the detail goes to the log.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const res = host.switchToHttp().getResponse<Response>();
    if (isHealthReport(exception)) {
      // /readyz keeps Terminus' own report format, which probes and operators read.
      res.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    if (isDatabaseUnavailable(exception)) {
      // One short line per request: the outage itself is reported by /readyz and the pool's own errors.
      this.logger.warn(
        `database unavailable: ${exception instanceof Error ? exception.message : String(exception)}`,
      );
      if (res.headersSent) return;
      setDatabaseUnavailableHeaders(res);
      res.status(503).json({
        statusCode: 503,
        error: reason(503),
        message: DATABASE_UNAVAILABLE_MESSAGE,
        code: 'service_unavailable',
      } satisfies ApiError);
      return;
    }
    const body = this.toBody(exception);
    if (body.statusCode >= 500) this.logger.error(describe(exception));
    if (res.headersSent) return;
    if (body.statusCode === 401) res.setHeader('Cache-Control', 'no-store');
    res.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ApiError {
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'string'
          ? response
          : ((response as { message?: string | string[] }).message ?? exception.message);
      const code = exception instanceof ApiException ? exception.code : defaultCode(statusCode);
      return withCode({ statusCode, error: reason(statusCode), message }, code);
    }
    // body-parser and similar http-errors: 4xx with `expose` are the client's doing and safe to describe.
    const httpError = exception as { status?: unknown; expose?: unknown; type?: unknown; message?: unknown };
    if (
      typeof httpError?.status === 'number' &&
      httpError.status >= 400 &&
      httpError.status < 500 &&
      httpError.expose === true
    ) {
      const statusCode = httpError.status;
      const message =
        httpError.type === 'entity.parse.failed'
          ? 'The request body is not valid JSON'
          : String(httpError.message);
      return withCode(
        { statusCode, error: reason(statusCode), message },
        statusCode === 400 ? 'validation_failed' : undefined,
      );
    }
    // Safety net: a Postgres "data exception" (class 22: bad date, out-of-range number) comes from a request
    // value that validation let through; it is still the client's input, not a server fault.
    const pgCode = (exception as { driverError?: { code?: unknown } })?.driverError?.code;
    if (typeof pgCode === 'string' && pgCode.startsWith('22')) {
      return {
        statusCode: 400,
        error: reason(400),
        message: 'A request value is out of range or malformed',
        code: 'validation_failed',
      };
    }
    return { statusCode: 500, error: reason(500), message: 'An unexpected error occurred' };
  }
}

function isHealthReport(exception: unknown): exception is HttpException {
  if (!(exception instanceof HttpException)) return false;
  const response = exception.getResponse() as { status?: unknown; details?: unknown };
  return typeof response === 'object' && response.status === 'error' && typeof response.details === 'object';
}

function defaultCode(status: number): ApiErrorCode | undefined {
  if (status === HttpStatus.BAD_REQUEST) return 'validation_failed';
  if (status === HttpStatus.TOO_MANY_REQUESTS) return 'rate_limited';
  if (status === HttpStatus.UNAUTHORIZED) return 'session_missing';
  return undefined;
}

function withCode(body: ApiError, code: ApiErrorCode | undefined): ApiError {
  return code ? { ...body, code } : body;
}

function reason(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

function describe(exception: unknown): string {
  return exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
}
