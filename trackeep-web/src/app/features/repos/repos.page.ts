import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { MatTabsModule } from '@angular/material/tabs';
import { RouterLink } from '@angular/router';
import type { GithubRepo } from '@trackeep/contracts';
import { describeError } from '../../core/api/api-error';
import { Notices } from '../../core/layout/notices.service';
import {
  type RepoFilters,
  applyRepoFilters,
  distinct,
  filtersFromQuery,
  filtersToQuery,
  hasActiveFilters,
} from '../../core/repos/repo-filters';
import { ReposStore } from '../../core/repos/repos.store';
import { EmptyStateComponent } from '../../shared/empty-state.component';
import { compactNumber } from '../../shared/format.util';
import { IconComponent } from '../../shared/icon.component';
import { InViewDirective } from '../../shared/in-view.directive';
import { RelativeTimeComponent } from '../../shared/relative-time.component';
import { injectDebounced, injectQueryParams, injectQueryUpdater } from '../../shared/route-query';
import { SkeletonComponent } from '../../shared/skeleton.component';
import { TrackedRepoCardComponent } from './tracked-repo-card.component';

const PAGE = 60;

@Component({
  selector: 'trk-repos-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    RouterLink,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    MatSlideToggleModule,
    MatTabsModule,
    EmptyStateComponent,
    IconComponent,
    InViewDirective,
    RelativeTimeComponent,
    SkeletonComponent,
    TrackedRepoCardComponent,
  ],
  templateUrl: './repos.page.html',
  styleUrl: './repos.page.scss',
})
export class ReposPage {
  protected readonly store = inject(ReposStore);
  private readonly notices = inject(Notices);
  private readonly query = injectQueryParams();
  private readonly navigate = injectQueryUpdater();
  private readonly searchLater = injectDebounced((text: string) => this.setFilter({ q: text.trim() }), 200);
  protected readonly filters = computed(() => filtersFromQuery(this.query()));
  protected readonly tab = computed(() => (this.query()['tab'] === 'all' ? 1 : 0));
  /** What is typed, ahead of the debounced URL update. */
  protected readonly searchText = signal(filtersFromQuery(this.query()).q);
  protected readonly visible = signal(PAGE);
  protected readonly trackedVisible = signal(PAGE);

  protected readonly tracked = computed(() =>
    applyRepoFilters(this.store.tracked().data ?? [], this.filters()),
  );
  protected readonly accessible = computed(() =>
    applyRepoFilters(this.store.accessible().data ?? [], this.filters()),
  );
  protected readonly trackedShown = computed(() => this.tracked().slice(0, this.trackedVisible()));
  protected readonly accessibleShown = computed(() => this.accessible().slice(0, this.visible()));
  protected readonly filtering = computed(() => hasActiveFilters(this.filters()));
  private readonly allRepos = computed(() => [
    ...(this.store.tracked().data ?? []),
    ...(this.store.accessible().data ?? []),
  ]);
  protected readonly languages = computed(() => distinct(this.allRepos(), (r) => r.language));
  protected readonly owners = computed(() => distinct(this.allRepos(), (r) => r.owner));
  protected readonly compact = compactNumber;
  protected readonly skeletons = [0, 1, 2, 3, 4, 5];

  constructor() {
    void this.store.loadTracked();
    if (this.tab() === 1) void this.store.loadAccessible();
  }

  protected selectTab(index: number): void {
    this.navigate({ tab: index === 1 ? 'all' : null });
    if (index === 1 && !this.store.accessible().data) void this.store.loadAccessible();
  }

  protected search(text: string): void {
    this.searchText.set(text);
    this.searchLater(text);
  }

  protected setFilter(change: Partial<RepoFilters>): void {
    this.visible.set(PAGE);
    this.trackedVisible.set(PAGE);
    this.navigate(filtersToQuery({ ...this.filters(), ...change }));
  }

  protected clearFilters(): void {
    this.searchText.set('');
    this.setFilter({ q: '', language: '', owner: '', visibility: '' });
  }

  protected showMoreTracked(): void {
    if (this.trackedVisible() < this.tracked().length) this.trackedVisible.update((n) => n + PAGE);
  }

  protected showMore(): void {
    if (this.visible() < this.accessible().length) this.visible.update((n) => n + PAGE);
  }

  protected async toggle(repo: GithubRepo, tracked: boolean): Promise<void> {
    try {
      await this.store.setTracked(repo, tracked);
      this.notices.show(
        tracked
          ? `Now tracking ${repo.fullName}. The first sync has started.`
          : `Stopped tracking ${repo.fullName}.`,
      );
    } catch (err) {
      this.notices.show(
        `Could not ${tracked ? 'track' : 'untrack'} ${repo.fullName}: ${describeError(err)}`,
        'error',
      );
    }
  }

  protected refresh(): void {
    void this.store.loadTracked();
    if (this.tab() === 1) void this.store.loadAccessible();
  }
}
