import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import type {
  ActivityEvent,
  CyclePage,
  DoraFigures,
  DoraPage,
  DrillPage,
  DrillPull,
  RepoInsightsSettings,
  SyncHistory,
  OrgMembership,
} from '@trackeep/contracts';
import { Subject } from 'rxjs';
import { anActivity } from '../../../testing/fixtures';
import { LiveEvents } from '../../core/live/live-events.service';
import { CHART_FACTORY_LOADER } from '../../shared/chart/chart.component';
import { DeliveryPage } from './delivery.page';

const period = {
  kind: '4w' as const,
  current: { from: '2026-02-09T00:00:00.000Z', to: '2026-03-09T00:00:00.000Z' },
  previous: { from: '2026-01-12T00:00:00.000Z', to: '2026-02-09T00:00:00.000Z' },
};
const none: DoraFigures = {
  noDeployments: true,
  deploymentFrequency: { deployments: 0, perWeek: null, band: null },
  leadTime: { medianHours: null, p75Hours: null, changes: 0, band: null },
  changeFailureRate: { rate: null, failed: 0, deployments: 0, band: null },
  recoveryTime: { medianHours: null, p75Hours: null, recovered: 0, open: 0, band: null },
};
const measured: DoraFigures = {
  noDeployments: false,
  deploymentFrequency: { deployments: 3, perWeek: 0.75, band: 'high' },
  leadTime: { medianHours: 24, p75Hours: 36, changes: 3, band: 'high' },
  changeFailureRate: { rate: 0, failed: 0, deployments: 3, band: 'elite' },
  recoveryTime: { medianHours: null, p75Hours: null, recovered: 0, open: 0, band: null },
};
const dora = (current: DoraFigures): DoraPage => ({
  period,
  bandsSource: '2024 Accelerate State of DevOps report (DORA)',
  repositories: [{ fullName: 'acme/app', rule: { kind: 'merges' }, source: 'repository' }],
  current,
  previous: none,
  weekly: [
    {
      weekStart: '2026-03-02T00:00:00.000Z',
      deployments: 3,
      leadTimeMedianHours: 24,
      failed: 0,
      recoveryMedianHours: null,
    },
  ],
});
const stage = { medianHours: null, p75Hours: null, count: 0 };
const breakdown = {
  merged: 3,
  stages: {
    coding: stage,
    pickup: stage,
    review: stage,
    merge: stage,
    deploy: { medianHours: 0, p75Hours: 0, count: 3 },
  },
  draft: stage,
  reviewDepth: { median: null, mean: null },
  reviewRounds: { median: null, mean: null },
  sizes: { xs: 0, s: 0, m: 0, l: 0, xl: 0 },
  mergedWithoutReview: 0,
  notDeployed: 0,
};
const cycle: CyclePage = {
  period,
  current: breakdown,
  previous: breakdown,
  weekly: [
    {
      weekStart: '2026-03-02T00:00:00.000Z',
      merged: 3,
      stages: { coding: null, pickup: null, review: null, merge: null, deploy: 0 },
    },
  ],
  reviewsAvailable: false,
};
const drill: DrillPage = {
  period: { kind: '4w', current: period.current },
  deployments: [
    {
      repository: 'acme/app',
      key: '1',
      source: 'merge',
      sha: 'm1',
      at: '2026-03-02T11:00:00.000Z',
      environment: null,
      name: '#1 Add search',
      status: 'success',
      url: null,
      pulls: [1],
      failed: false,
    },
  ],
  pulls: [],
  incidents: [],
};
const settings: RepoInsightsSettings = {
  effective: {
    deployment: { kind: 'merges' },
    incidents: { labels: ['incident'], reverts: true, failedDeployments: true },
  },
  source: 'repository',
  repository: null,
  organization: null,
  lastDeployments: [drill.deployments[0]!],
};

const memberships: OrgMembership[] = [
  {
    login: 'acme',
    name: 'Acme Inc.',
    teams: [{ slug: 'core', name: 'Core team', description: null, parentSlug: null, members: 2 }],
  },
];
const history: SyncHistory = {
  repository: 'acme/app',
  since: null,
  effectiveSince: '2025-03-09T00:00:00.000Z',
  instanceDays: 365,
  canEdit: true,
};

function aPull(repository: string, number: number, reviewed: boolean): DrillPull {
  return {
    repository,
    number,
    title: `PR ${number}`,
    author: 'octocat',
    mergedAt: '2026-03-02T10:00:00.000Z',
    deployedAt: null,
    deploymentKey: null,
    leadTimeHours: null,
    codingHours: null,
    draftHours: null,
    pickupHours: null,
    reviewHours: null,
    mergeHours: null,
    deployHours: null,
    size: 's',
    reviewed,
    url: null,
  };
}

