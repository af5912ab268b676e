import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { TrackedRepo } from '@trackeep/contracts';
import { aTrackedRepo } from '../../../testing/fixtures';
import { TrackedRepoCardComponent } from './tracked-repo-card.component';

const SSO_URL = 'https://github.com/orgs/acme/sso?authorization_request=AbC123';
const POLICY_URL = 'https://docs.github.com/articles/restricting-access-to-your-organization-s-data/';

describe(TrackedRepoCardComponent.name, () => {
  beforeEach(() => TestBed.configureTestingModule({ providers: [provideRouter([])] }));

  async function renderCard(repo: TrackedRepo): Promise<HTMLElement> {
    const fixture = TestBed.createComponent(TrackedRepoCardComponent);
    fixture.componentRef.setInput('repo', repo);
    await fixture.whenStable();
    return fixture.nativeElement;
  }

  it('asks for SSO authorization as a warning, with the link to authorize on GitHub, and keeps the stats', async () => {
    const el = await renderCard(
      aTrackedRepo({
        stars: 1234,
        githubState: 'needs_sso',
        githubBlock: { kind: 'sso', org: 'acme', url: SSO_URL },
      }),
    );
    const chip = el.querySelector('footer .chip.warn.policy');
    expect(chip?.textContent?.trim()).toBe('Needs SSO authorization for acme');
    expect(el.querySelector('footer .chip.bad')).toBeNull();
    const link = el.querySelector<HTMLAnchorElement>('footer a[target="_blank"]');
    expect(link?.href).toBe(SSO_URL);
    expect(link?.rel).toBe('noopener noreferrer');
    expect(link?.textContent?.replace(/\s+/g, ' ').trim()).toBe(
      'Authorize on GitHub for acme (opens in a new tab)',
    );
    expect(el.textContent).toContain('1.2K');
  });

  it("says an OAuth App policy blocks it and links GitHub's page on owner approval", async () => {
    const el = await renderCard(
      aTrackedRepo({
        githubState: 'oauth_app_blocked',
        githubBlock: { kind: 'oauth_app_policy', org: 'acme', url: POLICY_URL },
      }),
    );
    expect(el.querySelector('footer .chip.warn.policy')?.textContent?.trim()).toBe(
      "Blocked by acme's OAuth App policy",
    );
    const link = el.querySelector<HTMLAnchorElement>('footer a[target="_blank"]');
    expect(link?.href).toBe(POLICY_URL);
    expect(link?.textContent).toContain('An owner of acme must approve the app');
  });

  it.each(['javascript:alert(1)', 'data:text/html,hi', '//github.com/orgs/acme/sso', 'not a url'])(
    'puts no link in the page for a GitHub link that is not http(s): %s',
    async (url) => {
      const el = await renderCard(
        aTrackedRepo({ githubState: 'needs_sso', githubBlock: { kind: 'sso', org: 'acme', url } }),
      );
      expect(el.querySelector('footer a')).toBeNull();
      expect(el.querySelector('footer .chip.warn.policy')?.textContent).toContain(
        'Needs SSO authorization for acme',
      );
      expect(el.querySelector('footer')?.textContent).toContain('Authorize the app for acme on GitHub');
    },
  );

  it('names the owner as the organization when the API gives no details', async () => {
    const el = await renderCard(aTrackedRepo({ owner: 'initech', githubState: 'oauth_app_blocked' }));
    expect(el.querySelector('footer .chip.warn.policy')?.textContent?.trim()).toBe(
      "Blocked by initech's OAuth App policy",
    );
    expect(el.querySelector('footer a')).toBeNull();
  });

  it('keeps a confirmed deletion an error, apart from policy warnings', async () => {
    const el = await renderCard(aTrackedRepo({ githubState: 'deleted' }));
    expect(el.querySelector('footer .chip.bad')?.textContent?.trim()).toBe('deleted on GitHub');
    expect(el.querySelector('footer .policy')).toBeNull();
  });

  it('says why the webhook is missing when an SSO policy refused it', async () => {
    const el = await renderCard(
      aTrackedRepo({
        webhook: {
          status: 'needs_sso',
          lastDeliveryAt: null,
          lastError: null,
          block: { kind: 'sso', org: 'acme', url: SSO_URL },
        },
      }),
    );
    expect(el.textContent).toContain('Webhook needs SSO authorization for acme');
    expect(el.textContent).not.toContain('not admin');
  });

  it("shows a repository the GitHub App's webhook reports on as live, not as missing a webhook", async () => {
    const el = await renderCard(
      aTrackedRepo({
        webhook: { status: 'app', lastDeliveryAt: '2026-03-01T10:00:00Z', lastError: null },
      }),
    );
    const chip = el.querySelector<HTMLElement>('trk-webhook-chip .chip');
    expect(chip?.textContent?.trim()).toBe('Webhook via GitHub App');
    expect(chip?.classList).toContain('good');
    expect(el.textContent).not.toContain('not set up');
  });
});
