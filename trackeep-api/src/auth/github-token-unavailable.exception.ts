import { HttpStatus } from '@nestjs/common';
import { ApiException } from '../common/api-exception';

/**
 * The user's GitHub token has expired (or GitHub just refused it) and is being renewed, or the gateway could
 * not renew it just now (GitHub or the gateway is down). Their sign-in is intact: try the request again shortly.
 */
export class GithubTokenUnavailableException extends ApiException {
  constructor(readonly userId: string) {
    super(
      HttpStatus.SERVICE_UNAVAILABLE,
      'github_token_refresh_unavailable',
      'Your GitHub access expired and is being renewed; try again in a minute (no new sign-in is needed)',
    );
  }
}
