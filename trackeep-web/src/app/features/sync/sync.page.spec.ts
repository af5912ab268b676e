import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { RepoSyncStatus } from '@trackeep/contracts';
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

  async function render(repos: RepoSyncStatus[]): Promise<HTMLElement> {
    const fixture = TestBed.createComponent(SyncPage);
    backend.expectOne('/api/v1/sync/status').flush({ repos, rateLimits: [] });
    backend.expectOne((r) => r.url === '/api/v1/sync/runs').flush({ items: [], nextCursor: null });
    await new Promise((r) => setTimeout(r, 0));
    await fixture.whenStable();
    return fixture.nativeElement;
  }

  const row = (el: HTMLElement, fullName: string) => el.querySelector(`[data-repo="${fullName}"]`);

  it('says until when a rate limit pauses sync, and that it resumes by itself', async () => {
    const until = new Date(2026, 2, 10, 10, 42).toISOString();
    const el = await render([aRepoStatus({ pausedUntil: until, lastError: 'GitHub rate limit reached' })]);
    const text = row(el, 'acme/widgets')?.textContent?.replace(/\s+/g, ' ');
    expect(text).toContain('Paused until 10:42 — GitHub rate limit; sync resumes by itself');
    expect(text).toContain('GitHub rate limit reached');
  });

  it('drops the pause once its time has passed', async () => {
    const el = await render([aRepoStatus({ pausedUntil: new Date(2026, 2, 10, 9, 59).toISOString() })]);
    expect(row(el, 'acme/widgets')?.textContent).not.toContain('Paused');
  });

  it('shows an SSO block with the link to authorize, and an OAuth App policy block with its link', async () => {
    const ssoUrl = 'https://github.com/orgs/acme/sso?authorization_request=AbC123';
    const policyUrl = 'https://docs.github.com/articles/restricting-access-to-your-organization-s-data/';
    const el = await render([
      aRepoStatus({ block: { kind: 'sso', org: 'acme', url: ssoUrl } }),
      aRepoStatus({
        repoId: 'r2',
        repoFullName: 'initech/tps',
        block: { kind: 'oauth_app_policy', org: 'initech', url: policyUrl },
      }),
    ]);
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
    const el = await render([
      aRepoStatus({ block: { kind: 'sso', org: 'acme', url: 'javascript:alert(1)' } }),
    ]);
    const sso = row(el, 'acme/widgets');
    expect(sso?.textContent).toContain('Needs SSO authorization for acme');
    expect(sso?.querySelector('a[target="_blank"]')).toBeNull();
  });
});
