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
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { MatTabsModule } from '@angular/material/tabs';
import { RouterLink } from '@angular/router';
import { WEEKLY_CHART_DEFAULT_WEEKS, type PullRequest } from '@trackeep/contracts';
import { ChartComponent } from '../../../shared/chart/chart.component';
import { Clock } from '../../../shared/clock.service';
import { EmptyStateComponent } from '../../../shared/empty-state.component';
import { counted, formatDuration } from '../../../shared/format.util';
import { IconComponent } from '../../../shared/icon.component';
import { InViewDirective } from '../../../shared/in-view.directive';
import { MissingFigureComponent } from '../../../shared/missing-figure.component';
import { RelativeTimeComponent } from '../../../shared/relative-time.component';
import { injectDebounced, injectQueryParams, injectQueryUpdater } from '../../../shared/route-query';
import { SkeletonComponent } from '../../../shared/skeleton.component';
import { cycleTimeChart, cycleTimeRows } from '../overview/repo-charts';
import { type PullFilters, type PullTab, PullsStore } from './pulls.store';

const TABS: { tab: PullTab; label: string }[] = [
  { tab: 'open', label: 'Open' },
  { tab: 'merged', label: 'Merged' },
  { tab: 'closed', label: 'Closed' },
  { tab: 'all', label: 'All' },
];

export function pullFiltersFromQuery(params: Record<string, string | undefined>): PullFilters {
  const tab = TABS.find((t) => t.tab === params['state'])?.tab ?? 'open';
  return { tab, author: params['author'] ?? '', sort: params['sort'] === 'updated' ? 'updated' : 'created' };
}

@Component({
  selector: 'trk-pulls-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    RouterLink,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    MatTabsModule,
    ChartComponent,
    EmptyStateComponent,
    IconComponent,
    InViewDirective,
    MissingFigureComponent,
    RelativeTimeComponent,
    SkeletonComponent,
  ],
  templateUrl: './pulls.page.html',
  styleUrl: './pulls.page.scss',
})
export class PullsPage {
  protected readonly store = inject(PullsStore);
  private readonly clock = inject(Clock);
  private readonly params = injectQueryParams();
  private readonly navigate = injectQueryUpdater();
  private readonly authorLater = injectDebounced(
    (author: string) => this.navigate({ author: author.trim() || null }),
    300,
  );
  protected readonly tabs = TABS;
  protected readonly filters = computed(() => pullFiltersFromQuery(this.params()));
  protected readonly authorText = signal('');
  protected readonly chart = computed(() =>
    cycleTimeChart(cycleTimeRows(this.store.cycleTime().data?.weeks ?? [])),
  );
  protected readonly overall = computed(() => {
    const summary = this.store.cycleTime().data;
    return { count: summary?.merged ?? 0, median: summary?.medianSeconds ?? null };
  });
  protected readonly cycleTimeWeeks = WEEKLY_CHART_DEFAULT_WEEKS;
  protected readonly counted = counted;
  protected readonly duration = formatDuration;

  constructor() {
    effect(() => {
      const filters = this.filters();
      untracked(() => {
        this.authorText.set(filters.author);
        this.store.show(filters);
      });
    });
  }

  protected typeAuthor(value: string): void {
    this.authorText.set(value);
    this.authorLater(value);
  }

  protected setSort(sort: string): void {
    this.navigate({ sort: sort === 'updated' ? 'updated' : null });
  }

  protected openFor(pr: PullRequest): number {
    return (this.clock.now() - Date.parse(pr.createdAt)) / 1000;
  }
}
