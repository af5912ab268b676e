import { HttpStatus } from '@nestjs/common';
import { ApiException } from '../common/api-exception';

/**
 * The user's GitHub token has expired and the gateway could not renew it just now (GitHub or the gateway is
 * down). Their sign-in is intact: the request can be tried again shortly.
 */
export class GithubTokenUnavailableException extends ApiException {
  constructor(readonly userId: string) {
    super(
      HttpStatus.SERVICE_UNAVAILABLE,
      'github_token_refresh_unavailable',
      'Your GitHub access expired and could not be renewed just now; try again in a minute',
    );
  }
}
