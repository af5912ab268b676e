import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { SyncRunStatus, WebhookHealth, WebhookStatus } from '@trackeep/contracts';
import { IconComponent } from './icon.component';
import { exactTime } from './format.util';

const WEBHOOK_LABELS: Record<WebhookStatus, { text: string; tone: string; hint: string }> = {
  active: { text: 'Webhook active', tone: 'good', hint: 'GitHub pushes changes to Trackeep as they happen.' },
  failing: {
    text: 'Webhook failing',
    tone: 'bad',
    hint: 'Recent deliveries failed; updates arrive with the scheduled sync.',
  },
  not_admin: {
    text: 'No webhook (not admin)',
    tone: 'warn',
    hint: 'Only admins can add webhooks; this repository syncs on a schedule.',
  },
  not_registered: {
    text: 'Webhook not set up',
    tone: 'warn',
    hint: 'Updates arrive with the scheduled sync.',
  },
  disabled: { text: 'Webhook disabled', tone: '', hint: 'Webhooks are turned off for this instance.' },
  app: {
    text: 'Webhook via GitHub App',
    tone: 'good',
    hint: "The GitHub App's webhook pushes changes to Trackeep as they happen.",
  },
  needs_sso: {
    text: 'Webhook needs SSO authorization',
    tone: 'warn',
    hint: "The organization's SAML single sign-on has not been authorized for Trackeep; this repository syncs on a schedule.",
  },
  oauth_app_blocked: {
    text: 'Webhook blocked by an OAuth App policy',
    tone: 'warn',
    hint: "The organization's OAuth App access restrictions block Trackeep until an owner approves it; this repository syncs on a schedule.",
  },
};

/** The chip's words, naming the organization when the API says which one blocks the webhook. */
function webhookText(health: WebhookHealth): string {
  const org = health.block?.org;
  if (org && health.status === 'needs_sso') return `Webhook needs SSO authorization for ${org}`;
  if (org && health.status === 'oauth_app_blocked') return `Webhook blocked by ${org}'s OAuth App policy`;
  return (WEBHOOK_LABELS[health.status] ?? WEBHOOK_LABELS.not_registered).text;
}

@Component({
  selector: 'trk-webhook-chip',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [IconComponent],
  template: `<span class="chip" [class]="'chip ' + label().tone" [title]="title()"
    ><trk-icon name="webhook" [size]="12" />{{ text() }}</span
  >`,
})
export class WebhookChipComponent {
  readonly health = input.required<WebhookHealth>();
  protected readonly label = computed(
    () => WEBHOOK_LABELS[this.health().status] ?? WEBHOOK_LABELS.not_registered,
  );
  protected readonly text = computed(() => webhookText(this.health()));
  protected readonly title = computed(() => {
    const h = this.health();
    const parts = [this.label().hint];
    if (h.lastDeliveryAt) parts.push(`Last delivery: ${exactTime(h.lastDeliveryAt)}`);
    if (h.recoveredLast24h)
      parts.push(`Missed deliveries GitHub redelivered in the last 24 hours: ${h.recoveredLast24h}`);
    if (h.lastError) parts.push(`Last error: ${h.lastError}`);
    return parts.join('\n');
  });
}

const SYNC_LABELS: Record<SyncRunStatus, { text: string; tone: string }> = {
  queued: { text: 'Queued', tone: 'info' },
  running: { text: 'Syncing', tone: 'info' },
  succeeded: { text: 'Synced', tone: 'good' },
  partial: { text: 'Partly synced', tone: 'warn' },
  failed: { text: 'Sync failed', tone: 'bad' },
};

@Component({
  selector: 'trk-sync-chip',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<span [class]="'chip ' + label().tone">{{ label().text }}</span>`,
})
export class SyncChipComponent {
  readonly status = input.required<SyncRunStatus | null>();
  protected readonly label = computed(() => {
    const s = this.status();
    return s ? SYNC_LABELS[s] : { text: 'Not synced yet', tone: '' };
  });
}
