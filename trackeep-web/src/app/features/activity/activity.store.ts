import { Injectable, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import type { ActivityEvent, ActivityType } from '@trackeep/contracts';
import { PAGE_SIZE_DEFAULT } from '@trackeep/contracts';
import { ActivityApi } from '../../core/api/activity.api';
import { LiveEvents } from '../../core/live/live-events.service';
import { FreshMarks } from '../../shared/fresh-marks';
import { PagedList } from '../../shared/paged-list';

export interface ActivityFilters {
  /** `owner/name`, or '' for every tracked repository. */
  repo: string;
  type: ActivityType | '';
}

export function matchesActivityFilters(event: ActivityEvent, filters: ActivityFilters): boolean {
  if (filters.repo && event.repoFullName.toLowerCase() !== filters.repo.toLowerCase()) return false;
  if (filters.type && event.type !== filters.type) return false;
  return true;
}

/**
 * The timeline: pages of past events (newest first, infinite scroll) with live events from the stream put
 * on top as they arrive, highlighted for a few seconds and announced to screen readers.
 */
@Injectable()
export class ActivityStore {
  private readonly api = inject(ActivityApi);
  private filters: ActivityFilters | null = null;

  readonly list = new PagedList<ActivityEvent, ActivityFilters>(
    (f, cursor) =>
      this.api.list({ repo: f.repo || null, type: f.type || null, cursor, limit: PAGE_SIZE_DEFAULT }),
    (e) => e.id,
  );
  readonly fresh = new FreshMarks();
  /** Text for the polite live region ("New: alice pushed 2 commits to main"). */
  readonly announcement = signal('');

  constructor() {
    const live = inject(LiveEvents);
    live.activity$.pipe(takeUntilDestroyed()).subscribe((event) => this.receive(event));
    // After a gap in the stream, fetch the head again so nothing that happened meanwhile is missing.
    live.resumed$.pipe(takeUntilDestroyed()).subscribe(async () => {
      for (const event of await this.list.refreshHead()) this.fresh.mark(event.id);
    });
  }

  show(filters: ActivityFilters): void {
    const same = this.filters && this.filters.repo === filters.repo && this.filters.type === filters.type;
    if (same && (this.list.loaded() || this.list.loading())) return;
    this.filters = filters;
    void this.list.reset(filters);
  }

  receive(event: ActivityEvent): void {
    if (!this.filters || !matchesActivityFilters(event, this.filters)) return;
    if (!this.list.prepend(event)) return;
    this.fresh.mark(event.id);
    this.announcement.set(`New in ${event.repoFullName}: ${event.title}`);
  }
}
