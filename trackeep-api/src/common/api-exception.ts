import { HttpException, HttpStatus } from '@nestjs/common';
import type { ApiErrorCode } from '@trackeep/contracts';

/** An HTTP error with a machine-readable `code` the web app can act on; rendered by AllExceptionsFilter. */
export class ApiException extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: ApiErrorCode | undefined,
    message: string,
  ) {
    super({ message, code }, status);
  }

  static unauthorized(code: ApiErrorCode, message: string) {
    return new ApiException(HttpStatus.UNAUTHORIZED, code, message);
  }

  static notFound(code: ApiErrorCode, message: string) {
    return new ApiException(HttpStatus.NOT_FOUND, code, message);
  }

  static badRequest(message: string, code: ApiErrorCode = 'validation_failed') {
    return new ApiException(HttpStatus.BAD_REQUEST, code, message);
  }

  static forbidden(code: ApiErrorCode, message: string) {
    return new ApiException(HttpStatus.FORBIDDEN, code, message);
  }

  /** The repository is unknown, not tracked by the caller, or not readable: one answer for all three. */
  static repoNotFound(owner: string, name: string) {
    return ApiException.notFound(
      'repo_not_found',
      `Repository ${owner}/${name} is not tracked or not accessible`,
    );
  }
}
