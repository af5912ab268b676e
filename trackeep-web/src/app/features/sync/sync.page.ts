import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import type { RateLimitBudget, SyncRun } from '@trackeep/contracts';
import { describeError } from '../../core/api/api-error';
import { Notices } from '../../core/layout/notices.service';
import { EmptyStateComponent } from '../../shared/empty-state.component';
import { Clock } from '../../shared/clock.service';
import { budgetAt } from '../../shared/rate-budget';
import { clockTime, counted, exactTime, formatDuration, fullNumber } from '../../shared/format.util';
import { IconComponent } from '../../shared/icon.component';
import { InViewDirective } from '../../shared/in-view.directive';
import { OrgPolicyNoticeComponent } from '../../shared/org-policy-notice.component';
import { RelativeTimeComponent } from '../../shared/relative-time.component';
import { SkeletonComponent } from '../../shared/skeleton.component';
import { SyncChipComponent } from '../../shared/status-chips.component';
import { SyncStore } from './sync.store';

@Component({
  selector: 'trk-sync-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    RouterLink,
    MatButtonModule,
    MatProgressBarModule,
    EmptyStateComponent,
    IconComponent,
    InViewDirective,
    OrgPolicyNoticeComponent,
    RelativeTimeComponent,
    SkeletonComponent,
    SyncChipComponent,
  ],
  templateUrl: './sync.page.html',
  styleUrl: './sync.page.scss',
})
export class SyncPage {
  protected readonly store = inject(SyncStore);
  private readonly notices = inject(Notices);
  private readonly clock = inject(Clock);

  /** In the server's order (by name): later pages continue it. */
  protected readonly repos = computed(() => this.store.status().data?.repos ?? []);
  protected readonly runningCount = computed(() => this.store.status().data?.running ?? 0);
  protected readonly trackedCount = computed(() => this.store.status().data?.tracked ?? 0);
  protected readonly number = fullNumber;
  protected readonly exact = exactTime;

  constructor() {
    this.store.load();
  }

  protected async sync(fullName: string | null): Promise<void> {
    try {
      await this.store.syncNow(fullName);
      this.notices.show(
        fullName ? `Sync of ${fullName} queued.` : 'Sync of all tracked repositories queued.',
      );
    } catch (err) {
      this.notices.show(`Could not start the sync: ${describeError(err)}`, 'error');
    }
  }

  protected duration(run: SyncRun): string {
    if (!run.finishedAt) return 'running';
    return formatDuration((Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000);
  }

  /** What the run wrote (new or changed rows); what GitHub sent again unchanged is not counted. */
  protected itemsText(run: SyncRun): string {
    const i = run.items;
    const parts = [
      i.commits ? counted(i.commits, 'commit') : '',
      i.pulls ? counted(i.pulls, 'PR') : '',
      i.branches ? counted(i.branches, 'branch', 'branches') : '',
    ].filter(Boolean);
    if (parts.length) return parts.join(', ');
    return run.finishedAt ? 'nothing new' : '—';
  }

  /** When a rate-limit pause ends ("14:05"), or null once it is over: the next status poll catches up. */
  protected pauseEnd(pausedUntil: string | null | undefined): string | null {
    if (!pausedUntil) return null;
    const now = this.clock.now();
    return Date.parse(pausedUntil) > now ? clockTime(pausedUntil, now) : null;
  }

  protected repoLink(fullName: string): string[] {
    return ['/repos', ...fullName.split('/')];
  }

  protected budgetKey(b: RateLimitBudget): string {
    return `${b.installation?.id ?? 'token'}:${b.resource}`;
  }

  protected budgetNow(b: RateLimitBudget): { remaining: number; resetPassed: boolean } {
    return budgetAt(b, this.clock.now());
  }

  protected budgetShare(remaining: number, limit: number): number {
    return limit > 0 ? Math.round((remaining / limit) * 100) : 0;
  }
}