describe(DeliveryPage.name, () => {
  let backend: HttpTestingController;
  let activity: Subject<ActivityEvent>;
  let harness: RouterTestingHarness;

  beforeEach(() => {
    activity = new Subject<ActivityEvent>();
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([
          { path: 'repos/:owner/:name/delivery', component: DeliveryPage },
          { path: 'orgs/:org/teams/:team/delivery', component: DeliveryPage },
          { path: 'orgs/:org/delivery', component: DeliveryPage },
        ]),
        { provide: CHART_FACTORY_LOADER, useValue: () => new Promise(() => undefined) },
        { provide: LiveEvents, useValue: { activity$: activity.asObservable() } },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  });
  afterEach(() => backend.verify());

  async function open(
    url: string,
    current: DoraFigures,
    base: string,
    answers: { cycle?: CyclePage; drill?: DrillPage; orgs?: OrgMembership[] | 'error' } = {},
  ) {
    harness = await RouterTestingHarness.create();
    const navigation = harness.navigateByUrl(url);
    await new Promise((r) => setTimeout(r, 0));
    // An organization's or team's page names them as their own pages do, from the person's organizations.
    if (!base.startsWith('/api/v1/repos/')) {
      const orgs = backend.expectOne('/api/v1/orgs');
      if (answers.orgs === 'error')
        orgs.flush({ message: 'down' }, { status: 503, statusText: 'Unavailable' });
      else orgs.flush(answers.orgs ?? memberships);
    }
    backend.expectOne((r) => r.url === `${base}/dora`).flush(dora(current));
    backend.expectOne((r) => r.url === `${base}/cycle`).flush(answers.cycle ?? cycle);
    backend.expectOne((r) => r.url === `${base}/drilldown`).flush(answers.drill ?? drill);
    if (base.startsWith('/api/v1/repos/')) backend.expectOne(`${base}/settings`).flush(settings);
    else if (!base.includes('/teams/'))
      backend.expectOne(`${base}/settings`).flush({ effective: settings.effective, source: 'default' });
    await navigation;
    harness.detectChanges();
    // The history form asks for its window once it is shown (the page waits on it to be stable).
    if (base.startsWith('/api/v1/repos/')) {
      await new Promise((r) => setTimeout(r, 0));
      backend.expectOne(base.replace(/insights$/, 'sync/history')).flush(history);
      harness.detectChanges();
    }
    await harness.fixture.whenStable();
    return harness.routeNativeElement as HTMLElement;
  }

  it('shows the four keys with bands, the stacked cycle chart with its data table, drill-downs and the rule', async () => {
    const el = await open('/repos/acme/app/delivery', measured, '/api/v1/repos/acme/app/insights');
    const cards = [...el.querySelectorAll('.cards li')].map((c) => c.textContent ?? '');
    expect(cards[0]).toContain('0.75 / week');
    expect(cards[0]).toContain('High');
    expect(cards[2]).toContain('Elite');
    expect(el.querySelectorAll('trk-chart details table').length).toBe(2);
    expect(el.querySelector('a.csv')?.getAttribute('href')).toBe(
      '/api/v1/repos/acme/app/insights/drilldown?period=4w&format=csv&kind=deployments',
    );
    expect(el.textContent).toContain('#1 Add search');
    expect(el.textContent).toContain('Every merge into the default branch');
    expect(el.textContent).toContain('Reviews are not stored yet');
  });

  it("shows the repository's history window and lets a maintainer read further back, which starts a sync", async () => {
    const el = await open('/repos/acme/app/delivery', measured, '/api/v1/repos/acme/app/insights');
    const section = el.querySelector('trk-history-form') as HTMLElement;
    expect(section.textContent).toContain("read since 2025-03-09 (the instance's default, 365 days)");
    const select = section.querySelector('select') as HTMLSelectElement;
    select.value = 'all';
    select.dispatchEvent(new Event('change'));
    harness.detectChanges();
    (section.querySelector('button[type=submit]') as HTMLButtonElement).click();
    const put = backend.expectOne('/api/v1/repos/acme/app/sync/history');
    expect(put.request.method).toBe('PUT');
    expect(put.request.body).toEqual({ since: 'all' });
    put.flush({ ...history, since: 'all', effectiveSince: null });
    await new Promise((r) => setTimeout(r, 0));
    harness.detectChanges();
    await harness.fixture.whenStable();
    expect(section.textContent).toContain("read their whole history (this repository's own)");
    expect(section.querySelector('[role=status]')?.textContent).toContain(
      'A sync is reading the older history now',
    );
  });

  it('names the pull requests merged without review with their repository where several are counted', async () => {
    const el = await open(
      '/orgs/acme/teams/core/delivery',
      measured,
      '/api/v1/orgs/acme/teams/core/insights',
      {
        cycle: { ...cycle, reviewsAvailable: true },
        drill: {
          ...drill,
          pulls: [aPull('acme/app', 7, false), aPull('acme/lib', 7, false), aPull('acme/app', 8, true)],
        },
      },
    );
    expect(el.querySelector('[data-testid="without-review"]')?.textContent).toBe(
      'Merged without review: acme/app#7, acme/lib#7',
    );
  });

  it('names the pull requests merged without review by number alone on a repository', async () => {
    const el = await open('/repos/acme/app/delivery', measured, '/api/v1/repos/acme/app/insights', {
      cycle: { ...cycle, reviewsAvailable: true },
      drill: { ...drill, pulls: [aPull('acme/app', 7, false), aPull('acme/app', 8, true)] },
    });
    expect(el.querySelector('[data-testid="without-review"]')?.textContent).toBe('Merged without review: #7');
  });

  it('says "no deployments" for a team whose repositories have none, never a zero', async () => {
    const el = await open(
      '/orgs/acme/teams/core/delivery?period=quarter',
      none,
      '/api/v1/orgs/acme/teams/core/insights',
    );
    expect(el.querySelector('.notice')?.textContent).toContain('No deployments');
    const cards = [...el.querySelectorAll('.cards li')].map((c) => c.textContent ?? '');
    expect(cards.every((c) => c.includes('No data'))).toBe(true);
  });

  it("names the team's page in its heading, with the way back to the team and its organization", async () => {
    const el = await open('/orgs/acme/teams/core/delivery', none, '/api/v1/orgs/acme/teams/core/insights');
    expect(el.querySelector('h1')?.textContent?.trim()).toBe('Delivery of Core team');
    const links = [...el.querySelectorAll('nav[aria-label="Breadcrumb"] a')].map((a) => [
      a.textContent?.trim(),
      a.getAttribute('href'),
    ]);
    expect(links).toEqual([
      ['Acme Inc.', '/orgs/acme'],
      ['Core team', '/orgs/acme/teams/core'],
    ]);
  });

  it("names an organization by its login while the person's organizations cannot be read", async () => {
    const el = await open('/orgs/acme/delivery', none, '/api/v1/orgs/acme/insights', { orgs: 'error' });
    expect(el.querySelector('h1')?.textContent?.trim()).toBe('Delivery of acme');
  });

  it('leaves the heading to the repository page it sits in', async () => {
    const el = await open('/repos/acme/app/delivery', measured, '/api/v1/repos/acme/app/insights');
    expect(el.querySelector('h1')).toBeNull();
    expect(el.querySelector('nav[aria-label="Breadcrumb"]')).toBeNull();
    expect(el.querySelector('h2.title')?.textContent).toBe('Delivery');
  });

  it('refreshes the figures in place when a deployment of the repository arrives live, not for other repositories', async () => {
    const base = '/api/v1/repos/acme/app/insights';
    const el = await open('/repos/acme/app/delivery', none, base);
    expect(el.querySelector('.notice')?.textContent).toContain('No deployments');

    activity.next(anActivity({ repoFullName: 'acme/other', type: 'deployment' }));
    activity.next(anActivity({ repoFullName: 'acme/app', type: 'star_milestone' }));
    await new Promise((r) => setTimeout(r, 1100));
    backend.expectNone((r) => r.url === `${base}/dora`);

    activity.next(anActivity({ repoFullName: 'acme/App', type: 'deployment' }));
    activity.next(anActivity({ repoFullName: 'acme/app', type: 'deployment' }));
    await new Promise((r) => setTimeout(r, 1100));
    // Still the old figures while the new ones load: no skeleton.
    expect(el.querySelector('.notice')?.textContent).toContain('No deployments');
    backend.expectOne((r) => r.url === `${base}/dora`).flush(dora(measured));
    backend.expectOne((r) => r.url === `${base}/cycle`).flush(cycle);
    backend.expectOne((r) => r.url === `${base}/drilldown`).flush(drill);
    backend.expectOne(`${base}/settings`).flush(settings);
    await new Promise((r) => setTimeout(r, 0));
    harness.detectChanges();
    await harness.fixture.whenStable();
    expect(el.querySelector('.notice')).toBeNull();
    expect(el.querySelector('.cards li')?.textContent).toContain('0.75 / week');
  });
});
