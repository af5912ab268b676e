import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { RouterLink } from '@angular/router';
import type { WebhookDelivery } from '@trackeep/contracts';
import { firstValueFrom } from 'rxjs';
import { describeError } from '../../core/api/api-error';
import { SyncApi } from '../../core/api/sync.api';
import { AuthStore } from '../../core/auth/auth.store';
import { ReposStore } from '../../core/repos/repos.store';
import { EmptyStateComponent } from '../../shared/empty-state.component';
import { webhookPolicyBlock } from '../../shared/org-policy';
import { OrgPolicyNoticeComponent } from '../../shared/org-policy-notice.component';
import { RelativeTimeComponent } from '../../shared/relative-time.component';
import { SkeletonComponent } from '../../shared/skeleton.component';
import { WebhookChipComponent } from '../../shared/status-chips.component';

@Component({
  selector: 'trk-settings-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    RouterLink,
    MatButtonModule,
    MatCheckboxModule,
    EmptyStateComponent,
    OrgPolicyNoticeComponent,
    RelativeTimeComponent,
    SkeletonComponent,
    WebhookChipComponent,
  ],
  templateUrl: './settings.page.html',
  styleUrl: './settings.page.scss',
})
export class SettingsPage {
  protected readonly auth = inject(AuthStore);
  protected readonly repos = inject(ReposStore);
  private readonly syncApi = inject(SyncApi);

  protected readonly revoke = signal(false);
  protected readonly signingOut = signal(false);
  protected readonly signOutError = signal<string | null>(null);
  protected readonly deliveries = signal<WebhookDelivery[] | null>(null);
  protected readonly deliveriesError = signal<string | null>(null);
  protected readonly trackedRepos = computed(() =>
    [...(this.repos.tracked().data ?? [])].sort((a, b) => a.fullName.localeCompare(b.fullName)),
  );
  protected readonly unhealthy = computed(
    () => this.trackedRepos().filter((r) => r.webhook.status === 'failing').length,
  );
  protected readonly webhookBlock = webhookPolicyBlock;

  constructor() {
    void this.repos.loadTracked();
    void this.loadDeliveries();
  }

  protected async signOut(): Promise<void> {
    this.signingOut.set(true);
    this.signOutError.set(null);
    try {
      // The shell notices the signed-out state and takes the user to the sign-in page.
      await this.auth.signOut(this.revoke());
    } catch (err) {
      this.signOutError.set(describeError(err));
      this.signingOut.set(false);
    }
  }

  private async loadDeliveries(): Promise<void> {
    try {
      const page = await firstValueFrom(this.syncApi.webhookDeliveries());
      this.deliveries.set(page.items.slice(0, 20));
    } catch (err) {
      this.deliveriesError.set(describeError(err));
    }
  }
}
