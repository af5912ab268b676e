import { computed, signal } from '@angular/core';
import type { Page } from '@trackeep/contracts';
import { type Observable, firstValueFrom } from 'rxjs';
import { describeError } from '../core/api/api-error';

/**
 * A keyset-paginated list (`Page<T>` with `nextCursor`) for infinite scrolling, with live additions at the
 * top. Answers to an outdated query (the filters changed meanwhile) are dropped.
 */
export class PagedList<T, Q> {
  private generation = 0;
  private query: Q | null = null;

  readonly items = signal<T[]>([]);
  readonly loading = signal(false);
  readonly error = signal<string | null>(null);
  readonly nextCursor = signal<string | null>(null);
  /** True once the first page for the current query arrived. */
  readonly loaded = signal(false);
  readonly hasMore = computed(() => this.nextCursor() !== null);

  constructor(
    private readonly fetch: (query: Q, cursor: string | null) => Observable<Page<T>>,
    private readonly idOf: (item: T) => string,
  ) {}

  currentQuery(): Q | null {
    return this.query;
  }

  /** Starts over with a new query (filters changed, or first load). */
  async reset(query: Q): Promise<void> {
    this.query = query;
    const gen = ++this.generation;
    this.items.set([]);
    this.nextCursor.set(null);
    this.loaded.set(false);
    await this.fetchPage(gen, null);
  }

  async loadMore(): Promise<void> {
    const cursor = this.nextCursor();
    if (this.loading() || cursor === null || this.query === null) return;
    await this.fetchPage(this.generation, cursor);
  }

  /**
   * Fetches the first page again and returns the items not seen before. While only the first page is shown
   * it simply replaces it (so items that left the filter, like a pull request merged out of "open", go);
   * deeper in, new items go on top and listed ones are replaced by their newer version.
   */
  async refreshHead(): Promise<T[]> {
    if (this.query === null) return [];
    const gen = this.generation;
    const shownCount = this.items().length;
    try {
      const page = await firstValueFrom(this.fetch(this.query, null));
      if (gen !== this.generation) return [];
      const known = new Set(this.items().map(this.idOf));
      const added = page.items.filter((item) => !known.has(this.idOf(item)));
      if (!this.loaded() || shownCount <= page.items.length) {
        this.items.set(page.items);
        this.nextCursor.set(page.nextCursor);
        this.loaded.set(true);
      } else {
        const latest = new Map(page.items.map((item) => [this.idOf(item), item]));
        this.items.update((items) => [...added, ...items.map((item) => latest.get(this.idOf(item)) ?? item)]);
      }
      return added;
    } catch {
      return [];
    }
  }

  /** Drops listed items that no longer belong (e.g. no longer match the filter after a live change). */
  removeWhere(predicate: (item: T) => boolean): void {
    this.items.update((items) => items.filter((item) => !predicate(item)));
  }

  /** Adds one item on top unless it is already listed; returns whether it was added. */
  prepend(item: T): boolean {
    const id = this.idOf(item);
    if (this.items().some((existing) => this.idOf(existing) === id)) return false;
    this.items.update((items) => [item, ...items]);
    return true;
  }

  private async fetchPage(gen: number, cursor: string | null): Promise<void> {
    this.loading.set(true);
    this.error.set(null);
    try {
      const page = await firstValueFrom(this.fetch(this.query as Q, cursor));
      if (gen !== this.generation) return;
      const known = new Set(this.items().map(this.idOf));
      this.items.update((items) => [...items, ...page.items.filter((item) => !known.has(this.idOf(item)))]);
      this.nextCursor.set(page.nextCursor);
      this.loaded.set(true);
    } catch (err) {
      if (gen === this.generation) this.error.set(describeError(err));
    } finally {
      if (gen === this.generation) this.loading.set(false);
    }
  }
}

/** Follows `nextCursor` for up to `maxPages` pages (for statistics); `truncated` when more were left. */
export async function collectPages<T>(
  fetch: (cursor: string | null) => Observable<Page<T>>,
  maxPages: number,
): Promise<{ items: T[]; truncated: boolean }> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const result: Page<T> = await firstValueFrom(fetch(cursor));
    items.push(...result.items);
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return { items, truncated: cursor !== null };
}

/**
 * Follows `nextCursor` for up to `maxPages` pages, handing over everything loaded so far after each page, so
 * a list can show its first page while the rest arrives. `onPage` returning false stops early (e.g. a newer
 * load started). Resolves with whether more pages were left.
 */
export async function loadPages<T>(
  fetch: (cursor: string | null) => Observable<Page<T>>,
  maxPages: number,
  onPage: (itemsSoFar: T[], done: boolean) => boolean,
): Promise<{ truncated: boolean }> {
  let items: T[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const result: Page<T> = await firstValueFrom(fetch(cursor));
    items = [...items, ...result.items];
    cursor = result.nextCursor;
    const last = !cursor || page + 1 === maxPages;
    if (!onPage(items, last) || last) break;
  }
  return { truncated: cursor !== null };
}
