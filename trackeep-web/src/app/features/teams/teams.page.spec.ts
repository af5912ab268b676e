import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ApplicationRef } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import type { OrgPage, TeamPage } from '@trackeep/contracts';
import { CHART_FACTORY_LOADER } from '../../shared/chart/chart.component';
import { TeamsPage } from './teams.page';

const zero = {
  commits: 0,
  linesAdded: 0,
  linesDeleted: 0,
  pullsOpened: 0,
  pullsMerged: 0,
  cycleTimeMedianHours: null,
  cycleTimeP75Hours: null,
  activeContributors: 0,
};
const base = {
  period: {
    kind: 'week' as const,
    current: { from: '2026-01-05T00:00:00.000Z', to: '2026-01-12T00:00:00.000Z' },
    previous: { from: '2025-12-29T00:00:00.000Z', to: '2026-01-05T00:00:00.000Z' },
  },
  includeBots: false,
  repositories: 1,
  figures: { current: { ...zero, commits: 7 }, previous: { ...zero, commits: 1 } },
  reviewQueue: {
    current: { waiting: 0, medianWaitingHours: null, longestWaitingHours: null },
    previous: { waiting: 0, medianWaitingHours: null, longestWaitingHours: null },
  },
  mostActiveRepositories: [
    { fullName: 'acme-corp/web', commits: 7, linesChanged: 12345, pullsOpened: 0, pullsMerged: 0 },
  ],
  weekly: [
    {
      weekStart: '2026-01-05T00:00:00.000Z',
      commits: 7,
      linesChanged: 21,
      pullsOpened: 0,
      pullsMerged: 0,
      activeContributors: 2,
      cycleTimeMedianHours: null,
    },
  ],
};
const org: OrgPage = {
  ...base,
  org: { login: 'acme-corp', name: 'Acme', avatarUrl: null, syncedAt: null },
  teams: [{ slug: 'core', name: 'Core', description: null, parentSlug: null, members: 3 }],
};
const team: TeamPage = {
  ...base,
  org: { login: 'acme-corp', name: 'Acme' },
  team: { slug: 'core', name: 'Core', description: 'The core team', parentSlug: null, members: 3 },
  childTeams: [],
  members: [{ login: 'dependabot[bot]', name: null, avatarUrl: null, isBot: true }],
  teamRepositories: ['acme-corp/web'],
};

describe(TeamsPage.name, () => {
  let backend: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([
          { path: 'orgs/:org', component: TeamsPage },
          { path: 'orgs/:org/teams/:team', component: TeamsPage },
        ]),
        { provide: CHART_FACTORY_LOADER, useValue: () => new Promise(() => undefined) },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  });
  afterEach(() => backend.verify());

  async function open(url: string, answer: (req: ReturnType<HttpTestingController['expectOne']>) => void) {
    const harness = await RouterTestingHarness.create();
    const navigation = harness.navigateByUrl(url);
    await new Promise((r) => setTimeout(r, 0));
    answer(backend.expectOne((r) => r.url.startsWith('/api/v1/orgs/')));
    await navigation;
    harness.detectChanges();
    await harness.fixture.whenStable();
    return harness.routeNativeElement as HTMLElement;
  }

  it('shows the organization’s figures next to the previous period’s, a data table per chart, and its teams', async () => {
    const el = await open('/orgs/acme-corp', (req) => {
      expect(req.request.urlWithParams).toBe('/api/v1/orgs/acme-corp?period=week');
      req.flush(org);
    });
    expect(el.querySelector('h1')?.textContent).toContain('Acme');
    expect(el.textContent).toContain('Jan 5, 2026 – Jan 11, 2026, compared with Dec 29, 2025 – Jan 4, 2026');
    const commits = [...el.querySelectorAll('.figure')].find((f) => f.textContent?.includes('Commits'));
    expect(commits?.textContent).toContain('7');
    expect(commits?.textContent).toContain('previous: 1');
    expect(el.querySelectorAll('trk-chart details table').length).toBe(3);
    expect(el.querySelector('a[href="/orgs/acme-corp/teams/core"]')?.textContent).toContain('Core');
    // The most active repositories' figures are grouped by thousands, as the cards are.
    const web = [...el.querySelectorAll('tr')].find((r) => r.textContent?.includes('acme-corp/web'));
    expect([...(web?.querySelectorAll('td') ?? [])].map((c) => c.textContent?.trim())).toEqual([
      '7',
      '12,345',
      '0',
      '0',
    ]);
  });

  it('asks for a custom period with bots, and marks bots among the members', async () => {
    const el = await open(
      '/orgs/acme-corp/teams/core?period=custom&from=2026-01-01&to=2026-01-31&includeBots=true',
      (req) => {
        expect(req.request.params.get('period')).toBe('custom');
        expect(req.request.params.get('from')).toBe('2026-01-01');
        expect(req.request.params.get('includeBots')).toBe('true');
        req.flush(team);
      },
    );
    expect(el.querySelector('h1')?.textContent).toContain('Core');
    const member = el.querySelector('ul.people li')?.textContent?.replace(/\s+/g, ' ').trim();
    expect(member).toBe('dependabot[bot] · bot');
    // The team's timeline: its repositories' activity, asked for by team.
    const timeline = backend.expectOne((r) => r.url === '/api/v1/activity');
    expect(timeline.request.params.get('team')).toBe('acme-corp/core');
    timeline.flush({
      items: [
        {
          id: '41',
          repoId: 'r1',
          repoFullName: 'acme-corp/web',
          type: 'push',
          actor: 'mona',
          title: 'Pushed 2 commits to main',
          url: null,
          occurredAt: '2026-01-09T10:00:00.000Z',
          data: { ref: 'main', commits: 2 },
        },
      ],
      nextCursor: null,
    });
    await new Promise((r) => setTimeout(r, 0));
    TestBed.inject(ApplicationRef).tick();
    expect(el.querySelector('[data-testid="team-timeline"]')?.textContent).toContain('Pushed 2 commits');
  });

  it('says "not found" when the API answers 404 (not a member, or no such team)', async () => {
    const el = await open('/orgs/acme-corp/teams/secret', (req) =>
      req.flush(
        { statusCode: 404, error: 'Not Found', message: 'x', code: 'team_not_found' },
        { status: 404, statusText: 'Not Found' },
      ),
    );
    expect(el.querySelector('h1')?.textContent).toContain('Not found');
  });
});
