import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatTabsModule } from '@angular/material/tabs';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { describeError } from '../../core/api/api-error';
import { Notices } from '../../core/layout/notices.service';
import { EmptyStateComponent } from '../../shared/empty-state.component';
import { compactNumber, fullNumber } from '../../shared/format.util';
import { GithubStateComponent } from '../../shared/github-state.component';
import { IconComponent, type IconName } from '../../shared/icon.component';
import { RelativeTimeComponent } from '../../shared/relative-time.component';
import { SkeletonComponent } from '../../shared/skeleton.component';
import { SparklineComponent } from '../../shared/sparkline.component';
import { SyncChipComponent, WebhookChipComponent } from '../../shared/status-chips.component';
import { RepoDetailStore } from './repo-detail.store';

interface Counter {
  key: 'stars' | 'forks' | 'watchers' | 'openIssues';
  label: string;
  icon: IconName;
}

@Component({
  selector: 'trk-repo-detail-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    RouterLink,
    RouterLinkActive,
    RouterOutlet,
    MatButtonModule,
    MatTabsModule,
    EmptyStateComponent,
    GithubStateComponent,
    IconComponent,
    RelativeTimeComponent,
    SkeletonComponent,
    SparklineComponent,
    SyncChipComponent,
    WebhookChipComponent,
  ],
  templateUrl: './repo-detail.page.html',
  styleUrl: './repo-detail.page.scss',
})
export class RepoDetailPage {
  protected readonly store = inject(RepoDetailStore);
  private readonly notices = inject(Notices);

  /** Route parameters. */
  readonly owner = input.required<string>();
  readonly name = input.required<string>();

  protected readonly syncing = signal(false);
  protected readonly counters: Counter[] = [
    { key: 'stars', label: 'Stars', icon: 'star' },
    { key: 'forks', label: 'Forks', icon: 'fork' },
    { key: 'watchers', label: 'Watchers', icon: 'eye' },
    { key: 'openIssues', label: 'Open issues', icon: 'issue' },
  ];
  protected readonly tabs = [
    { path: '.', label: 'Overview', exact: true },
    { path: 'commits', label: 'Commits', exact: false },
    { path: 'pulls', label: 'Pull requests', exact: false },
    { path: 'branches', label: 'Branches', exact: false },
    { path: 'delivery', label: 'Delivery', exact: false },
  ];
  /** Per counter, the history series for its sparkline. */
  protected readonly trend = computed(() => {
    const points = this.store.history().data ?? [];
    return {
      stars: points.map((p) => p.stars),
      forks: points.map((p) => p.forks),
      // Known only from the first snapshot on; the days before tracking carry stars and forks alone.
      watchers: points.flatMap((p) => (p.watchers === null ? [] : [p.watchers])),
      openIssues: points.flatMap((p) => (p.openIssues === null ? [] : [p.openIssues])),
    };
  });
  protected readonly compact = compactNumber;
  protected readonly fullNumber = fullNumber;

  constructor() {
    effect(() => this.store.select(this.owner(), this.name()));
  }

  protected async syncNow(): Promise<void> {
    this.syncing.set(true);
    try {
      await this.store.syncNow();
      this.notices.show(`Sync of ${this.store.fullName()} started.`);
    } catch (err) {
      this.notices.show(`Could not start a sync: ${describeError(err)}`, 'error');
    } finally {
      this.syncing.set(false);
    }
  }
}
