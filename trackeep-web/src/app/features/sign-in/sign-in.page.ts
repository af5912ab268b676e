import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { isSafeReturnPath } from '@trackeep/contracts';
import { loginUrl } from '../../core/api/api-paths';
import { describeSignInReason } from './sign-in-reasons';

@Component({
  selector: 'trk-sign-in-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <main class="wrap">
      <section class="card panel" aria-labelledby="sign-in-title">
        <svg class="logo" viewBox="0 0 32 32" width="48" height="48" aria-hidden="true">
          <rect width="32" height="32" rx="7" fill="currentColor" />
          <path
            d="M8 22l5-7 4 4 7-10"
            fill="none"
            stroke="var(--mat-sys-on-primary)"
            stroke-width="3"
            stroke-linecap="round"
            stroke-linejoin="round"
          />
        </svg>
        <h1 id="sign-in-title">Sign in to Trackeep</h1>
        <p class="muted">
          Stars, commits, pull requests and activity of your GitHub repositories, in one place and live.
        </p>

        @if (message(); as m) {
          <div
            class="reason"
            [class.error]="m.tone === 'error'"
            [attr.role]="m.tone === 'error' ? 'alert' : 'status'"
            data-testid="sign-in-reason"
          >
            <strong>{{ m.title }}</strong>
            <span>{{ m.detail }}</span>
            <span class="code"
              >Reason code: <code>{{ reason() }}</code></span
            >
          </div>
        }

        <a class="filled-button connect" [href]="loginHref()">
          <svg viewBox="0 0 16 16" width="20" height="20" aria-hidden="true" fill="currentColor">
            <path
              d="M8 0C3.58 0 0 3.58 0 8c0 3.54 2.29 6.53 5.47 7.59.4.07.55-.17.55-.38 0-.19-.01-.82-.01-1.49-2.01.37-2.53-.49-2.69-.94-.09-.23-.48-.94-.82-1.13-.28-.15-.68-.52-.01-.53.63-.01 1.08.58 1.23.82.72 1.21 1.87.87 2.33.66.07-.52.28-.87.51-1.07-1.78-.2-3.64-.89-3.64-3.95 0-.87.31-1.59.82-2.15-.08-.2-.36-1.02.08-2.12 0 0 .67-.21 2.2.82.64-.18 1.32-.27 2-.27.68 0 1.36.09 2 .27 1.53-1.04 2.2-.82 2.2-.82.44 1.1.16 1.92.08 2.12.51.56.82 1.27.82 2.15 0 3.07-1.87 3.75-3.65 3.95.29.25.54.73.54 1.48 0 1.07-.01 1.93-.01 2.2 0 .21.15.46.55.38A8.013 8.013 0 0016 8c0-4.42-3.58-8-8-8z"
            />
          </svg>
          Connect GitHub
        </a>
        <p class="fine muted">Your GitHub token stays on the Trackeep server; this page never sees it.</p>
      </section>
    </main>
  `,
  styles: `
    .wrap {
      min-height: 100dvh;
      display: grid;
      place-items: center;
      padding: 16px;
      box-sizing: border-box;
    }
    .panel {
      width: min(440px, 100%);
      box-sizing: border-box;
      padding: 32px;
      text-align: center;
      display: flex;
      flex-direction: column;
      align-items: center;
      gap: 8px;
    }
    .logo {
      color: var(--mat-sys-primary);
    }
    h1 {
      margin: 8px 0 0;
    }
    p {
      margin: 0 0 8px;
    }
    .reason {
      display: flex;
      flex-direction: column;
      gap: 4px;
      width: 100%;
      box-sizing: border-box;
      text-align: left;
      padding: 12px 16px;
      margin: 8px 0;
      border-radius: 8px;
      background: var(--mat-sys-secondary-container);
      color: var(--mat-sys-on-secondary-container);
      &.error {
        background: var(--mat-sys-error-container);
        color: var(--mat-sys-on-error-container);
      }
    }
    .code {
      font: var(--mat-sys-body-small);
    }
    .connect {
      margin-top: 8px;
      min-height: 48px;
      padding: 0 24px;
    }
    .fine {
      font: var(--mat-sys-body-small);
      margin-top: 8px;
    }
  `,
})
export class SignInPage {
  /** Bound from the query string (?reason=session_expired&returnTo=/repos). */
  readonly reason = input<string | undefined>();
  readonly returnTo = input<string | undefined>();

  protected readonly message = computed(() => describeSignInReason(this.reason()));
  protected readonly loginHref = computed(() => {
    const target = this.returnTo();
    return loginUrl(target && isSafeReturnPath(target) && !target.startsWith('/sign-in') ? target : null);
  });
}
