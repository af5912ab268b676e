import { Catch, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Response } from 'express';

/** What a client is told to wait before retrying while the database is unreachable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

export const DATABASE_UNAVAILABLE_MESSAGE = 'The database is unavailable; retry shortly';

// Socket-level failures reaching Postgres (node's error codes).
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// SQLSTATEs that say the server, not the query, is the problem: class 08 (connection exception), 57P01-57P03
// (admin/crash shutdown, cannot connect now), 53300 (too many connections).
const PG_UNAVAILABLE = /^(08...|57P0[123]|53300)$/;

// node-postgres and pg-pool report a lost, closed or unobtainable connection only in the message.
const DRIVER_MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/i,
  /^Client has encountered a connection error/,
  /^Client was closed and is not queryable/,
  /^terminating connection due to/,
  /the database system is (starting up|shutting down|in recovery mode)/,
];

/**
 * True when an error means "Postgres cannot be reached right now" rather than "this request or this code is
 * wrong": those are answered 503 with Retry-After, everything else keeps its status. Looks through TypeORM's
 * `driverError` and AggregateError's `errors` (node reports a refused dual-stack connect as one), but not
 * `cause`: fetch wraps GitHub's network failures that way, and those are not the database's.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const e = error as { code?: unknown; message?: unknown; driverError?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || PG_UNAVAILABLE.test(e.code))) return true;
  if (typeof e.message === 'string' && DRIVER_MESSAGES.some((re) => re.test(e.message as string)))
    return true;
  if (isDatabaseUnavailable(e.driverError, depth + 1)) return true;
  return Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1));
}

/** Sets the 503 answer's headers; the body is the caller's (each server has its own error shape). */
export function setDatabaseUnavailableHeaders(res: Response): void {
  res.setHeader('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
  res.setHeader('Cache-Control', 'no-store');
}

/**
 * A global filter for servers without their own catch-all: a database outage is a 503 with Retry-After and a
 * JSON body; every other error goes to Nest's default handling.
 */
@Catch()
export class DatabaseUnavailableFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http' || !isDatabaseUnavailable(exception)) return super.catch(exception, host);
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    setDatabaseUnavailableHeaders(res);
    res
      .status(503)
      .json({ statusCode: 503, error: 'Service Unavailable', message: DATABASE_UNAVAILABLE_MESSAGE });
  }
}
