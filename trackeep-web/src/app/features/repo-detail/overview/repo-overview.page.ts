import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  computed,
  effect,
  inject,
  signal,
  untracked,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import { WEEKLY_CHART_DEFAULT_WEEKS, type WeeklyCommits } from '@trackeep/contracts';
import { debounceTime, filter, firstValueFrom } from 'rxjs';
import { describeError } from '../../../core/api/api-error';
import { ReposApi } from '../../../core/api/repos.api';
import { ActivityItemComponent } from '../../../shared/activity-item.component';
import { ChartComponent } from '../../../shared/chart/chart.component';
import { EmptyStateComponent } from '../../../shared/empty-state.component';
import { SkeletonComponent } from '../../../shared/skeleton.component';
import { RepoDetailStore } from '../repo-detail.store';
import { commitActivityChart, statsChart } from './repo-charts';

@Component({
  selector: 'trk-repo-overview-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, ActivityItemComponent, ChartComponent, EmptyStateComponent, SkeletonComponent],
  template: `
    <div class="charts">
      <section class="card chart-card" aria-labelledby="stats-title">
        <h2 id="stats-title" class="sr-only">Stars, forks and watchers over time</h2>
        @defer (on viewport) {
          @if (store.history().error; as error) {
            <p class="muted">Could not load the history: {{ error }}</p>
          } @else {
            <trk-chart
              caption="Stars, forks and watchers over time"
              labelHeading="Day"
              [spec]="stats()"
              emptyText="No snapshots yet: they are taken at each sync."
            />
            <p class="muted note" data-testid="watchers-note">
              GitHub keeps no history of watchers: they are counted from the first sync on.
            </p>
          }
        } @placeholder {
          <div class="chart-placeholder"></div>
        }
      </section>
      <section class="card chart-card" aria-labelledby="weekly-title">
        <h2 id="weekly-title" class="sr-only">Commit activity per week</h2>
        @defer (on viewport) {
          @if (weeklyError(); as error) {
            <p class="muted">Could not load commits: {{ error }}</p>
          } @else {
            <trk-chart [caption]="weeklyCaption" labelHeading="Week of" [spec]="weekly()" />
          }
        } @placeholder {
          <div class="chart-placeholder"></div>
        }
      </section>
    </div>

    <section aria-labelledby="recent-title">
      <div class="section-head">
        <h2 id="recent-title">Recent activity</h2>
        <a routerLink="/activity" [queryParams]="{ repo: store.fullName() }"
          >All activity of this repository</a
        >
      </div>
      @if (store.recentActivity().data; as events) {
        @if (events.length === 0) {
          <trk-empty-state
            title="No activity yet"
            message="Pushes, pull requests and releases appear here as they happen."
          />
        } @else {
          <ol class="timeline" aria-live="polite" aria-relevant="additions">
            @for (event of events; track event.id) {
              <li [class.fresh]="store.fresh.ids().has(event.id)" [attr.data-event-id]="event.id">
                <trk-activity-item [event]="event" [showRepo]="false" />
              </li>
            }
          </ol>
        }
      } @else if (store.recentActivity().error; as error) {
        <p class="muted">Could not load activity: {{ error }}</p>
      } @else {
        <trk-skeleton [lines]="4" />
      }
    </section>
  `,
  styles: `
    .charts {
      display: grid;
      grid-template-columns: repeat(auto-fit, minmax(320px, 1fr));
      gap: 16px;
    }
    .chart-card {
      min-width: 0;
      min-height: 292px;
      box-sizing: border-box;
    }
    .chart-placeholder {
      height: 256px;
    }
    .note {
      margin: 8px 0 0;
      font: var(--mat-sys-body-small);
    }
    .section-head {
      display: flex;
      align-items: baseline;
      justify-content: space-between;
      gap: 12px;
      flex-wrap: wrap;
    }
    .timeline {
      list-style: none;
      margin: 0;
      padding: 0;
      border: 1px solid var(--mat-sys-outline-variant);
      border-radius: 12px;
    }
    .timeline li + li {
      border-top: 1px solid var(--mat-sys-outline-variant);
    }
  `,
})
export class RepoOverviewPage {
  protected readonly store = inject(RepoDetailStore);
  private readonly api = inject(ReposApi);
  private generation = 0;

  private readonly weeks = signal<WeeklyCommits[] | null>(null);
  protected readonly weeklyError = signal<string | null>(null);
  protected readonly stats = computed(() => statsChart(this.store.history().data ?? []));
  protected readonly weekly = computed(() => commitActivityChart(this.weeks() ?? []));
  protected readonly weeklyCaption = `Commits per week, last ${WEEKLY_CHART_DEFAULT_WEEKS} weeks`;

  constructor() {
    effect(() => {
      const key = this.store.key();
      if (key) untracked(() => void this.loadCommits());
    });
    // New pushes change the bars: reload shortly after (several pushes in a burst cause one reload).
    this.store.activity$
      .pipe(
        filter((e) => e.type === 'push'),
        debounceTime(300),
        takeUntilDestroyed(),
      )
      .subscribe(() => void this.loadCommits());
    this.store.synced$.pipe(takeUntilDestroyed()).subscribe(() => void this.loadCommits());
    inject(DestroyRef).onDestroy(() => this.generation++);
  }

  /** Counted by the API (one row per week), so a busy repository costs the same as a quiet one. */
  private async loadCommits(): Promise<void> {
    const key = this.store.key();
    if (!key) return;
    const gen = ++this.generation;
    try {
      const weeks = await firstValueFrom(
        this.api.weeklyCommits(key.owner, key.name, WEEKLY_CHART_DEFAULT_WEEKS),
      );
      if (gen !== this.generation) return;
      this.weeks.set(weeks);
      this.weeklyError.set(null);
    } catch (err) {
      if (gen === this.generation) this.weeklyError.set(describeError(err));
    }
  }
}
