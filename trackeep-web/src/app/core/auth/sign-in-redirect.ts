import { effect, inject, untracked } from '@angular/core';
import { Router } from '@angular/router';
import { AuthStore } from './auth.store';

/**
 * Whenever the session ends while a signed-in page is open (401 from any call, sign-out, refused live
 * stream), go to sign-in with the reason, and (unless the user signed out on purpose) a way back.
 * Must run in an injection context; the signed-in shell calls it.
 */
export function redirectToSignInWhenSignedOut(): void {
  const auth = inject(AuthStore);
  const router = inject(Router);
  effect(() => {
    if (auth.state() !== 'signed-out') return;
    const reason = auth.reason() ?? 'session_expired';
    untracked(() => {
      const current = router.url;
      if (current.startsWith('/sign-in')) return;
      const queryParams = reason === 'signed_out' ? { reason } : { reason, returnTo: current };
      void router.navigate(['/sign-in'], { queryParams });
    });
  });
}
