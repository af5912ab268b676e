import { inject } from '@angular/core';
import { type CanActivateFn, Router } from '@angular/router';
import { isSafeReturnPath } from '@trackeep/contracts';
import { AuthStore } from './auth.store';

/** Where the API sends the browser when the OAuth callback failed: `/?sign_in_error=<reason>`. */
export const SIGN_IN_ERROR_PARAM = 'sign_in_error';

/**
 * Pages behind the session: anyone without one goes to sign-in, keeping where they wanted to go. A failed
 * sign-in (the API's redirect with `sign_in_error`) also lands on sign-in, with that reason.
 */
export const authGuard: CanActivateFn = async (route, state) => {
  const auth = inject(AuthStore);
  const router = inject(Router);
  const signInError = route.queryParamMap.get(SIGN_IN_ERROR_PARAM);
  if (signInError)
    return router.createUrlTree(['/sign-in'], { queryParams: { reason: signInError.slice(0, 64) } });
  if (await auth.ensureLoaded()) return true;
  const queryParams: Record<string, string> = { returnTo: state.url };
  const reason = auth.reason();
  // Visiting a protected page without ever signing in is not an error worth a message.
  if (reason && reason !== 'session_missing') queryParams['reason'] = reason;
  return router.createUrlTree(['/sign-in'], { queryParams });
};

/**
 * The sign-in page is pointless when the session is fine: go where the user was heading. It stays when it
 * has something to explain (a failed sign-in while an older session is still valid).
 */
export const signedOutGuard: CanActivateFn = async (route) => {
  const auth = inject(AuthStore);
  const router = inject(Router);
  if (route.queryParamMap.has('reason') || !(await auth.ensureLoaded())) return true;
  const returnTo = route.queryParamMap.get('returnTo');
  return router.parseUrl(returnTo && isSafeReturnPath(returnTo) ? returnTo : '/repos');
};
