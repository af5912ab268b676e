import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import type { OrgMembership } from '@trackeep/contracts';
import { catchError, map, of, startWith } from 'rxjs';
import { describeError } from '../../core/api/api-error';
import { TeamsApi } from '../../core/api/teams.api';
import { EmptyStateComponent } from '../../shared/empty-state.component';
import { SkeletonComponent } from '../../shared/skeleton.component';
import { TeamListComponent } from './team-list.component';

type Loaded =
  { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; orgs: OrgMembership[] };

/** `/orgs`: the person's organizations, each with its delivery page and their teams in it. */
@Component({
  selector: 'trk-orgs-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, EmptyStateComponent, SkeletonComponent, TeamListComponent],
  template: `
    <h1>Organizations</h1>
    @switch (loaded().state) {
      @case ('loading') {
        <trk-skeleton [lines]="4" />
      }
      @case ('error') {
        <p class="muted" role="alert">Could not load your organizations: {{ errorText() }}</p>
      }
      @case ('ready') {
        @if (orgs().length === 0) {
          <trk-empty-state
            title="No organization yet"
            message="An organization appears here once a repository of it is tracked (or the GitHub App is installed on it) and GitHub lists you as a member. Organizations are read from GitHub every hour."
          >
            <a routerLink="/repos">Track a repository</a>
          </trk-empty-state>
        } @else {
          <ul class="orgs">
            @for (o of orgs(); track o.login) {
              <li>
                <h2>
                  <a [routerLink]="['/orgs', o.login]">{{ o.name || o.login }}</a>
                </h2>
                <p class="muted">
                  {{ o.login }} ·
                  <a [routerLink]="['/orgs', o.login, 'delivery']">Delivery (DORA, pull request cycle)</a>
                </p>
                @if (o.teams.length) {
                  <trk-team-list [org]="o.login" [teams]="o.teams" />
                } @else {
                  <p class="muted">No teams yet: they are read from GitHub every hour.</p>
                }
              </li>
            }
          </ul>
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
    h1,
    h2 {
      margin: 0;
      overflow-wrap: anywhere;
    }
    h2 {
      font: var(--mat-sys-title-large);
    }
    .orgs {
      list-style: none;
      margin: 0;
      padding: 0;
      display: grid;
      gap: 24px;
    }
    p.muted {
      margin: 4px 0;
    }
    a {
      color: var(--mat-sys-primary);
    }
  `,
})
export class OrgsPage {
  protected readonly loaded = toSignal(
    inject(TeamsApi)
      .memberships()
      .pipe(
        map((orgs): Loaded => ({ state: 'ready', orgs })),
        catchError((err: unknown) => of<Loaded>({ state: 'error', message: describeError(err) })),
        startWith<Loaded>({ state: 'loading' }),
      ),
    { initialValue: { state: 'loading' } as Loaded },
  );
  protected readonly orgs = computed(() => {
    const l = this.loaded();
    return l.state === 'ready' ? l.orgs : [];
  });
  protected readonly errorText = computed(() => {
    const l = this.loaded();
    return l.state === 'error' ? l.message : '';
  });
}
