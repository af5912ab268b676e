import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { GithubInstallation, GithubInstallationsPage } from '@trackeep/contracts';
import { query } from '../../../testing/dom';
import { InstallationsPage } from './installations.page';

const acme: GithubInstallation = {
  id: 42,
  account: { login: 'acme-corp', type: 'Organization', id: 7 },
  repositorySelection: 'all',
  permissions: { metadata: 'read', contents: 'read' },
  suspended: false,
  suspendedAt: null,
  removed: false,
  removedAt: null,
  accessError: null,
  autoTrack: false,
  repositoryCount: 12,
  budgets: [
    {
      resource: 'core',
      limit: 5600,
      remaining: 5500,
      resetAt: new Date(Date.now() + 3_600_000).toISOString(),
    },
    {
      resource: 'graphql',
      limit: 5000,
      remaining: 4200,
      resetAt: new Date(Date.now() + 3_600_000).toISOString(),
    },
  ],
  refreshedAt: null,
};

describe(InstallationsPage.name, () => {
  let backend: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])],
    });
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => backend.verify());

  async function render(page: GithubInstallationsPage) {
    const fixture = TestBed.createComponent(InstallationsPage);
    backend.expectOne('/api/v1/installations').flush(page);
    await new Promise((r) => setTimeout(r, 0));
    await fixture.whenStable();
    return fixture;
  }

  const configured = (installations: GithubInstallation[]): GithubInstallationsPage => ({
    appConfigured: true,
    appSlug: 'trackeep',
    installUrl: 'https://github.com/apps/trackeep/installations/new',
    installations,
  });

  it('lists installations with their selection, permissions, status and budget, and links to GitHub to install', async () => {
    const el: HTMLElement = (
      await render(
        configured([
          acme,
          {
            ...acme,
            id: 43,
            account: { login: 'octo-labs', type: 'Organization', id: 8 },
            suspended: true,
            accessError: 'GitHub refused a token: This installation has been suspended (403)',
          },
        ]),
      )
    ).nativeElement;
    expect(query(el, '[data-testid="install-on-github"]').getAttribute('href')).toBe(
      'https://github.com/apps/trackeep/installations/new',
    );
    const row = query(el, '[data-installation="acme-corp"]');
    expect(row.textContent).toContain('All · 12');
    expect(row.textContent).toContain('contents: read');
    expect(row.textContent).toContain('Active');
    expect(row.textContent).toContain('REST 5500 / 5600');
    expect(row.textContent).toContain('GraphQL 4200 / 5000');
    expect(query(el, '[data-installation="octo-labs"]').textContent).toContain('Suspended');
  });

  it('says what to do when the App is installed nowhere, and when App mode is off', async () => {
    let el: HTMLElement = (await render(configured([]))).nativeElement;
    expect(el.textContent).toContain('The App is not installed anywhere yet');
    TestBed.resetTestingModule();
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])],
    });
    backend = TestBed.inject(HttpTestingController);
    el = (await render({ appConfigured: false, appSlug: null, installUrl: null, installations: [] }))
      .nativeElement;
    expect(el.textContent).toContain('GitHub App mode is off');
    expect(el.textContent).toContain('GITHUB_APP_ID');
  });

  it('turns auto-track on through the API and shows what it answered', async () => {
    const fixture = await render(configured([acme]));
    const toggle = query(fixture.nativeElement as HTMLElement, '[data-testid="auto-track"] button');
    toggle.click();
    const req = backend.expectOne('/api/v1/installations/42');
    expect(req.request.method).toBe('PATCH');
    expect(req.request.body).toEqual({ autoTrack: true });
    req.flush({ ...acme, autoTrack: true });
    await fixture.whenStable();
    expect(toggle.getAttribute('aria-checked')).toBe('true');
  });
});
