import { Injectable, type WritableSignal, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { PAGE_SIZE_MAX, type GithubRepo, type Page, type TrackedRepo } from '@trackeep/contracts';
import { type Observable, debounceTime, filter, firstValueFrom } from 'rxjs';
import { loadPages } from '../../shared/paged-list';
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

/** Pages followed per load (100 each): 10,000 repositories. */
const MAX_PAGES = 100;

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
  /** The latest load of each list; an older one still running stops. */
  private readonly loads = { tracked: 0, accessible: 0 };

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

  /** Every tracked repository, a page at a time (see loadAll). */
  loadTracked(): Promise<void> {
    return this.loadAll(this.tracked, 'tracked', (cursor) => this.api.tracked(cursor, PAGE_SIZE_MAX));
  }

  /** Every repository the user can reach on GitHub, a GitHub page at a time (see loadAll). */
  loadAccessible(): Promise<void> {
    return this.loadAll(this.accessible, 'accessible', (cursor) => this.api.accessible(cursor));
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

  /**
   * Follows the list's pages. A first load shows each page as it arrives (the first screen does not wait for
   * the whole list); a reload keeps the list shown until the new one is complete. A newer load of the same
   * list makes an older one stop.
   */
  private async loadAll<T>(
    state: WritableSignal<Loadable<T[]>>,
    list: 'tracked' | 'accessible',
    fetch: (cursor: string | null) => Observable<Page<T>>,
  ): Promise<void> {
    const load = ++this.loads[list];
    const firstLoad = state().data === null;
    state.update((s) => ({ ...s, loading: true, error: null }));
    try {
      await loadPages(fetch, MAX_PAGES, (items, done) => {
        if (load !== this.loads[list]) return false;
        if (done || firstLoad) state.set({ data: items, loading: !done, error: null });
        return true;
      });
    } catch (err) {
      if (load === this.loads[list])
        state.update((s) => ({ ...s, loading: false, error: describeError(err) }));
    }
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
