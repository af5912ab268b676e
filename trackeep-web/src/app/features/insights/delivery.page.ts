import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed, toObservable, toSignal } from '@angular/core/rxjs-interop';
import { ActivatedRoute, RouterLink } from '@angular/router';
import {
  CYCLE_STAGES,
  type ActivityEvent,
  type ActivityType,
  type CyclePage,
  type DoraPage,
  type DrillKind,
  type DrillPage,
  type OrgInsightsSettings,
  type OrgMembership,
  type RepoInsightsSettings,
} from '@trackeep/contracts';
import {
  catchError,
  combineLatest,
  debounceTime,
  filter,
  forkJoin,
  map,
  of,
  startWith,
  switchMap,
} from 'rxjs';
import { describeError, errorCodeOf } from '../../core/api/api-error';
import { TeamsApi } from '../../core/api/teams.api';
import { LiveEvents } from '../../core/live/live-events.service';
import {
  drillCsvUrl,
  InsightsApi,
  type DeliveryPeriod,
  type DeliveryScope,
} from '../../core/api/insights.api';
import { ChartComponent } from '../../shared/chart/chart.component';
import { EmptyStateComponent } from '../../shared/empty-state.component';
import { injectQueryParams, injectQueryUpdater } from '../../shared/route-query';
import { SkeletonComponent } from '../../shared/skeleton.component';
import { HistoryFormComponent } from './history-form.component';
import { RuleFormComponent } from './rule-form.component';
import {
  BAND_TEXT,
  cycleChart,
  deliveryPeriodFromQuery,
  deploymentsChart,
  doraCards,
  ruleText,
  stageText,
} from './delivery-figures';
import { hoursText } from '../../shared/format.util';

type Loaded =
  | { state: 'loading' }
  | { state: 'missing' }
  | { state: 'error'; message: string }
  | {
      state: 'ready';
      dora: DoraPage;
      cycle: CyclePage;
      drill: DrillPage;
      settings: RepoInsightsSettings | null;
      orgSettings: OrgInsightsSettings | null;
    };

const when = new Intl.DateTimeFormat('en', {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
  timeZoneName: 'short',
});

/** Timeline events after which the figures may have changed (a new deployment, merge, push, release, review). */
const CHANGES_FIGURES: ReadonlySet<ActivityType> = new Set<ActivityType>([
  'deployment',
  'release',
  'push',
  'pr_merged',
  'pr_review',
]);
/** Several such events in a burst refresh the figures once. */
const LIVE_SETTLE_MS = 1000;

/** The scope from the route: a repository (the parent route's owner/name), or an organization or team. */
function scopeOf(route: ActivatedRoute): DeliveryScope {
  const p = route.snapshot.paramMap;
  const parent = route.parent?.snapshot.paramMap;
  const owner = p.get('owner') ?? parent?.get('owner');
  const name = p.get('name') ?? parent?.get('name');
  if (owner && name) return { kind: 'repo', owner, name };
  const org = p.get('org') ?? '';
  const team = p.get('team');
  return team ? { kind: 'team', org, team } : { kind: 'org', org };
}

/**
 * Where an organization's or team's page belongs, named as their own pages name them (by login and slug until the
 * person's organizations are known); null on a repository, whose page has its own header.
 */
function trailOf(
  scope: DeliveryScope,
  orgs: readonly OrgMembership[] | null,
): Array<{ label: string; link: string[] }> | null {
  if (scope.kind === 'repo') return null;
  const known = orgs?.find((o) => o.login.toLowerCase() === scope.org.toLowerCase());
  const org = { label: known?.name || known?.login || scope.org, link: ['/orgs', scope.org] };
  if (scope.kind === 'org') return [org];
  const team = known?.teams.find((t) => t.slug === scope.team);
  return [org, { label: team?.name ?? scope.team, link: ['/orgs', scope.org, 'teams', scope.team] }];
}

/**
 * Delivery: the DORA four keys with their bands and the previous period's values, the pull request cycle as a
 * weekly stacked bar, and drill-down tables of exactly what was counted (each as CSV too). On a repository,
 * also the deployment rule in force and the last deployments it detected.
 */
