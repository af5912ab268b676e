import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import {
  type ActivityEvent,
  type Branch,
  type LiveEvent,
  PAGE_SIZE_MAX,
  type StatsPoint,
  type TrackedRepo,
} from '@trackeep/contracts';
import { Subject, firstValueFrom } from 'rxjs';
import { ActivityApi } from '../../core/api/activity.api';
import { describeError, errorCodeOf } from '../../core/api/api-error';
import { ReposApi } from '../../core/api/repos.api';
import { isFinishedSync } from '../../core/live/live-event.parser';
import { LiveEvents } from '../../core/live/live-events.service';
import type { Loadable } from '../../core/repos/repos.store';
import { FreshMarks } from '../../shared/fresh-marks';
import { collectPages } from '../../shared/paged-list';

type SyncProgressEvent = Extract<LiveEvent, { type: 'sync_progress' }>;

export interface RepoKey {
  owner: string;
  name: string;
}

const empty = <T>(): Loadable<T> => ({ data: null, loading: false, error: null });
const RECENT_ACTIVITY = 15;
/** Asks the stats history from before any repository existed: the chart starts at the first star or fork. */
const WHOLE_HISTORY_SINCE = '2000-01-01';
/** Up to 500 branches; repositories with more are rare and the list is for people, not machines. */
const BRANCH_PAGES = 5;
const BRANCH_CHANGES = new Set<ActivityEvent['type']>(['push', 'branch_created', 'branch_deleted']);

function sameRepo(a: RepoKey, fullName: string): boolean {
  return `${a.owner}/${a.name}`.toLowerCase() === fullName.toLowerCase();
}

/**
 * Everything the repository page shows about one repository, and the live feed for it. Provided per
 * repository route, so its tabs (overview, commits, pulls, branches) share one copy.
 */
@Injectable()
export class RepoDetailStore {
  private readonly reposApi = inject(ReposApi);
  private readonly activityApi = inject(ActivityApi);
  private readonly activityFor = new Subject<ActivityEvent>();
  private readonly syncedFor = new Subject<void>();
  private generation = 0;

  readonly key = signal<RepoKey | null>(null);
  readonly repo = signal<Loadable<TrackedRepo>>(empty());
  readonly notFound = signal(false);
  readonly history = signal<Loadable<StatsPoint[]>>(empty());
  readonly branches = signal<Loadable<Branch[]>>(empty());
  readonly recentActivity = signal<Loadable<ActivityEvent[]>>(empty());
  /** 0..100 while a sync of this repository runs (from the live stream), otherwise null. */
  readonly syncProgress = signal<number | null>(null);
  readonly fresh = new FreshMarks();
  readonly fullName = computed(() => {
    const key = this.key();
    return key ? `${key.owner}/${key.name}` : '';
  });
  /** Activity of this repository as it arrives over the live stream (commits and pulls tabs refresh on it). */
  readonly activity$ = this.activityFor.asObservable();
  /** Fires when a sync of this repository finished: every list may have changed. */
  readonly synced$ = this.syncedFor.asObservable();

  constructor() {
    const live = inject(LiveEvents);
    live.activity$.pipe(takeUntilDestroyed()).subscribe((event) => this.onActivity(event));
    live
      .ofType('repo_changed')
      .pipe(takeUntilDestroyed())
      .subscribe(({ repo }) => {
        const key = this.key();
        if (key && (repo.id === this.repo().data?.id || sameRepo(key, repo.fullName))) {
          this.repo.set({ data: repo, loading: false, error: null });
        }
      });
    live
      .ofType('sync_progress')
      .pipe(takeUntilDestroyed())
      .subscribe((event) => this.onSyncProgress(event));
    live.resumed$.pipe(takeUntilDestroyed()).subscribe(() => void this.loadRecentActivity(this.generation));
    inject(DestroyRef).onDestroy(() => this.fresh.clear());
  }

  /** Switches to a repository (the route is reused between repositories) and loads its header data. */
  select(owner: string, name: string): void {
    const current = this.key();
    if (current && current.owner === owner && current.name === name) return;
    const gen = ++this.generation;
    this.key.set({ owner, name });
    this.notFound.set(false);
    this.syncProgress.set(null);
    this.repo.set({ data: null, loading: true, error: null });
    this.history.set({ data: null, loading: true, error: null });
    this.branches.set(empty());
    this.recentActivity.set({ data: null, loading: true, error: null });
    void this.loadRepo(gen);
    void this.loadHistory(gen);
    void this.loadRecentActivity(gen);
  }

