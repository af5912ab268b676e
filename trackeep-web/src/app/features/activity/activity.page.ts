import { ChangeDetectionStrategy, Component, computed, effect, inject, untracked } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatSelectModule } from '@angular/material/select';
import { LiveEvents } from '../../core/live/live-events.service';
import { ReposStore } from '../../core/repos/repos.store';
import { ActivityItemComponent } from '../../shared/activity-item.component';
import { ACTIVITY_TYPES, isActivityType } from '../../shared/activity-types';
import { EmptyStateComponent } from '../../shared/empty-state.component';
import { InViewDirective } from '../../shared/in-view.directive';
import { injectQueryParams, injectQueryUpdater } from '../../shared/route-query';
import { SkeletonComponent } from '../../shared/skeleton.component';
import { type ActivityFilters, ActivityStore } from './activity.store';

@Component({
  selector: 'trk-activity-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    MatButtonModule,
    MatFormFieldModule,
    MatSelectModule,
    ActivityItemComponent,
    EmptyStateComponent,
    InViewDirective,
    SkeletonComponent,
  ],
  template: `
    <div class="page-header">
      <h1>Activity</h1>
      <span class="chip" [class.good]="live.status() === 'open'" [class.warn]="live.status() !== 'open'">
        {{ live.status() === 'open' ? 'Live: new events appear at the top' : 'Live updates reconnecting…' }}
      </span>
    </div>

    <form class="filters" role="search" aria-label="Filter activity" (submit)="$event.preventDefault()">
      <mat-form-field appearance="outline" subscriptSizing="dynamic">
        <mat-label>Repository</mat-label>
        <mat-select [value]="filters().repo" (valueChange)="setFilter({ repo: $event })">
          <mat-option value="">All tracked repositories</mat-option>
          @for (r of repoNames(); track r) {
            <mat-option [value]="r">{{ r }}</mat-option>
          }
        </mat-select>
      </mat-form-field>
      <mat-form-field appearance="outline" subscriptSizing="dynamic">
        <mat-label>Type</mat-label>
        <mat-select [value]="filters().type" (valueChange)="setFilter({ type: $event })">
          <mat-option value="">All types</mat-option>
          @for (t of types; track t.type) {
            <mat-option [value]="t.type">{{ t.label }}</mat-option>
          }
        </mat-select>
      </mat-form-field>
    </form>

    <p class="sr-only" aria-live="polite" data-testid="live-announcement">{{ store.announcement() }}</p>

    @if (store.list.error(); as error) {
      <div class="error-panel" role="alert">
        <span>Could not load activity: {{ error }}</span>
        <button mat-button type="button" (click)="store.list.loaded() ? store.list.loadMore() : retry()">
          Retry
        </button>
      </div>
    }

    <!-- Live events show even when the history could not be loaded. -->
    @if (store.list.loaded() || store.list.items().length) {
      @if (store.list.items().length === 0) {
        <trk-empty-state
          title="Nothing here yet"
          [message]="
            filters().repo || filters().type
              ? 'No activity matches these filters.'
              : 'Pushes, pull requests, branches and releases of your tracked repositories appear here, live.'
          "
        />
      } @else {
        <ol class="timeline" aria-label="Activity, newest first" data-testid="timeline">
          @for (event of store.list.items(); track event.id) {
            <li [class.fresh]="store.fresh.ids().has(event.id)" [attr.data-event-id]="event.id">
              <trk-activity-item [event]="event" />
            </li>
          }
        </ol>
        @if (store.list.hasMore()) {
          <div class="more" (trkInView)="store.list.loadMore()">
            <button
              mat-stroked-button
              type="button"
              (click)="store.list.loadMore()"
              [disabled]="store.list.loading()"
            >
              {{ store.list.loading() ? 'Loading…' : 'Load older activity' }}
            </button>
          </div>
        } @else if (store.list.loaded()) {
          <p class="end muted">That is everything since tracking started.</p>
        }
      }
    } @else if (!store.list.error()) {
      <div class="timeline" aria-busy="true" aria-label="Loading activity">
        @for (i of [0, 1, 2, 3, 4, 5, 6]; track i) {
          <div class="skeleton-row"><trk-skeleton [lines]="2" /></div>
        }
      </div>
    }
  `,
  styles: `
    .filters {
      display: flex;
      flex-wrap: wrap;
      gap: 12px;
      margin-bottom: 16px;
      mat-form-field {
        width: 260px;
      }
    }
    .timeline {
      list-style: none;
      margin: 0;
      padding: 0;
      border: 1px solid var(--mat-sys-outline-variant);
      border-radius: 12px;
      overflow: hidden;
    }
    .timeline > * + * {
      border-top: 1px solid var(--mat-sys-outline-variant);
    }
    .skeleton-row {
      padding: 12px 16px;
    }
    .more {
      display: flex;
      justify-content: center;
      padding: 16px;
    }
    .end {
      text-align: center;
    }
    @media (max-width: 720px) {
      .filters mat-form-field {
        width: 100%;
      }
    }
  `,
})
export class ActivityPage {
  protected readonly store = inject(ActivityStore);
  protected readonly live = inject(LiveEvents);
  private readonly repos = inject(ReposStore);
  private readonly params = injectQueryParams();
  private readonly navigate = injectQueryUpdater();
  protected readonly filters = computed<ActivityFilters>(() => {
    const { repo, type } = this.params();
    return { repo: repo ?? '', type: isActivityType(type) ? type : '' };
  });
  protected readonly types = ACTIVITY_TYPES;
  protected readonly repoNames = computed(() => {
    const names = (this.repos.tracked().data ?? []).map((r) => r.fullName).sort((a, b) => a.localeCompare(b));
    const current = this.filters().repo;
    return current && !names.includes(current) ? [current, ...names] : names;
  });

  constructor() {
    this.repos.ensureTracked();
    effect(() => {
      const filters = this.filters();
      untracked(() => this.store.show(filters));
    });
  }

  protected setFilter(change: Partial<ActivityFilters>): void {
    const next = { ...this.filters(), ...change };
    this.navigate({ repo: next.repo || null, type: next.type || null });
  }

  protected retry(): void {
    void this.store.list.reset(this.filters());
  }
}
