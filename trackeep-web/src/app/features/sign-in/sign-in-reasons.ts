export interface SignInReason {
  title: string;
  detail: string;
  tone: 'info' | 'error';
}

/**
 * What to tell someone who lands on sign-in for a reason: API error codes (401 `code`), the OAuth callback's
 * `sign_in_error` reasons, and our own (`signed_out`, `api_unavailable`). Unknown codes get a generic text;
 * the page always shows the code itself too.
 */
const REASONS: Record<string, SignInReason> = {
  signed_out: {
    title: 'You are signed out',
    detail: 'Connect GitHub again whenever you want to come back.',
    tone: 'info',
  },
  session_missing: {
    title: 'Sign in to continue',
    detail: 'That page needs you to be signed in.',
    tone: 'info',
  },
  session_expired: {
    title: 'Your session expired',
    detail: 'Sign in again to pick up where you left off.',
    tone: 'info',
  },
  session_revoked: {
    title: 'Your session was ended',
    detail: 'You were signed out elsewhere, or the session was revoked. Sign in again to continue.',
    tone: 'error',
  },
  github_reauth_required: {
    title: 'GitHub access needs renewing',
    detail:
      'GitHub no longer accepts the access you granted Trackeep (it was revoked or expired). Connect GitHub again.',
    tone: 'error',
  },
  sign_in_failed: {
    title: 'Sign-in did not complete',
    detail: 'GitHub sign-in failed or took too long. Please try again.',
    tone: 'error',
  },
  access_denied: {
    title: 'Sign-in was cancelled',
    detail: 'Access was not granted on GitHub, so Trackeep cannot show your repositories.',
    tone: 'error',
  },
  state_mismatch: {
    title: 'Sign-in expired',
    detail: 'The sign-in took too long, or was started in another tab or browser. Please start again here.',
    tone: 'error',
  },
  gateway_unavailable: {
    title: 'The sign-in service is not reachable',
    detail: 'Trackeep could not reach its GitHub sign-in service. Try again in a minute.',
    tone: 'error',
  },
  github_mismatch: {
    title: 'Sign-in is misconfigured',
    detail:
      'This Trackeep instance and its sign-in service point at different GitHub servers. Tell your administrator.',
    tone: 'error',
  },
  not_allowed: {
    title: 'This account is not allowed here',
    detail: 'This Trackeep instance only accepts members of certain GitHub organizations or teams.',
    tone: 'error',
  },
  api_unavailable: {
    title: 'Trackeep is not reachable',
    detail: 'The server did not answer. Check your connection, then try again.',
    tone: 'error',
  },
};

export function describeSignInReason(code: string | null | undefined): SignInReason | null {
  if (!code) return null;
  return (
    REASONS[code] ?? {
      title: 'Sign-in did not complete',
      detail: 'Something went wrong while signing you in. Please try again.',
      tone: 'error',
    }
  );
}
