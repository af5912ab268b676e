import { Injectable, inject } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import type { Commit } from '@trackeep/contracts';
import { PAGE_SIZE_DEFAULT } from '@trackeep/contracts';
import { debounceTime, filter } from 'rxjs';
import { ReposApi } from '../../../core/api/repos.api';
import { FreshMarks } from '../../../shared/fresh-marks';
import { PagedList } from '../../../shared/paged-list';
import { type RepoKey, RepoDetailStore } from '../repo-detail.store';
import { type CommitFilters, sameCommitFilters, toCommitQuery } from './commit-filters';

interface CommitsQuery {
  key: RepoKey;
  filters: CommitFilters;
}

/** Commit history of the current repository with its filters; new pushes appear on top while open. */
@Injectable()
export class CommitsStore {
  private readonly api = inject(ReposApi);
  private readonly detail = inject(RepoDetailStore);

  readonly list = new PagedList<Commit, CommitsQuery>(
    (q, cursor) =>
      this.api.commits(q.key.owner, q.key.name, toCommitQuery(q.filters, cursor, PAGE_SIZE_DEFAULT)),
    (c) => c.sha,
  );
  readonly fresh = new FreshMarks();

  constructor() {
    this.detail.activity$
      .pipe(
        filter((e) => e.type === 'push'),
        debounceTime(200),
        takeUntilDestroyed(),
      )
      .subscribe(() => void this.pickUpNewCommits());
    this.detail.synced$.pipe(takeUntilDestroyed()).subscribe(() => void this.pickUpNewCommits());
  }

  /** Shows the commits matching `filters` (no refetch when nothing changed, e.g. coming back to the tab). */
  show(filters: CommitFilters): void {
    const key = this.detail.key();
    if (!key) return;
    const current = this.list.currentQuery();
    if (
      current &&
      current.key.owner === key.owner &&
      current.key.name === key.name &&
      sameCommitFilters(current.filters, filters) &&
      (this.list.loaded() || this.list.loading())
    ) {
      return;
    }
    void this.list.reset({ key, filters });
  }

  private async pickUpNewCommits(): Promise<void> {
    for (const commit of await this.list.refreshHead()) this.fresh.mark(commit.sha);
  }
}
