import { ChangeDetectionStrategy, Component, effect, inject, input, untracked } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import type { ActivityEvent } from '@trackeep/contracts';
import { ActivityApi } from '../../core/api/activity.api';
import { ActivityItemComponent } from '../../shared/activity-item.component';
import { PagedList } from '../../shared/paged-list';
import { SkeletonComponent } from '../../shared/skeleton.component';

const TEAM_TIMELINE_PAGE = 20;

/** The activity timeline of a team's repositories (those the viewer may read), newest first. */
@Component({
  selector: 'trk-team-timeline',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule, ActivityItemComponent, SkeletonComponent],
  template: `
    <section aria-labelledby="team-timeline-title">
      <h2 id="team-timeline-title">Activity</h2>
      @if (list.error(); as error) {
        <p class="muted" role="alert">Could not load the team's activity: {{ error }}</p>
      } @else if (!list.loaded()) {
        <trk-skeleton [lines]="4" />
      } @else if (list.items().length === 0) {
        <p class="muted">
          Nothing yet in the team's repositories that you can see. A team's repositories are read from GitHub
          every hour; track them to see their pushes and pull requests here.
        </p>
      } @else {
        <ol class="timeline" aria-label="Team activity, newest first" data-testid="team-timeline">
          @for (event of list.items(); track event.id) {
            <li><trk-activity-item [event]="event" /></li>
          }
        </ol>
        @if (list.hasMore()) {
          <button mat-stroked-button type="button" (click)="list.loadMore()" [disabled]="list.loading()">
            {{ list.loading() ? 'Loading…' : 'Load older activity' }}
          </button>
        }
      }
    </section>
  `,
  styles: `
    .timeline {
      list-style: none;
      margin: 0 0 8px;
      padding: 0;
    }
    .timeline > * + * {
      border-top: 1px solid var(--mat-sys-outline-variant);
    }
  `,
})
export class TeamTimelineComponent {
  readonly org = input.required<string>();
  readonly team = input.required<string>();
  private readonly api = inject(ActivityApi);
  protected readonly list = new PagedList<ActivityEvent, string>(
    (team, cursor) => this.api.list({ team, cursor, limit: TEAM_TIMELINE_PAGE }),
    (e) => e.id,
  );

  constructor() {
    effect(() => {
      const team = `${this.org()}/${this.team()}`;
      untracked(() => void this.list.reset(team));
    });
  }
}
