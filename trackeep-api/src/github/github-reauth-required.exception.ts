import { ApiException } from '../common/api-exception';

/** GitHub rejected (401) or we no longer hold the user's token: the web app sends the user to sign in again. */
export class GithubReauthRequiredException extends ApiException {
  constructor(readonly userId: string) {
    super(401, 'github_reauth_required', 'GitHub no longer accepts your sign-in; sign in again');
  }
}
