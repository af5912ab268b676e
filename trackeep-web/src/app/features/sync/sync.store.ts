import { DestroyRef, Injectable, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import {
  PAGE_SIZE_DEFAULT,
  PAGE_SIZE_MAX,
  type LiveEvent,
  type RepoSyncStatus,
  type SyncRun,
  type SyncStatus,
} from '@trackeep/contracts';
import { debounceTime, filter, firstValueFrom, tap } from 'rxjs';
import { describeError } from '../../core/api/api-error';
import { ReposApi } from '../../core/api/repos.api';
import { SyncApi } from '../../core/api/sync.api';
import { isFinishedSync } from '../../core/live/live-event.parser';
import { LiveEvents } from '../../core/live/live-events.service';
import type { Loadable } from '../../core/repos/repos.store';
import { PagedList } from '../../shared/paged-list';

type SyncProgress = Extract<LiveEvent, { type: 'sync_progress' }>;

const POLL_MS = 30_000;

/**
 * Applies one progress message to the loaded status: the repository's running flag and percentage, and the count
 * of those syncing. A repository not loaded yet is added only where the loaded pages cover its name.
 */
export function applySyncProgress(status: SyncStatus, event: SyncProgress): SyncStatus {
  const running = !isFinishedSync(event.status);
  const progress = running ? Math.max(0, Math.min(100, Math.round(event.progress))) : null;
  const at = status.repos.findIndex((r) => r.repoId === event.repoId);
  const repos = [...status.repos];
  let count = status.running;
  if (at >= 0) {
    const was = repos[at] as RepoSyncStatus;
    count += Number(running) - Number(was.running);
    repos[at] = { ...was, running, progress };
  } else if (!status.nextCursor) {
    // Tracked a moment ago: placed by name as the server orders (byte order), until the next load.
    let to = repos.findIndex((r) => r.repoFullName > event.repoFullName);
    if (to < 0) to = repos.length;
    repos.splice(to, 0, {
      repoId: event.repoId,
      repoFullName: event.repoFullName,
      lastSuccessAt: null,
      running,
      progress,
      nextScheduledAt: null,
      lastError: null,
    });
    count += Number(running);
  }
  return { ...status, repos, running: Math.max(0, count) };
}

/** The loaded pages refreshed in place: the head as many as are shown (up to a page's maximum), the rest kept. */
export function mergeStatusHead(loaded: SyncStatus | null, head: SyncStatus, asked: number): SyncStatus {
  if (!loaded || loaded.repos.length <= asked || !head.nextCursor) return head;
  const last = head.repos[head.repos.length - 1];
  const tail = last ? loaded.repos.filter((r) => r.repoFullName > last.repoFullName) : [];
  return {
    ...head,
    repos: [...head.repos, ...tail],
    nextCursor: tail.length ? loaded.nextCursor : head.nextCursor,
  };
}

/** Sync overview: per-repository state (live progress), rate-limit budget, recent runs and their cost. */
@Injectable()
export class SyncStore {
  private readonly api = inject(SyncApi);
  private readonly reposApi = inject(ReposApi);

  readonly status = signal<Loadable<SyncStatus>>({ data: null, loading: false, error: null });
  readonly runs = new PagedList<SyncRun, Record<string, never>>(
    (_q, cursor) => this.api.runs(cursor),
    (r) => r.id,
  );
  /** Full names (or "all") with a sync request on its way. */
  readonly requesting = signal<ReadonlySet<string>>(new Set());

  constructor() {
    const live = inject(LiveEvents);
    live
      .ofType('sync_progress')
      .pipe(
        tap((event) =>
          this.status.update((s) => (s.data ? { ...s, data: applySyncProgress(s.data, event) } : s)),
        ),
        filter((event) => isFinishedSync(event.status)),
        debounceTime(500),
        takeUntilDestroyed(),
      )
      .subscribe(() => {
        void this.loadStatus();
        void this.runs.refreshHead();
      });
    const timer = setInterval(() => void this.loadStatus(), POLL_MS);
    inject(DestroyRef).onDestroy(() => clearInterval(timer));
  }

  load(): void {
    void this.loadStatus();
    void this.runs.reset({});
  }

  /** Loads the first page, or refreshes the pages already shown (polling, after a run ends). */
  async loadStatus(): Promise<void> {
    this.status.update((s) => ({ ...s, loading: true }));
    const asked = Math.min(PAGE_SIZE_MAX, Math.max(PAGE_SIZE_DEFAULT, this.status().data?.repos.length ?? 0));
    try {
      const head = await firstValueFrom(this.api.status({ limit: asked }));
      this.status.update(() => ({
        data: mergeStatusHead(this.status().data, head, asked),
        loading: false,
        error: null,
      }));
    } catch (err) {
      this.status.update((s) => ({ ...s, loading: false, error: describeError(err) }));
    }
  }

  /** Appends the next page of repositories. */
  async loadMoreStatus(): Promise<void> {
    const current = this.status();
    const cursor = current.data?.nextCursor;
    if (!cursor || current.loading) return;
    this.status.update((s) => ({ ...s, loading: true }));
    try {
      const page = await firstValueFrom(this.api.status({ cursor }));
      this.status.update((s) => {
        const known = new Set(s.data?.repos.map((r) => r.repoId));
        const repos = [...(s.data?.repos ?? []), ...page.repos.filter((r) => !known.has(r.repoId))];
        return { data: { ...page, repos }, loading: false, error: null };
      });
    } catch (err) {
      this.status.update((s) => ({ ...s, loading: false, error: describeError(err) }));
    }
  }

  /** Queues a sync of one repository (`owner/name`) or of all (`null`). */
  async syncNow(fullName: string | null): Promise<void> {
    const key = fullName ?? 'all';
    this.requesting.update((s) => new Set(s).add(key));
    try {
      if (fullName) {
        const slash = fullName.indexOf('/');
        await firstValueFrom(this.reposApi.sync(fullName.slice(0, slash), fullName.slice(slash + 1)));
      } else {
        await firstValueFrom(this.api.syncAll());
      }
      await this.loadStatus();
      void this.runs.refreshHead();
    } finally {
      this.requesting.update((s) => {
        const next = new Set(s);
        next.delete(key);
        return next;
      });
    }
  }
}
