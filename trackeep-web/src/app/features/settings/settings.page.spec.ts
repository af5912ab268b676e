import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { TrackedRepo, WebhookDelivery } from '@trackeep/contracts';
import { EMPTY } from 'rxjs';
import { aMe, aTrackedRepo } from '../../../testing/fixtures';
import { AuthStore } from '../../core/auth/auth.store';
import { LiveEvents } from '../../core/live/live-events.service';
import { SettingsPage } from './settings.page';
import { buttonNamed, query } from '../../../testing/dom';
import { firstPageOf, onlyPage } from '../../../testing/pages';

describe(SettingsPage.name, () => {
  let backend: HttpTestingController;
  let auth: AuthStore;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([]),
        { provide: LiveEvents, useValue: { ofType: () => EMPTY } },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
    auth = TestBed.inject(AuthStore);
    const loaded = auth.ensureLoaded();
    backend.expectOne('/api/v1/auth/me').flush(aMe());
    await loaded;
  });

  afterEach(() => backend.verify());

  async function render(
    deliveries: WebhookDelivery[] = [],
    repos: TrackedRepo[] = [
      aTrackedRepo({
        id: 'r1',
        name: 'widgets',
        webhook: {
          status: 'failing',
          lastDeliveryAt: null,
          lastError: 'HTTP 500 from receiver',
          recoveredLast24h: 3,
        },
      }),
    ],
  ) {
    const fixture = TestBed.createComponent(SettingsPage);
    backend.expectOne(firstPageOf('/api/v1/repos')).flush(onlyPage(repos));
    backend.expectOne('/api/v1/webhooks/deliveries').flush({ items: deliveries, nextCursor: null });
    await new Promise((r) => setTimeout(r, 0));
    await fixture.whenStable();
    return fixture;
  }

  it('shows the profile and the webhook health of each tracked repository', async () => {
    const el: HTMLElement = (await render()).nativeElement;
    expect(query(el, '[data-testid="profile-login"]').textContent).toBe('octocat');
    expect(el.textContent).toContain('Webhook failing');
    expect(el.textContent).toContain('HTTP 500 from receiver');
    expect(el.textContent).toContain('1 failing.');
    expect(query(el, '[data-testid="webhook-recovered"]').textContent?.trim()).toBe('3');
    expect(query(el, 'trk-webhook-chip .chip').title).toContain(
      'Missed deliveries GitHub redelivered in the last 24 hours: 3',
    );
  });

  it('says which organization policy blocks a webhook, with the GitHub link to act on, instead of "not admin"', async () => {
    const ssoUrl = 'https://github.com/orgs/acme/sso?authorization_request=AbC123';
    const policyUrl = 'https://docs.github.com/articles/restricting-access-to-your-organization-s-data/';
    const el: HTMLElement = (
      await render(
        [],
        [
          aTrackedRepo({
            id: 'r1',
            name: 'widgets',
            webhook: {
              status: 'needs_sso',
              lastDeliveryAt: null,
              lastError: null,
              block: { kind: 'sso', org: 'acme', url: ssoUrl },
            },
          }),
          aTrackedRepo({
            id: 'r2',
            owner: 'initech',
            name: 'tps',
            webhook: {
              status: 'oauth_app_blocked',
              lastDeliveryAt: null,
              lastError: null,
              block: { kind: 'oauth_app_policy', org: 'initech', url: policyUrl },
            },
          }),
          aTrackedRepo({
            id: 'r3',
            name: 'gears',
            webhook: {
              status: 'needs_sso',
              lastDeliveryAt: null,
              lastError: null,
              block: { kind: 'sso', org: 'acme', url: 'javascript:alert(1)' },
            },
          }),
        ],
      )
    ).nativeElement;
    const rowOf = (name: string) =>
      [...el.querySelectorAll('tr')].find((tr) => tr.querySelector('th')?.textContent === name);
    const sso = rowOf('acme/widgets');
    expect(sso?.querySelector('.chip.warn')?.textContent?.trim()).toBe(
      'Webhook needs SSO authorization for acme',
    );
    expect(sso?.querySelector<HTMLAnchorElement>('a[target="_blank"]')?.href).toBe(ssoUrl);
    expect(sso?.querySelector<HTMLAnchorElement>('a[target="_blank"]')?.textContent).toContain(
      'Authorize on GitHub',
    );
    const policy = rowOf('initech/tps');
    expect(policy?.querySelector('.chip.warn')?.textContent?.trim()).toBe(
      "Webhook blocked by initech's OAuth App policy",
    );
    expect(policy?.querySelector<HTMLAnchorElement>('a[target="_blank"]')?.href).toBe(policyUrl);
    const unsafe = rowOf('acme/gears');
    expect(unsafe?.querySelector('a[target="_blank"]')).toBeNull();
    expect(unsafe?.textContent).toContain('Authorize the app for acme on GitHub');
    expect(el.textContent).not.toContain('not admin');
  });

  it('lists a parked delivery with the reason it cannot be applied', async () => {
    const reason =
      'a lone UTF-16 surrogate in commits[0].message, which PostgreSQL cannot store as text; kept byte-exact, not applied';
    const el: HTMLElement = (
      await render([
        {
          id: 'd-1',
          event: 'push',
          action: null,
          repoFullName: 'octocat/widgets',
          hookId: 1,
          receivedAt: new Date().toISOString(),
          status: 'parked',
          attempts: 1,
          lastError: reason,
          ignoredReason: null,
          processedAt: new Date().toISOString(),
        },
      ])
    ).nativeElement;
    const chip = query(el, '.chip.warn');
    expect(chip.textContent?.trim()).toBe('parked');
    expect(chip.getAttribute('title')).toContain('cannot be applied');
    expect(chip.closest('tr')?.textContent).toContain(reason);
  });

  it('signs out, revoking GitHub access when asked to', async () => {
    const fixture = await render();
    const el: HTMLElement = fixture.nativeElement;
    query<HTMLInputElement>(el, 'input[type="checkbox"]').click();
    await fixture.whenStable();
    const button = buttonNamed(el, /Sign out and revoke access/);
    button.click();
    const req = backend.expectOne('/api/v1/auth/logout');
    expect(req.request.body).toEqual({ revokeGitHub: true });
    req.flush(null, { status: 204, statusText: 'No Content' });
    await new Promise((r) => setTimeout(r, 0));
    expect(auth.state()).toBe('signed-out');
    expect(auth.reason()).toBe('signed_out');
  });

  it('stays signed in and says why when sign-out fails', async () => {
    const fixture = await render();
    const el: HTMLElement = fixture.nativeElement;
    buttonNamed(el, 'Sign out').click();
    backend
      .expectOne('/api/v1/auth/logout')
      .flush(
        { statusCode: 503, error: 'Service Unavailable', message: 'gateway down' },
        { status: 503, statusText: 'Service Unavailable' },
      );
    await new Promise((r) => setTimeout(r, 0));
    await fixture.whenStable();
    expect(query(el, '[role="alert"]').textContent).toContain('gateway down');
    expect(auth.signedIn()).toBe(true);
  });
});
