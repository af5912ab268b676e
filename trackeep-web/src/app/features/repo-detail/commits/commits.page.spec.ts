import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import type { Branch, TrackedRepo } from '@trackeep/contracts';
import { EMPTY } from 'rxjs';
import { aTrackedRepo } from '../../../../testing/fixtures';
import type { Loadable } from '../../../core/repos/repos.store';
import { RepoDetailStore } from '../repo-detail.store';
import { CommitsPage } from './commits.page';
import { CommitsStore } from './commits.store';

describe(CommitsPage.name, () => {
  let backend: HttpTestingController;
  const repo = signal<Loadable<TrackedRepo>>({ data: null, loading: true, error: null });

  beforeEach(() => {
    repo.set({ data: null, loading: true, error: null });
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([{ path: 'commits', component: CommitsPage, providers: [CommitsStore] }]),
        {
          provide: RepoDetailStore,
          useValue: {
            key: signal({ owner: 'acme', name: 'app' }),
            repo,
            fullName: signal('acme/app'),
            branches: signal<Loadable<Branch[]>>({ data: [], loading: false, error: null }),
            ensureBranches: () => undefined,
            activity$: EMPTY,
            synced$: EMPTY,
          },
        },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  });
  afterEach(() => backend.verify());

  const settle = async (harness: RouterTestingHarness) => {
    await new Promise((r) => setTimeout(r, 0));
    harness.detectChanges();
    await harness.fixture.whenStable();
  };
  const asked = () => backend.expectOne((r) => r.url === '/api/v1/repos/acme/app/commits');

  it('lists the default branch when no branch is chosen, as its label says, a chosen branch, or all of them', async () => {
    const harness = await RouterTestingHarness.create('/commits');
    await settle(harness);
    // The default branch's name comes with the repository: nothing is asked before it is known.
    backend.expectNone((r) => r.url.endsWith('/commits'));

    repo.set({ data: aTrackedRepo({ defaultBranch: 'trunk' }), loading: false, error: null });
    await settle(harness);
    const first = asked();
    expect(first.request.params.get('branch')).toBe('trunk');
    first.flush({ items: [], nextCursor: null });
    await settle(harness);
    expect(harness.routeNativeElement?.querySelector('mat-select')?.textContent).toContain('Default branch');

    await harness.navigateByUrl('/commits?branch=feature%2Fx');
    await settle(harness);
    const chosen = asked();
    expect(chosen.request.params.get('branch')).toBe('feature/x');
    chosen.flush({ items: [], nextCursor: null });

    await harness.navigateByUrl('/commits?branch=*');
    await settle(harness);
    const all = asked();
    expect(all.request.params.has('branch')).toBe(false);
    all.flush({ items: [], nextCursor: null });
    await settle(harness);
    expect(harness.routeNativeElement?.querySelector('mat-select')?.textContent).toContain('All branches');
  });
});
