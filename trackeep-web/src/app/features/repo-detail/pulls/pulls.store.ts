import { Injectable, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import type { CycleTimeSummary, PullRequest, PullState } from '@trackeep/contracts';
import { PAGE_SIZE_DEFAULT, WEEKLY_CHART_DEFAULT_WEEKS } from '@trackeep/contracts';
import { debounceTime, filter, firstValueFrom } from 'rxjs';
import { describeError } from '../../../core/api/api-error';
import { type PullSort, ReposApi } from '../../../core/api/repos.api';
import type { Loadable } from '../../../core/repos/repos.store';
import { FreshMarks } from '../../../shared/fresh-marks';
import { PagedList } from '../../../shared/paged-list';
import { type RepoKey, RepoDetailStore } from '../repo-detail.store';

export type PullTab = PullState | 'all';

export interface PullFilters {
  tab: PullTab;
  author: string;
  sort: PullSort;
}

interface PullsQuery {
  key: RepoKey;
  filters: PullFilters;
}

/** Pull requests of the current repository by state, plus the cycle time of its recent merges. */
@Injectable()
export class PullsStore {
  private readonly api = inject(ReposApi);
  private readonly detail = inject(RepoDetailStore);
  private statsKey: string | null = null;

  readonly list = new PagedList<PullRequest, PullsQuery>(
    (q, cursor) =>
      this.api.pulls(q.key.owner, q.key.name, {
        state: q.filters.tab === 'all' ? null : q.filters.tab,
        author: q.filters.author.trim() || null,
        sort: q.filters.sort,
        cursor,
        limit: PAGE_SIZE_DEFAULT,
      }),
    (pr) => String(pr.number),
  );
  readonly cycleTime = signal<Loadable<CycleTimeSummary>>({ data: null, loading: false, error: null });
  readonly fresh = new FreshMarks();

  constructor() {
    this.detail.activity$
      .pipe(
        filter((e) => e.type.startsWith('pr_')),
        debounceTime(200),
        takeUntilDestroyed(),
      )
      .subscribe(() => void this.onPullActivity());
    this.detail.synced$.pipe(takeUntilDestroyed()).subscribe(() => void this.onPullActivity());
  }

  show(filters: PullFilters): void {
    const key = this.detail.key();
    if (!key) return;
    const current = this.list.currentQuery();
    const same =
      current &&
      current.key.owner === key.owner &&
      current.key.name === key.name &&
      current.filters.tab === filters.tab &&
      current.filters.author === filters.author &&
      current.filters.sort === filters.sort;
    if (!same || (!this.list.loaded() && !this.list.loading())) void this.list.reset({ key, filters });
    const statsKey = `${key.owner}/${key.name}`;
    if (this.statsKey !== statsKey) {
      this.statsKey = statsKey;
      void this.loadCycleTime(key);
    }
  }

  private async loadCycleTime(key: RepoKey): Promise<void> {
    this.cycleTime.update((s) => ({ ...s, loading: true, error: null }));
    try {
      const summary = await firstValueFrom(
        this.api.cycleTime(key.owner, key.name, WEEKLY_CHART_DEFAULT_WEEKS),
      );
      if (this.statsKey === `${key.owner}/${key.name}`)
        this.cycleTime.set({ data: summary, loading: false, error: null });
    } catch (err) {
      // Keep the figures already shown; a failed refresh only adds the error.
      if (this.statsKey === `${key.owner}/${key.name}`)
        this.cycleTime.update((s) => ({ ...s, loading: false, error: describeError(err) }));
    }
  }

  private async onPullActivity(): Promise<void> {
    const added = await this.list.refreshHead();
    for (const pr of added) this.fresh.mark(String(pr.number));
    const tab = this.list.currentQuery()?.filters.tab;
    if (tab && tab !== 'all') this.list.removeWhere((pr) => pr.state !== tab);
    const key = this.detail.key();
    if (key) void this.loadCycleTime(key);
  }
}
