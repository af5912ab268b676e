import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { ActivatedRoute, RouterLink } from '@angular/router';
import type { OrgPage, TeamPage } from '@trackeep/contracts';
import { catchError, combineLatest, map, of, startWith, switchMap } from 'rxjs';
import { describeError, errorCodeOf } from '../../core/api/api-error';
import { TeamsApi, type PeriodChoice } from '../../core/api/teams.api';
import { EmptyStateComponent } from '../../shared/empty-state.component';
import { injectQueryParams, injectQueryUpdater } from '../../shared/route-query';
import { SkeletonComponent } from '../../shared/skeleton.component';
import { ActivityFiguresComponent } from './activity-figures.component';
import { periodFromQuery } from './team-figures';
import { TeamListComponent } from './team-list.component';
import { TeamTimelineComponent } from './team-timeline.component';

type Loaded =
  | { state: 'loading' }
  | { state: 'missing' }
  | { state: 'error'; message: string }
  | { state: 'org'; page: OrgPage }
  | { state: 'team'; page: TeamPage };

/** An organization's page (`/orgs/:org`) or one of its teams' (`/orgs/:org/teams/:team`), for a period. */
@Component({
  selector: 'trk-teams-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    RouterLink,
    ActivityFiguresComponent,
    EmptyStateComponent,
    SkeletonComponent,
    TeamListComponent,
    TeamTimelineComponent,
  ],
  template: `
    @switch (loaded().state) {
      @case ('loading') {
        <h1>{{ params().team ?? params().org }}</h1>
        <trk-skeleton [lines]="6" />
      }
      @case ('missing') {
        <h1>Not found</h1>
        <trk-empty-state
          title="No such organization or team"
          message="It does not exist, or GitHub does not list you as a member of the organization."
        >
          <a routerLink="/repos">Back to repositories</a>
        </trk-empty-state>
      }
      @case ('error') {
        <h1>{{ params().team ?? params().org }}</h1>
        <p class="muted" role="alert">Could not load the figures: {{ errorText() }}</p>
      }
      @case ('org') {
        @if (org(); as page) {
          <header class="head">
            <h1>{{ page.org.name || page.org.login }}</h1>
            <span class="muted">Organization</span>
            <a [routerLink]="['/orgs', page.org.login, 'delivery']">Delivery (DORA, pull request cycle)</a>
          </header>
          <trk-activity-figures [page]="page" [choice]="choice()" (changed)="update($event)" />
          <section aria-labelledby="teams-title">
            <h2 id="teams-title">Teams</h2>
            @if (page.teams.length === 0) {
              <p class="muted">No teams yet: they are read from GitHub every hour.</p>
            } @else {
              <trk-team-list [org]="page.org.login" [teams]="page.teams" [keepPeriod]="true" />
            }
          </section>
        }
      }
      @case ('team') {
        @if (team(); as page) {
          <header class="head">
            <h1>{{ page.team.name }}</h1>
            <a [routerLink]="['/orgs', page.org.login]" queryParamsHandling="preserve">{{
              page.org.name || page.org.login
            }}</a>
            <a [routerLink]="['/orgs', page.org.login, 'teams', page.team.slug, 'delivery']">Delivery</a>
          </header>
          @if (page.team.description) {
            <p class="muted">{{ page.team.description }}</p>
          }
          <trk-activity-figures [page]="page" [choice]="choice()" (changed)="update($event)" />
          <section aria-labelledby="members-title">
            <h2 id="members-title">Members ({{ page.members.length }})</h2>
            <ul class="people">
              @for (m of page.members; track m.login) {
                <li>
                  <a [routerLink]="['/people', m.login]">{{ m.name || m.login }}</a>
                  @if (m.name && m.name !== m.login) {
                    <span class="muted"> {{ m.login }}</span>
                  }
                  @if (m.isBot) {
                    <span class="muted"> · bot</span>
                  }
                </li>
              }
            </ul>
            @if (page.childTeams.length) {
              <h3>Teams within</h3>
              <ul class="teams">
                @for (t of page.childTeams; track t.slug) {
                  <li>
                    <a
                      [routerLink]="['/orgs', page.org.login, 'teams', t.slug]"
                      queryParamsHandling="preserve"
                      >{{ t.name }}</a
                    >
                  </li>
                }
              </ul>
            }
          </section>
          <trk-team-timeline [org]="page.org.login" [team]="page.team.slug" />
        }
      }
    }
  `,
  styles: `
    :host {
      display: grid;
      gap: 16px;
      min-width: 0;
    }
    .head {
      display: flex;
      flex-wrap: wrap;
      align-items: baseline;
      gap: 4px 12px;
    }
    h1 {
      margin: 0;
      overflow-wrap: anywhere;
    }
    .teams,
    .people {
      list-style: none;
      margin: 0;
      padding: 0;
      display: grid;
      gap: 4px;
    }
    a {
      color: var(--mat-sys-primary);
    }
  `,
})
export class TeamsPage {
  private readonly api = inject(TeamsApi);
  private readonly query = injectQueryParams();
  private readonly setQuery = injectQueryUpdater();
  protected readonly params = toSignal(
    inject(ActivatedRoute).paramMap.pipe(map((p) => ({ org: p.get('org') ?? '', team: p.get('team') }))),
    { initialValue: { org: '', team: null as string | null } },
  );
  protected readonly choice = computed(() => periodFromQuery(this.query()));

  protected readonly loaded = toSignal(
    combineLatest([toObservable(this.params), toObservable(this.choice)]).pipe(
      switchMap(([p, choice]) => {
        const request = p.team
          ? this.api.team(p.org, p.team, choice).pipe(map((page): Loaded => ({ state: 'team', page })))
          : this.api.org(p.org, choice).pipe(map((page): Loaded => ({ state: 'org', page })));
        return request.pipe(
          catchError((err: unknown) =>
            of<Loaded>(
              ['org_not_found', 'team_not_found'].includes(errorCodeOf(err) ?? '')
                ? { state: 'missing' }
                : { state: 'error', message: describeError(err) },
            ),
          ),
          startWith<Loaded>({ state: 'loading' }),
        );
      }),
    ),
    { initialValue: { state: 'loading' } as Loaded },
  );
  protected readonly org = computed(() => {
    const l = this.loaded();
    return l.state === 'org' ? l.page : null;
  });
  protected readonly team = computed(() => {
    const l = this.loaded();
    return l.state === 'team' ? l.page : null;
  });
  protected readonly errorText = computed(() => {
    const l = this.loaded();
    return l.state === 'error' ? l.message : '';
  });

  protected update(change: Partial<PeriodChoice>): void {
    const values: Record<string, string | null> = {};
    if (change.period) {
      values['period'] = change.period === 'week' ? null : change.period;
      if (change.period !== 'custom') Object.assign(values, { from: null, to: null });
    }
    if (change.from !== undefined) values['from'] = change.from;
    if (change.to !== undefined) values['to'] = change.to;
    if (change.includeBots !== undefined) values['includeBots'] = change.includeBots ? 'true' : null;
    this.setQuery(values);
  }
}
