import { ScrollingModule } from '@angular/cdk/scrolling';
import {
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  inject,
  signal,
  untracked,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import type { Commit } from '@trackeep/contracts';
import { EmptyStateComponent } from '../../../shared/empty-state.component';
import { firstLine, shortSha } from '../../../shared/format.util';
import { MissingFigureComponent } from '../../../shared/missing-figure.component';
import { RelativeTimeComponent } from '../../../shared/relative-time.component';
import { injectDebounced, injectQueryParams, injectQueryUpdater } from '../../../shared/route-query';
import { SkeletonComponent } from '../../../shared/skeleton.component';
import { RepoDetailStore } from '../repo-detail.store';
import { CommitDetailDialog, type CommitDetailData } from './commit-detail.dialog';
import {
  ALL_BRANCHES,
  type CommitFilters,
  commitFiltersFromQuery,
  commitFiltersToQuery,
} from './commit-filters';
import { CommitsStore } from './commits.store';

const ROW_HEIGHT = 64;

@Component({
  selector: 'trk-commits-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    ScrollingModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    EmptyStateComponent,
    MissingFigureComponent,
    RelativeTimeComponent,
    SkeletonComponent,
  ],
  templateUrl: './commits.page.html',
  styleUrl: './commits.page.scss',
})
export class CommitsPage {
  protected readonly store = inject(CommitsStore);
  protected readonly detail = inject(RepoDetailStore);
  private readonly dialog = inject(MatDialog);
  private readonly params = injectQueryParams();
  private readonly navigate = injectQueryUpdater();
  private readonly filterLater = injectDebounced(
    (change: Partial<CommitFilters>) => this.setFilter(change),
    300,
  );
  protected readonly filters = computed(() => commitFiltersFromQuery(this.params()));
  /** Text fields as typed, ahead of the debounced URL update. */
  protected readonly typed = signal({ author: '', q: '' });
  protected readonly filtering = computed(() => Object.values(this.filters()).some(Boolean));
  protected readonly rowHeight = ROW_HEIGHT;
  protected readonly allBranches = ALL_BRANCHES;
  protected readonly firstLine = firstLine;
  protected readonly shortSha = shortSha;
  protected readonly trackSha = (_: number, commit: Commit) => commit.sha;

  constructor() {
    this.detail.ensureBranches();
    effect(() => {
      const filters = this.filters();
      this.detail.key();
      // No branch chosen means the default branch, as on GitHub (the API alone would list every branch's commits).
      const branch = filters.branch || this.detail.repo().data?.defaultBranch;
      untracked(() => {
        this.typed.set({ author: filters.author, q: filters.q });
        if (branch) this.store.show({ ...filters, branch });
      });
    });
  }

  protected type(field: 'author' | 'q', value: string): void {
    this.typed.update((t) => ({ ...t, [field]: value }));
    this.filterLater({ [field]: value.trim() });
  }

  protected setFilter(change: Partial<CommitFilters>): void {
    this.navigate(commitFiltersToQuery({ ...this.filters(), ...change }));
  }

  protected clearFilters(): void {
    this.typed.set({ author: '', q: '' });
    this.setFilter({ branch: '', author: '', since: '', until: '', q: '' });
  }

  /** Virtual scroll reports the first visible row; fetch the next page well before the end. */
  protected onScrolled(firstVisible: number): void {
    if (firstVisible + 30 >= this.store.list.items().length) void this.store.list.loadMore();
  }

  protected open(commit: Commit): void {
    const data: CommitDetailData = { commit, repoFullName: this.detail.fullName() };
    this.dialog.open(CommitDetailDialog, {
      data,
      width: '640px',
      maxWidth: 'calc(100vw - 32px)',
      autoFocus: 'dialog',
    });
  }

  protected authorOf(commit: Commit): string {
    return commit.author.login ?? commit.author.name ?? 'unknown';
  }
}
