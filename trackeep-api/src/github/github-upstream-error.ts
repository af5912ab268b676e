import { HttpStatus } from '@nestjs/common';
import { ApiException } from '../common/api-exception';

/** GitHub errors other than the ones already mapped become 502/503 for our client, never a bare 500. */
export function rethrowAsUpstream(err: unknown): never {
  if (err instanceof ApiException) throw err;
  const status = (err as { status?: number }).status;
  if (status === 403 || status === 429) {
    throw new ApiException(
      HttpStatus.TOO_MANY_REQUESTS,
      'rate_limited',
      'GitHub rate limit reached for your account; try again later',
    );
  }
  throw new ApiException(
    HttpStatus.BAD_GATEWAY,
    undefined,
    `GitHub did not answer as expected${status ? ` (status ${status})` : ''}; try again`,
  );
}