  reload(): void {
    const gen = this.generation;
    void this.loadRepo(gen);
    void this.loadHistory(gen);
    void this.loadRecentActivity(gen);
  }

  ensureBranches(): void {
    const state = this.branches();
    if (state.data || state.loading) return;
    void this.loadBranches(this.generation);
  }

  async loadBranches(gen = this.generation): Promise<void> {
    const key = this.key();
    if (!key) return;
    this.branches.update((s) => ({ ...s, loading: true, error: null }));
    try {
      const { items } = await collectPages(
        (cursor) => this.reposApi.branches(key.owner, key.name, cursor, PAGE_SIZE_MAX),
        BRANCH_PAGES,
      );
      if (gen === this.generation) this.branches.set({ data: items, loading: false, error: null });
    } catch (err) {
      if (gen === this.generation)
        this.branches.update((s) => ({ ...s, loading: false, error: describeError(err) }));
    }
  }

  async syncNow(): Promise<void> {
    const key = this.key();
    if (key) await firstValueFrom(this.reposApi.sync(key.owner, key.name));
  }

  private async loadRepo(gen: number): Promise<void> {
    const key = this.key();
    if (!key) return;
    try {
      const data = await firstValueFrom(this.reposApi.repo(key.owner, key.name));
      if (gen === this.generation) this.repo.set({ data, loading: false, error: null });
    } catch (err) {
      if (gen !== this.generation) return;
      this.notFound.set(errorCodeOf(err) === 'repo_not_found');
      this.repo.set({ data: null, loading: false, error: describeError(err) });
    }
  }

  private async loadHistory(gen: number): Promise<void> {
    const key = this.key();
    if (!key) return;
    try {
      // The whole history: from the first star or fork, before tracking began too.
      const data = await firstValueFrom(this.reposApi.statsHistory(key.owner, key.name, WHOLE_HISTORY_SINCE));
      if (gen === this.generation) this.history.set({ data, loading: false, error: null });
    } catch (err) {
      if (gen === this.generation)
        this.history.set({ data: null, loading: false, error: describeError(err) });
    }
  }

  private async loadRecentActivity(gen: number): Promise<void> {
    const key = this.key();
    if (!key) return;
    try {
      const page = await firstValueFrom(
        this.activityApi.list({ repo: this.fullName(), limit: RECENT_ACTIVITY }),
      );
      if (gen !== this.generation) return;
      // Keep anything that arrived live meanwhile; the page is the source of truth for the rest.
      const known = new Set(page.items.map((e) => e.id));
      const liveOnly = (this.recentActivity().data ?? []).filter((e) => !known.has(e.id));
      this.recentActivity.set({
        data: [...liveOnly, ...page.items].slice(0, RECENT_ACTIVITY),
        loading: false,
        error: null,
      });
    } catch (err) {
      if (gen === this.generation)
        this.recentActivity.update((s) => ({ ...s, loading: false, error: describeError(err) }));
    }
  }

  private onSyncProgress(event: SyncProgressEvent): void {
    const key = this.key();
    if (!key || (event.repoId !== this.repo().data?.id && !sameRepo(key, event.repoFullName))) return;
    if (!isFinishedSync(event.status)) {
      this.syncProgress.set(Math.max(0, Math.min(100, Math.round(event.progress))));
      return;
    }
    // Finished: counters, snapshots and lists may all have changed.
    this.syncProgress.set(null);
    this.reload();
    if (this.branches().data) void this.loadBranches();
    this.syncedFor.next();
  }

  private onActivity(event: ActivityEvent): void {
    const key = this.key();
    if (!key) return;
    const repoId = this.repo().data?.id;
    if (event.repoId !== repoId && !sameRepo(key, event.repoFullName)) return;
    this.recentActivity.update((s) => {
      const list = s.data ?? [];
      if (list.some((e) => e.id === event.id)) return s;
      return { ...s, data: [event, ...list].slice(0, RECENT_ACTIVITY) };
    });
    this.fresh.mark(event.id);
    if (this.branches().data && BRANCH_CHANGES.has(event.type)) void this.loadBranches();
    this.activityFor.next(event);
  }
}
