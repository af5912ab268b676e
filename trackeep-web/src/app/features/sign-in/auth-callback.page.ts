import { ChangeDetectionStrategy, Component, OnInit, inject, input } from '@angular/core';
import { Router } from '@angular/router';
import { isSafeReturnPath } from '@trackeep/contracts';
import { AuthStore } from '../../core/auth/auth.store';

/**
 * Landing after the API finished the OAuth exchange: it either carries an `error` code (sent back to sign-in
 * with that reason) or the session cookie is now set and we continue to where the user was going.
 */
@Component({
  selector: 'trk-auth-callback-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<main class="wrap"><p role="status">Signing you in…</p></main>`,
  styles: `.wrap { min-height: 100dvh; display: grid; place-items: center; }`,
})
export class AuthCallbackPage implements OnInit {
  private readonly auth = inject(AuthStore);
  private readonly router = inject(Router);
  readonly error = input<string | undefined>();
  readonly returnTo = input<string | undefined>();

  async ngOnInit(): Promise<void> {
    const error = this.error();
    if (error) {
      await this.router.navigate(['/sign-in'], { queryParams: { reason: error }, replaceUrl: true });
      return;
    }
    const me = await this.auth.refresh();
    if (!me) {
      await this.router.navigate(['/sign-in'], { queryParams: { reason: this.auth.reason() ?? 'sign_in_failed' }, replaceUrl: true });
      return;
    }
    const target = this.returnTo();
    await this.router.navigateByUrl(target && isSafeReturnPath(target) ? target : '/repos', { replaceUrl: true });
  }
}
