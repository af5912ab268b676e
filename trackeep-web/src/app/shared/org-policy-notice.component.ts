import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { OrgPolicyBlock } from '@trackeep/contracts';
import { IconComponent } from './icon.component';
import { orgPolicyText, safeHttpUrl } from './org-policy';

/**
 * An organization policy that keeps GitHub from answering (SAML SSO, OAuth App access restrictions): a warning
 * in plain words, not an error, since access itself is intact, and the GitHub page where someone can act.
 */
@Component({
  selector: 'trk-org-policy-notice',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [IconComponent],
  template: `
    @let b = block();
    @if (showState()) {
      <span class="chip warn policy"><trk-icon name="shield" [size]="12" />{{ text() }}</span>
    }
    @if (href(); as href) {
      <a class="act" [href]="href" target="_blank" rel="noopener noreferrer">
        {{ b.kind === 'sso' ? 'Authorize on GitHub' : 'An owner of ' + b.org + ' must approve the app' }}
        <trk-icon name="external" [size]="12" />
        <span class="sr-only">{{
          b.kind === 'sso' ? ' for ' + b.org + ' (opens in a new tab)' : ' (GitHub help, opens in a new tab)'
        }}</span>
      </a>
    } @else {
      <span class="act muted">
        {{
          b.kind === 'sso'
            ? 'Authorize the app for ' + b.org + ' on GitHub'
            : 'An owner of ' + b.org + ' must approve the app on GitHub'
        }}
      </span>
    }
  `,
  styles: `
    :host {
      display: inline-flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 4px 8px;
      min-width: 0;
    }
    .policy {
      white-space: normal;
    }
    .act {
      font: var(--mat-sys-label-medium);
      display: inline-flex;
      align-items: center;
      gap: 4px;
    }
  `,
})
export class OrgPolicyNoticeComponent {
  readonly block = input.required<OrgPolicyBlock>();
  /** Off where a chip next to it already names the state (the webhook chip). */
  readonly showState = input(true);
  protected readonly text = computed(() => orgPolicyText(this.block()));
  protected readonly href = computed(() => safeHttpUrl(this.block().url));
}