@Component({
  selector: 'trk-delivery-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    ChartComponent,
    EmptyStateComponent,
    SkeletonComponent,
    RuleFormComponent,
    HistoryFormComponent,
    RouterLink,
  ],
  templateUrl: './delivery.page.html',
  styleUrl: './delivery.page.scss',
})
export class DeliveryPage {
  private readonly api = inject(InsightsApi);
  private readonly query = injectQueryParams();
  private readonly setQuery = injectQueryUpdater();
  protected readonly scope = scopeOf(inject(ActivatedRoute));
  private readonly orgs = toSignal(
    this.scope.kind === 'repo'
      ? of(null)
      : inject(TeamsApi)
          .memberships()
          .pipe(catchError(() => of(null))),
    { initialValue: null },
  );
  protected readonly trail = computed(() => trailOf(this.scope, this.orgs()));
  protected readonly choice = computed(() => deliveryPeriodFromQuery(this.query()));
  protected readonly stages = CYCLE_STAGES;
  protected readonly stageText = stageText;
  protected readonly hours = hoursText;
  protected readonly bandText = BAND_TEXT;
  protected readonly ruleText = ruleText;
  /** Bumped after the rule changed: every figure may have. */
  private readonly reloads = signal(0);
  /** Bumped when something in scope happened on GitHub: the figures refresh in place, without a skeleton. */
  private readonly liveChanges = signal(0);
  private shownKey = '';

  protected readonly loaded = toSignal(
    combineLatest([
      toObservable(this.choice),
      toObservable(this.reloads),
      toObservable(this.liveChanges),
    ]).pipe(
      switchMap(([choice, reloads]) => {
        const key = `${JSON.stringify(choice)}#${reloads}`;
        const quiet = key === this.shownKey;
        this.shownKey = key;
        return this.load(choice, quiet);
      }),
    ),
    { initialValue: { state: 'loading' } as Loaded },
  );

  constructor() {
    inject(LiveEvents)
      .activity$.pipe(
        filter((e) => this.concerns(e)),
        debounceTime(LIVE_SETTLE_MS),
        takeUntilDestroyed(),
      )
      .subscribe(() => this.liveChanges.update((n) => n + 1));
  }
  protected readonly ready = computed(() => {
    const l = this.loaded();
    return l.state === 'ready' ? l : null;
  });
  protected readonly errorText = computed(() => {
    const l = this.loaded();
    return l.state === 'error' ? l.message : '';
  });
  protected readonly cards = computed(() => {
    const r = this.ready();
    return r ? doraCards(r.dora) : [];
  });
  protected readonly cycleSpec = computed(() => cycleChart(this.ready()?.cycle.weekly ?? []));
  protected readonly deploySpec = computed(() => deploymentsChart(this.ready()?.dora.weekly ?? []));
  /** "#32, #36" on a repository; with each repository's name where several are counted ("acme/cli#32"). */
  protected readonly withoutReview = computed(() =>
    (this.ready()?.drill.pulls ?? [])
      .filter((p) => !p.reviewed)
      .map((p) => (this.scope.kind === 'repo' ? `#${p.number}` : `${p.repository}#${p.number}`))
      .join(', '),
  );

  protected reload(): void {
    this.reloads.update((n) => n + 1);
  }

  protected csv(kind: DrillKind): string {
    return drillCsvUrl(this.scope, this.choice(), kind);
  }

  protected at(iso: string | null): string {
    return iso ? when.format(Date.parse(iso)) : '–';
  }

  protected pick(period: string): void {
    if (period === 'custom') {
      const r = this.ready();
      const current = r?.dora.period.current;
      const to = current ? new Date(Date.parse(current.to) - 86_400_000) : new Date();
      const from = current ? new Date(Date.parse(current.from)) : new Date(Date.now() - 27 * 86_400_000);
      this.setQuery({ period, from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) });
    } else this.setQuery({ period: period === '4w' ? null : period, from: null, to: null });
  }

  protected setDate(which: 'from' | 'to', value: string): void {
    if (value) this.setQuery({ [which]: value });
  }

  /** Whether a timeline event may change this page's figures (a team's repositories are its organization's). */
  private concerns(e: ActivityEvent): boolean {
    if (!CHANGES_FIGURES.has(e.type)) return false;
    const s = this.scope;
    const full = e.repoFullName.toLowerCase();
    if (s.kind === 'repo') return full === `${s.owner}/${s.name}`.toLowerCase();
    return full.startsWith(`${s.org.toLowerCase()}/`);
  }

  private load(choice: DeliveryPeriod, quiet = false) {
    const s = this.scope;
    return forkJoin({
      dora: this.api.dora(s, choice),
      cycle: this.api.cycle(s, choice),
      drill: this.api.drilldown(s, choice),
      settings: s.kind === 'repo' ? this.api.repoSettings(s.owner, s.name) : of(null),
      orgSettings: s.kind === 'org' ? this.api.orgSettings(s.org) : of(null),
    }).pipe(
      map((r): Loaded => ({ state: 'ready', ...r })),
      catchError((err: unknown) =>
        of<Loaded>(
          ['repo_not_found', 'org_not_found', 'team_not_found'].includes(errorCodeOf(err) ?? '')
            ? { state: 'missing' }
            : { state: 'error', message: describeError(err) },
        ),
      ),
      quiet ? (source) => source : startWith<Loaded>({ state: 'loading' }),
    );
  }
}
