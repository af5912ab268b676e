import { DestroyRef, Injectable, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import type { LiveEvent, RepoSyncStatus, SyncRun, SyncStatus } from '@trackeep/contracts';
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

/** Applies one progress message to the per-repository status (running flag and percentage). */
export function applySyncProgress(status: SyncStatus, event: SyncProgress): SyncStatus {
  const running = !isFinishedSync(event.status);
  const progress = running ? Math.max(0, Math.min(100, Math.round(event.progress))) : null;
  let found = false;
  const repos = status.repos.map((r): RepoSyncStatus => {
    if (r.repoId !== event.repoId) return r;
    found = true;
    return { ...r, running, progress };
  });
  if (!found) {
    repos.push({
      repoId: event.repoId,
      repoFullName: event.repoFullName,
      lastSuccessAt: null,
      running,
      progress,
      nextScheduledAt: null,
      lastError: null,
    });
  }
  return { ...status, repos };
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

  async loadStatus(): Promise<void> {
    this.status.update((s) => ({ ...s, loading: true }));
    try {
      const data = await firstValueFrom(this.api.status());
      this.status.set({ data, loading: false, error: null });
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
