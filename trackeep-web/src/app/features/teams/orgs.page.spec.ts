import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter, Router } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import type { OrgMembership } from '@trackeep/contracts';
import { PEOPLE_ROUTES } from './people.routes';
import { TEAMS_ROUTES } from './teams.routes';

describe('the organizations page', () => {
  let backend: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([
          { path: 'orgs', children: TEAMS_ROUTES },
          { path: 'people', children: PEOPLE_ROUTES },
        ]),
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  });
  afterEach(() => backend.verify());

  async function open(url: string, answer: (req: ReturnType<HttpTestingController['expectOne']>) => void) {
    const harness = await RouterTestingHarness.create();
    await harness.navigateByUrl(url);
    answer(backend.expectOne('/api/v1/orgs'));
    harness.detectChanges();
    await harness.fixture.whenStable();
    return { el: harness.routeNativeElement as HTMLElement, harness };
  }

  it('lists each organization with its delivery page and the person’s teams in it', async () => {
    const orgs: OrgMembership[] = [
      {
        login: 'acme-corp',
        name: 'Acme',
        teams: [
          { slug: 'core', name: 'Core', description: null, parentSlug: null, members: 3 },
          { slug: 'core-web', name: 'Core Web', description: null, parentSlug: 'core', members: 1 },
        ],
      },
      { login: 'tools', name: null, teams: [] },
    ];
    const { el } = await open('/orgs', (req) => req.flush(orgs));
    expect(el.querySelector('h1')?.textContent).toBe('Organizations');
    expect([...el.querySelectorAll('h2')].map((h) => h.textContent?.trim())).toEqual(['Acme', 'tools']);
    expect(el.querySelector('a[href="/orgs/acme-corp/delivery"]')).not.toBeNull();
    expect(el.querySelector('a[href="/orgs/acme-corp/teams/core-web"]')?.parentElement?.textContent).toMatch(
      /Core Web\s+1 member\s+· in core/,
    );
    expect(el.textContent).toContain('No teams yet');
  });

  it('says how an organization gets here when there is none', async () => {
    const { el } = await open('/orgs', (req) => req.flush([]));
    expect(el.textContent).toContain('No organization yet');
    expect(el.querySelector('a[href="/repos"]')?.textContent).toContain('Track a repository');
  });

  it('says what failed when the list cannot be loaded', async () => {
    const { el } = await open('/orgs', (req) =>
      req.flush({ code: 'internal', message: 'boom' }, { status: 503, statusText: 'Unavailable' }),
    );
    expect(el.querySelector('[role="alert"]')?.textContent).toContain('Could not load your organizations');
  });

  it('sends /people to the organizations, where people are listed by team', async () => {
    const { harness } = await open('/people', (req) => req.flush([]));
    expect(TestBed.inject(Router).url).toBe('/orgs');
    expect(harness.routeNativeElement?.querySelector('h1')?.textContent).toBe('Organizations');
  });
});
