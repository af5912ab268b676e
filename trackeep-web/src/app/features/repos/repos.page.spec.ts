import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { EMPTY } from 'rxjs';
import { aGithubRepo, aTrackedRepo } from '../../../testing/fixtures';
import { LiveEvents } from '../../core/live/live-events.service';
import { ReposPage } from './repos.page';
import { buttonNamed, query, routeEl } from '../../../testing/dom';
import { firstPageOf, onlyPage } from '../../../testing/pages';

async function settle(harness: RouterTestingHarness): Promise<void> {
  await new Promise((r) => setTimeout(r, 0));
  await harness.fixture.whenStable();
}

describe(ReposPage.name, () => {
  let backend: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([{ path: 'repos', component: ReposPage }]),
        { provide: LiveEvents, useValue: { ofType: () => EMPTY } },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => backend.verify());

  it('shows skeletons of the final size while loading, then a card per tracked repository', async () => {
    const harness = await RouterTestingHarness.create('/repos');
    const el = routeEl(harness);
    expect(el.querySelectorAll('.skeleton-card')).toHaveLength(6);
    backend
      .expectOne(firstPageOf('/api/v1/repos'))
      .flush(
        onlyPage([
          aTrackedRepo({ id: 'r1', name: 'widgets', stars: 1234 }),
          aTrackedRepo({ id: 'r2', name: 'gears' }),
        ]),
      );
    await settle(harness);
    expect(el.querySelectorAll('.skeleton-card')).toHaveLength(0);
    const cards = [...el.querySelectorAll('trk-tracked-repo-card')];
    // Same last push: the name decides.
    expect(cards.map((c) => query(c, 'h2').textContent?.trim())).toEqual(['acme/gears', 'acme/widgets']);
    expect(cards[1]?.textContent).toContain('1.2K');
    expect(cards[1]?.textContent).toContain('Webhook active');
  });

  it('invites a new user to pick repositories when nothing is tracked yet', async () => {
    const harness = await RouterTestingHarness.create('/repos');
    backend.expectOne(firstPageOf('/api/v1/repos')).flush(onlyPage([]));
    await settle(harness);
    expect(routeEl(harness).textContent).toContain('You are not tracking any repository yet');
    expect(routeEl(harness).textContent).toContain('Browse your repositories');
  });

  it('filters by the search in the URL and offers to clear it when nothing matches', async () => {
    const harness = await RouterTestingHarness.create('/repos?q=nothing-like-this');
    backend.expectOne(firstPageOf('/api/v1/repos')).flush(onlyPage([aTrackedRepo()]));
    await settle(harness);
    expect(routeEl(harness).textContent).toContain('No tracked repository matches');
    const clear = buttonNamed(routeEl(harness), /Clear filters/);
    clear.click();
    await settle(harness);
    expect(TestBed.inject(Router).url).toBe('/repos');
    expect(routeEl(harness).querySelectorAll('trk-tracked-repo-card')).toHaveLength(1);
  });

  it('lists accessible repositories with a track switch that calls the API', async () => {
    const harness = await RouterTestingHarness.create('/repos?tab=all');
    backend.expectOne(firstPageOf('/api/v1/repos')).flush(onlyPage([]));
    backend
      .expectOne(firstPageOf('/api/v1/github/repos'))
      .flush(onlyPage([aGithubRepo({ name: 'widgets' })]));
    await settle(harness);
    const toggle = query<HTMLButtonElement>(routeEl(harness), 'button[role="switch"]');
    expect(toggle.getAttribute('aria-label')).toBe('Track acme/widgets');
    expect(toggle.getAttribute('aria-checked')).toBe('false');
    toggle.click();
    await settle(harness);
    const req = backend.expectOne('/api/v1/repos/acme/widgets/track');
    expect(req.request.method).toBe('POST');
    req.flush(aTrackedRepo());
    await settle(harness);
    expect(toggle.getAttribute('aria-checked')).toBe('true');
  });
});
