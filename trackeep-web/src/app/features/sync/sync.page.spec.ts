import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { RateLimitBudget, RepoSyncStatus, SyncRun } from '@trackeep/contracts';
import { EMPTY } from 'rxjs';
import { LiveEvents } from '../../core/live/live-events.service';
import { Clock } from '../../shared/clock.service';
import { SyncPage } from './sync.page';
import { SyncStore } from './sync.store';

/** 10:00 local time; local times keep the "HH:MM" expectations true in any time zone. */
const NOW = new Date(2026, 2, 10, 10, 0).getTime();

function aRepoStatus(overrides: Partial<RepoSyncStatus> = {}): RepoSyncStatus {
  return {
    repoId: 'r1',
    repoFullName: 'acme/widgets',
    lastSuccessAt: null,
    running: false,
    progress: null,
    nextScheduledAt: null,
    lastError: null,
    ...overrides,
  };
}

describe(SyncPage.name, () => {
  let backend: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([]),
        SyncStore,
        { provide: LiveEvents, useValue: { ofType: () => EMPTY } },
        { provide: Clock, useValue: { now: signal(NOW) } },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => backend.verify());

  const settle = async (fixture: { whenStable(): Promise<unknown> }) => {
    await new Promise((r) => setTimeout(r, 0));
    await fixture.whenStable();
  };

  async function render(
    repos: RepoSyncStatus[],
    more: { nextCursor: string; tracked: number; running?: number } | null = null,
    rateLimits: RateLimitBudget[] = [],
    runs: SyncRun[] = [],
  ) {
    const fixture = TestBed.createComponent(SyncPage);
    const first = backend.expectOne((r) => r.url === '/api/v1/sync/status');
    expect(first.request.params.get('limit')).toBe('50');
    expect(first.request.params.has('cursor')).toBe(false);
    first.flush({
      repos,
      nextCursor: more?.nextCursor ?? null,
      tracked: more?.tracked ?? repos.length,
      running: more?.running ?? repos.filter((r) => r.running).length,
      rateLimits,
    });
    backend.expectOne((r) => r.url === '/api/v1/sync/runs').flush({ items: runs, nextCursor: null });
    await settle(fixture);
    return fixture;
  }

  const row = (el: HTMLElement, fullName: string) => el.querySelector(`[data-repo="${fullName}"]`);

  it('names whose budget each rate limit is: the person’s token, or the GitHub App installation that syncs', async () => {
    const resetAt = new Date(NOW + 3_600_000).toISOString();
    const installation = { id: 7, account: 'acme-corp' };
    const el = (
      await render([aRepoStatus()], null, [
        { resource: 'core', limit: 5000, remaining: 4990, resetAt },
        { resource: 'graphql', limit: 5000, remaining: 5000, resetAt },
        { resource: 'core', limit: 15000, remaining: 14800, resetAt, installation },
        { resource: 'graphql', limit: 10000, remaining: 9100, resetAt, installation },
      ])
    ).nativeElement as HTMLElement;
    const labels = [...el.querySelectorAll('[data-testid="budget"] .label')].map((l) =>
      l.textContent?.replace(/\s+/g, ' ').trim(),
    );
    expect(labels).toEqual([
      'REST requests · your token',
      'GraphQL points · your token',
      'REST requests · GitHub App on acme-corp',
      'GraphQL points · GitHub App on acme-corp',
    ]);
    expect(el.querySelectorAll('[data-testid="budget"]')[3]?.textContent).toContain('9,100');
  });

  it('shows a budget whose reset has passed as whole again, and says it reset', async () => {
    const el = (
      await render([aRepoStatus()], null, [
        { resource: 'core', limit: 5000, remaining: 4990, resetAt: new Date(NOW + 1_800_000).toISOString() },
        {
          resource: 'graphql',
          limit: 5000,
          remaining: 71,
          resetAt: new Date(NOW - 3 * 3_600_000).toISOString(),
        },
      ])
    ).nativeElement as HTMLElement;
    const [core, graphql] = [...el.querySelectorAll('[data-testid="budget"]')].map((b) =>
      b.textContent?.replace(/\s+/g, ' ').trim(),
    );
    expect(core).toMatch(/4,990 of 5,000 left.*Resets in 30 minutes/);
    expect(graphql).toMatch(/5,000 of 5,000 left.*Reset 3 hours ago/);
  });

  it('counts what each run wrote in words that agree with the number', async () => {
    const run: SyncRun = {
      id: 'run-1',
      repoId: 'r1',
      repoFullName: 'acme/widgets',
      trigger: 'schedule',
      status: 'succeeded',
      startedAt: new Date(NOW - 60_000).toISOString(),
      finishedAt: new Date(NOW - 59_000).toISOString(),
      items: { repository: 1, commits: 1, pulls: 1234, branches: 1, snapshots: 0, activity: 0 },
      graphqlPoints: 2,
      restRequests: 4,
      notModified: 0,
      error: null,
    };
    const unchanged: SyncRun = {
      ...run,
      id: 'run-2',
      items: { repository: 0, commits: 0, pulls: 3, branches: 0, snapshots: 1, activity: 0 },
    };
    const nothing: SyncRun = {
      ...run,
      id: 'run-3',
      items: { ...run.items, commits: 0, pulls: 0, branches: 0 },
    };
    const el = (await render([aRepoStatus()], null, [], [run, unchanged, nothing]))
      .nativeElement as HTMLElement;
    const rows = [...el.querySelectorAll('table tbody tr')].map((r) => r.textContent ?? '');
    expect(rows[0]).toContain('1 commit, 1,234 PRs, 1 branch');
    expect(rows[1]).toContain('3 PRs');
    expect(rows[1]).not.toContain('0 commits');
    expect(rows[2]).toContain('nothing new');
  });

  it('says until when a rate limit pauses sync, and that it resumes by itself', async () => {
    const until = new Date(2026, 2, 10, 10, 42).toISOString();
    const el = (await render([aRepoStatus({ pausedUntil: until, lastError: 'GitHub rate limit reached' })]))
      .nativeElement as HTMLElement;
    const text = row(el, 'acme/widgets')?.textContent?.replace(/\s+/g, ' ');
    expect(text).toContain('Paused until 10:42 — GitHub rate limit; sync resumes by itself');
    expect(text).toContain('GitHub rate limit reached');
  });

  it('drops the pause once its time has passed', async () => {
    const el = (await render([aRepoStatus({ pausedUntil: new Date(2026, 2, 10, 9, 59).toISOString() })]))
      .nativeElement as HTMLElement;
    expect(row(el, 'acme/widgets')?.textContent).not.toContain('Paused');
  });

  it('shows an SSO block with the link to authorize, and an OAuth App policy block with its link', async () => {
    const ssoUrl = 'https://github.com/orgs/acme/sso?authorization_request=AbC123';
    const policyUrl = 'https://docs.github.com/articles/restricting-access-to-your-organization-s-data/';
    const el = (
      await render([
        aRepoStatus({ block: { kind: 'sso', org: 'acme', url: ssoUrl } }),
        aRepoStatus({
          repoId: 'r2',
          repoFullName: 'initech/tps',
          block: { kind: 'oauth_app_policy', org: 'initech', url: policyUrl },
        }),
      ])
    ).nativeElement as HTMLElement;
    const sso = row(el, 'acme/widgets');
    expect(sso?.querySelector('.chip.warn.policy')?.textContent?.trim()).toBe(
      'Needs SSO authorization for acme',
    );
    expect(sso?.querySelector<HTMLAnchorElement>('a[target="_blank"]')?.href).toBe(ssoUrl);
    const policy = row(el, 'initech/tps');
    expect(policy?.querySelector('.chip.warn.policy')?.textContent?.trim()).toBe(
      "Blocked by initech's OAuth App policy",
    );
    expect(policy?.querySelector<HTMLAnchorElement>('a[target="_blank"]')?.href).toBe(policyUrl);
  });

  it('shows the block without a link when its URL is not http(s)', async () => {
    const el = (
      await render([aRepoStatus({ block: { kind: 'sso', org: 'acme', url: 'javascript:alert(1)' } })])
    ).nativeElement as HTMLElement;
    const sso = row(el, 'acme/widgets');
    expect(sso?.textContent).toContain('Needs SSO authorization for acme');
    expect(sso?.querySelector('a[target="_blank"]')).toBeNull();
  });

  it('lists a page of repositories, the count of all and of those syncing, and the next page on request', async () => {
    const fixture = await render([aRepoStatus(), aRepoStatus({ repoId: 'r2', repoFullName: 'acme/zeta' })], {
      nextCursor: 'next-page',
      tracked: 3,
      running: 2,
    });
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('#repos-title .chip')?.textContent?.trim()).toBe('2 syncing');
    expect(el.querySelector('.more')?.textContent).toContain('2 of 3 repositories');
    const button = [...el.querySelectorAll<HTMLButtonElement>('.more button')].find((b) =>
      b.textContent?.includes('More repositories'),
    );
    button?.click();
    const next = backend.expectOne((r) => r.url === '/api/v1/sync/status');
    expect(next.request.params.get('cursor')).toBe('next-page');
    next.flush({
      repos: [aRepoStatus({ repoId: 'r3', repoFullName: 'initech/tps' })],
      nextCursor: null,
      tracked: 3,
      running: 2,
      rateLimits: [],
    });
    await settle(fixture);
    expect([...el.querySelectorAll('[data-repo]')].map((r) => r.getAttribute('data-repo'))).toEqual([
      'acme/widgets',
      'acme/zeta',
      'initech/tps',
    ]);
    expect(el.querySelector('.more')).toBeNull();
  });
});
