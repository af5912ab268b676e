import { Injectable, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import type { GithubRepo, TrackedRepo } from '@trackeep/contracts';
import { debounceTime, filter, firstValueFrom } from 'rxjs';
import { describeError } from '../api/api-error';
import { ReposApi } from '../api/repos.api';
import { isFinishedSync } from '../live/live-event.parser';
import { LiveEvents } from '../live/live-events.service';

export interface Loadable<T> {
  data: T | null;
  loading: boolean;
  error: string | null;
}

const initial = <T>(): Loadable<T> => ({ data: null, loading: false, error: null });

/**
 * Tracked and accessible repositories, shared by the repository list, the activity filters and settings.
 * Kept for the session so returning to a page shows data at once while it refreshes.
 */
@Injectable({ providedIn: 'root' })
export class ReposStore {
  private readonly api = inject(ReposApi);

  readonly tracked = signal<Loadable<TrackedRepo[]>>(initial());
  readonly accessible = signal<Loadable<GithubRepo[]>>(initial());
  /** Full names whose track toggle is waiting for the API. */
  readonly toggling = signal<ReadonlySet<string>>(new Set());

  constructor() {
    const live = inject(LiveEvents);
    live
      .ofType('repo_changed')
      .pipe(takeUntilDestroyed())
      .subscribe(({ repo }) => this.applyRepoChange(repo));
    // A finished sync changes counters and "last sync"; several finishing together cause one reload.
    live
      .ofType('sync_progress')
      .pipe(
        filter((e) => isFinishedSync(e.status)),
        debounceTime(500),
        filter(() => this.tracked().data !== null),
        takeUntilDestroyed(),
      )
      .subscribe(() => void this.loadTracked());
  }

  async loadTracked(): Promise<void> {
    this.tracked.update((s) => ({ ...s, loading: true, error: null }));
    try {
      const data = await firstValueFrom(this.api.tracked());
      this.tracked.set({ data, loading: false, error: null });
    } catch (err) {
      this.tracked.update((s) => ({ ...s, loading: false, error: describeError(err) }));
    }
  }

  async loadAccessible(): Promise<void> {
    this.accessible.update((s) => ({ ...s, loading: true, error: null }));
    try {
      const data = await firstValueFrom(this.api.accessible());
      this.accessible.set({ data, loading: false, error: null });
    } catch (err) {
      this.accessible.update((s) => ({ ...s, loading: false, error: describeError(err) }));
    }
  }

  /** Loads tracked repositories unless already loaded (for pages that only need names). */
  ensureTracked(): void {
    const state = this.tracked();
    if (!state.data && !state.loading) void this.loadTracked();
  }

  /**
   * Flips tracking at once in the list (optimistic), then asks the API; on failure the flip is undone and
   * the error is rethrown for the page to show.
   */
  async setTracked(repo: Pick<GithubRepo, 'owner' | 'name' | 'fullName'>, tracked: boolean): Promise<void> {
    const key = repo.fullName;
    if (this.toggling().has(key)) return;
    this.toggling.update((s) => new Set(s).add(key));
    this.patchAccessible(key, tracked);
    if (!tracked) this.removeTracked(key);
    try {
      if (tracked) this.upsertTracked(await firstValueFrom(this.api.track(repo.owner, repo.name)));
      else await firstValueFrom(this.api.untrack(repo.owner, repo.name));
    } catch (err) {
      this.patchAccessible(key, !tracked);
      if (!tracked) void this.loadTracked();
      throw err;
    } finally {
      this.toggling.update((s) => {
        const next = new Set(s);
        next.delete(key);
        return next;
      });
    }
  }

  /** A live `repo_changed` message: replace the repo in place (counters, sync status, webhook health). */
  applyRepoChange(repo: TrackedRepo): void {
    this.tracked.update((s) =>
      s.data ? { ...s, data: s.data.map((r) => (r.id === repo.id ? repo : r)) } : s,
    );
  }

  private patchAccessible(fullName: string, tracked: boolean): void {
    this.accessible.update((s) =>
      s.data ? { ...s, data: s.data.map((r) => (r.fullName === fullName ? { ...r, tracked } : r)) } : s,
    );
  }

  private upsertTracked(repo: TrackedRepo): void {
    this.tracked.update((s) => {
      const list = s.data ?? [];
      const exists = list.some((r) => r.id === repo.id);
      return { ...s, data: exists ? list.map((r) => (r.id === repo.id ? repo : r)) : [...list, repo] };
    });
  }

  private removeTracked(fullName: string): void {
    this.tracked.update((s) => (s.data ? { ...s, data: s.data.filter((r) => r.fullName !== fullName) } : s));
  }
}
