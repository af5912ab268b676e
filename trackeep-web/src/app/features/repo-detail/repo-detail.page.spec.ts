import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter, withComponentInputBinding } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import type { TrackedRepo } from '@trackeep/contracts';
import { aTrackedRepo } from '../../../testing/fixtures';
import { routeEl } from '../../../testing/dom';
import { RepoDetailPage } from './repo-detail.page';
import { RepoDetailStore } from './repo-detail.store';

describe(RepoDetailPage.name, () => {
  async function renderHeader(repo: TrackedRepo): Promise<HTMLElement> {
    const store = {
      repo: signal({ data: repo, loading: false, error: null }),
      notFound: signal(false),
      syncProgress: signal(null),
      history: signal({ data: [], loading: false, error: null }),
      fullName: signal(repo.fullName),
      select: () => undefined,
      reload: () => undefined,
    };
    TestBed.configureTestingModule({
      providers: [
        provideRouter(
          [
            {
              path: 'repos/:owner/:name',
              component: RepoDetailPage,
              providers: [{ provide: RepoDetailStore, useValue: store }],
            },
          ],
          withComponentInputBinding(),
        ),
      ],
    });
    const harness = await RouterTestingHarness.create(`/repos/${repo.owner}/${repo.name}`);
    await harness.fixture.whenStable();
    return routeEl(harness);
  }

  it('shows an SSO block in the header with the link to authorize, next to the stored counters', async () => {
    const url = 'https://github.com/orgs/acme/sso?authorization_request=AbC123';
    const el = await renderHeader(
      aTrackedRepo({ stars: 42, githubState: 'needs_sso', githubBlock: { kind: 'sso', org: 'acme', url } }),
    );
    const header = el.querySelector('.repo-header');
    expect(header?.querySelector('.chip.warn.policy')?.textContent?.trim()).toBe(
      'Needs SSO authorization for acme',
    );
    const authorize = [...(header?.querySelectorAll<HTMLAnchorElement>('a') ?? [])].find((a) =>
      a.textContent?.includes('Authorize on GitHub'),
    );
    expect(authorize?.href).toBe(url);
    expect(authorize?.target).toBe('_blank');
    expect(el.querySelector('[data-testid="counter-stars"]')?.textContent).toBe('42');
  });

  it("shows an OAuth App policy block in the header, text only when GitHub's link is not http(s)", async () => {
    const el = await renderHeader(
      aTrackedRepo({
        githubState: 'oauth_app_blocked',
        githubBlock: { kind: 'oauth_app_policy', org: 'acme', url: 'javascript:alert(1)' },
      }),
    );
    const header = el.querySelector('.repo-header');
    expect(header?.querySelector('.chip.warn.policy')?.textContent?.trim()).toBe(
      "Blocked by acme's OAuth App policy",
    );
    expect(header?.textContent).toContain('An owner of acme must approve the app on GitHub');
    expect(header?.querySelector('a[href^="javascript"]')).toBeNull();
  });

  it('says when GitHub moved the repository', async () => {
    const el = await renderHeader(aTrackedRepo({ githubState: 'transferred' }));
    expect(el.querySelector('.repo-header .chip.bad')?.textContent?.trim()).toBe('transferred on GitHub');
  });
});
