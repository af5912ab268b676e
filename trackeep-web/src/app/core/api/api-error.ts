import { HttpErrorResponse } from '@angular/common/http';
import type { ApiError } from '@trackeep/contracts';

function isApiError(value: unknown): value is ApiError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ApiError).statusCode === 'number' &&
    'message' in value
  );
}

/** The API's error body, when the failure came from the API at all. */
export function apiErrorOf(err: unknown): ApiError | null {
  if (err instanceof HttpErrorResponse && isApiError(err.error)) return err.error;
  return null;
}

/** The machine-readable reason (`code`) of an API failure, if it sent one. */
export function errorCodeOf(err: unknown): string | null {
  return apiErrorOf(err)?.code ?? null;
}

/** A sentence a person can act on, for any failure an API call can produce. */
export function describeError(err: unknown): string {
  const body = apiErrorOf(err);
  if (body) {
    const message = Array.isArray(body.message) ? body.message.join('; ') : body.message;
    return message || body.error || `Request failed (${body.statusCode})`;
  }
  if (err instanceof HttpErrorResponse) {
    if (err.status === 0) return 'Trackeep could not be reached. Check your connection and try again.';
    return `Request failed (${err.status}${err.statusText ? ` ${err.statusText}` : ''})`;
  }
  return err instanceof Error ? err.message : 'Something went wrong.';
}
