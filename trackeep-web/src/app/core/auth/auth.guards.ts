import { inject } from '@angular/core';
import { type CanActivateFn, Router } from '@angular/router';
import { isSafeReturnPath } from '@trackeep/contracts';
import { AuthStore } from './auth.store';

/** Pages behind the session: anyone without one goes to sign-in, keeping where they wanted to go. */
export const authGuard: CanActivateFn = async (_route, state) => {
  const auth = inject(AuthStore);
  const router = inject(Router);
  if (await auth.ensureLoaded()) return true;
  const queryParams: Record<string, string> = { returnTo: state.url };
  const reason = auth.reason();
  // Visiting a protected page without ever signing in is not an error worth a message.
  if (reason && reason !== 'session_missing') queryParams['reason'] = reason;
  return router.createUrlTree(['/sign-in'], { queryParams });
};

/** The sign-in page is pointless when the session is fine: go where the user was heading. */
export const signedOutGuard: CanActivateFn = async (route) => {
  const auth = inject(AuthStore);
  const router = inject(Router);
  if (!(await auth.ensureLoaded())) return true;
  const returnTo = route.queryParamMap.get('returnTo');
  return router.parseUrl(returnTo && isSafeReturnPath(returnTo) ? returnTo : '/repos');
};
