import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { ActivatedRoute, RouterLink } from '@angular/router';
import type { PersonPage as PersonData } from '@trackeep/contracts';
import { catchError, map, of, startWith, switchMap } from 'rxjs';
import { describeError, errorCodeOf } from '../../core/api/api-error';
import { TeamsApi } from '../../core/api/teams.api';
import { EmptyStateComponent } from '../../shared/empty-state.component';
import { counted, hoursText } from '../../shared/format.util';
import { SkeletonComponent } from '../../shared/skeleton.component';

type Loaded =
  | { state: 'loading' }
  | { state: 'missing' }
  | { state: 'error'; message: string }
  | { state: 'ready'; page: PersonData };

const day = new Intl.DateTimeFormat('en', {
  month: 'short',
  day: 'numeric',
  year: 'numeric',
  timeZone: 'UTC',
});

/** A person's recent work in the repositories the viewer may read: what they did, never a ranking. */
@Component({
  selector: 'trk-person-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, EmptyStateComponent, SkeletonComponent],
  template: `
    @switch (loaded().state) {
      @case ('loading') {
        <h1>{{ login() }}</h1>
        <trk-skeleton [lines]="6" />
      }
      @case ('missing') {
        <h1>Not found</h1>
        <trk-empty-state
          title="No such person"
          message="None of their work is in repositories you can read."
        />
      }
      @case ('error') {
        <h1>{{ login() }}</h1>
        <p class="muted" role="alert">Could not load their work: {{ errorText() }}</p>
      }
      @case ('ready') {
        @if (page(); as p) {
          <header>
            <h1>{{ p.person.name || p.person.login }}</h1>
            @if (subtitle(p.person); as sub) {
              <span class="muted">{{ sub }}</span>
            }
          </header>
          <p>
            Open pull requests waiting for a first review: {{ p.awaitingReview.count }}
            @if (p.awaitingReview.longestWaitingHours !== null) {
              (longest {{ hours(p.awaitingReview.longestWaitingHours) }})
            }
          </p>
          <section aria-labelledby="repos-title">
            <h2 id="repos-title">Repositories</h2>
            <ul>
              @for (r of p.repositories; track r.fullName) {
                <li>
                  <a [routerLink]="'/repos/' + r.fullName">{{ r.fullName }}</a>
                  <span class="muted">
                    · {{ r.commits }} {{ r.commits === 1 ? 'commit' : 'commits' }} · {{ r.pullRequests }}
                    {{ r.pullRequests === 1 ? 'pull request' : 'pull requests' }}</span
                  >
                </li>
              }
            </ul>
            @if (p.repositoryCount > p.repositories.length) {
              <p class="muted">
                The {{ p.repositories.length }} most recently active of {{ p.repositoryCount }} repositories.
              </p>
            }
          </section>
          <section aria-labelledby="pulls-title">
            <h2 id="pulls-title">Pull requests</h2>
            <ul>
              @for (pr of p.pullRequests; track pr.repository + pr.number) {
                <li>
                  <a [href]="pr.htmlUrl" rel="noopener" target="_blank"
                    >{{ pr.repository }}#{{ pr.number }}</a
                  >
                  {{ pr.title }}
                  <span class="muted"
                    >{{ pr.state }}{{ pr.draft ? ' · draft' : '' }} · {{ date(pr.createdAt) }}</span
                  >
                </li>
              }
            </ul>
          </section>
          <section aria-labelledby="reviewed-title">
            <h2 id="reviewed-title">Reviewed</h2>
            <p class="muted">
              {{ counted(p.reviewLoad.reviewsLast4Weeks, 'review') }} in the last 4 weeks ·
              {{ counted(p.reviewLoad.openPullRequestsReviewed, 'open pull request') }} they reviewed
            </p>
            @if (p.reviewedPullRequests.length) {
              <ul>
                @for (pr of p.reviewedPullRequests; track pr.repository + pr.number) {
                  <li>
                    <a [href]="pr.htmlUrl" rel="noopener" target="_blank"
                      >{{ pr.repository }}#{{ pr.number }}</a
                    >
                    {{ pr.title }}
                    <span class="muted"
                      >{{ reviewLabel(pr.reviewState) }} · {{ pr.state }} · {{ date(pr.reviewedAt) }}</span
                    >
                  </li>
                }
              </ul>
            } @else {
              <p class="muted">No reviews in the repositories you can see.</p>
            }
          </section>
          <section aria-labelledby="commits-title">
            <h2 id="commits-title">Recent commits</h2>
            <ul>
              @for (c of p.recentCommits; track c.repository + c.sha) {
                <li>
                  <a [href]="c.htmlUrl" rel="noopener" target="_blank"
                    ><code>{{ c.sha.slice(0, 7) }}</code></a
                  >
                  {{ c.message }} <span class="muted">{{ c.repository }} · {{ date(c.committedAt) }}</span>
                </li>
              }
            </ul>
          </section>
        }
      }
    }
  `,
  styles: `
    :host {
      display: grid;
      gap: 12px;
      min-width: 0;
      overflow-wrap: anywhere;
    }
    h1 {
      margin: 0;
    }
    ul {
      margin: 0;
      padding-left: 20px;
      display: grid;
      gap: 4px;
    }
    a {
      color: var(--mat-sys-primary);
    }
  `,
})
export class PersonPage {
  private readonly api = inject(TeamsApi);
  protected readonly counted = counted;
  protected readonly hours = hoursText;
  protected readonly login = toSignal(
    inject(ActivatedRoute).paramMap.pipe(map((p) => p.get('login') ?? '')),
    {
      initialValue: '',
    },
  );
  protected readonly loaded = toSignal(
    inject(ActivatedRoute).paramMap.pipe(
      map((p) => p.get('login') ?? ''),
      switchMap((login) =>
        this.api.person(login).pipe(
          map((page): Loaded => ({ state: 'ready', page })),
          catchError((err: unknown) =>
            of<Loaded>(
              errorCodeOf(err) === 'person_not_found'
                ? { state: 'missing' }
                : { state: 'error', message: describeError(err) },
            ),
          ),
          startWith<Loaded>({ state: 'loading' }),
        ),
      ),
    ),
    { initialValue: { state: 'loading' } as Loaded },
  );
  protected readonly page = computed(() => {
    const l = this.loaded();
    return l.state === 'ready' ? l.page : null;
  });
  protected readonly errorText = computed(() => {
    const l = this.loaded();
    return l.state === 'error' ? l.message : '';
  });

  protected date(iso: string): string {
    return day.format(Date.parse(iso));
  }

  /** Under the name: the login when the heading shows a different name, and whether it is a bot. */
  protected subtitle(person: PersonData['person']): string {
    const parts = person.name && person.name !== person.login ? [person.login] : [];
    if (person.isBot) parts.push('bot');
    return parts.join(' · ');
  }

  protected reviewLabel(state: string): string {
    return REVIEW_LABELS[state] ?? state.toLowerCase();
  }
}

const REVIEW_LABELS: Record<string, string> = {
  APPROVED: 'approved',
  CHANGES_REQUESTED: 'changes requested',
  COMMENTED: 'commented',
  DISMISSED: 'dismissed',
};
