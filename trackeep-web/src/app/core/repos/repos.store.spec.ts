import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { LiveEvent } from '@trackeep/contracts';
import { Subject, filter } from 'rxjs';
import { aGithubRepo, aTrackedRepo } from '../../../testing/fixtures';
import { firstPageOf, onlyPage } from '../../../testing/pages';
import { LiveEvents } from '../live/live-events.service';
import { ReposStore } from './repos.store';

describe(ReposStore.name, () => {
  let sut: ReposStore;
  let backend: HttpTestingController;
  const live = new Subject<LiveEvent>();

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        { provide: LiveEvents, useValue: { ofType: (t: string) => live.pipe(filter((e) => e.type === t)) } },
      ],
    });
    sut = TestBed.inject(ReposStore);
    backend = TestBed.inject(HttpTestingController);
    const tracked = sut.loadTracked();
    backend.expectOne(firstPageOf('/api/v1/repos')).flush(onlyPage([aTrackedRepo({ id: 'r1' })]));
    await tracked;
    const accessible = sut.loadAccessible();
    backend
      .expectOne(firstPageOf('/api/v1/github/repos'))
      .flush(
        onlyPage([
          aGithubRepo({ name: 'widgets', tracked: true }),
          aGithubRepo({ name: 'gears', githubId: 2 }),
        ]),
      );
    await accessible;
  });

  afterEach(() => backend.verify());

  const accessibleTracked = () =>
    Object.fromEntries((sut.accessible().data ?? []).map((r) => [r.name, r.tracked]));

  it('shows a track toggle at once, then lists the repository the API tracked', async () => {
    const done = sut.setTracked(aGithubRepo({ name: 'gears' }), true);
    expect(accessibleTracked()).toEqual({ widgets: true, gears: true });
    expect(sut.toggling().has('acme/gears')).toBe(true);
    const req = backend.expectOne('/api/v1/repos/acme/gears/track');
    expect(req.request.method).toBe('POST');
    req.flush(aTrackedRepo({ id: 'r2', name: 'gears' }), { status: 201, statusText: 'Created' });
    await done;
    expect(sut.toggling().size).toBe(0);
    expect(sut.tracked().data?.map((r) => r.name)).toEqual(['widgets', 'gears']);
  });

  it('undoes the toggle and rethrows when the API refuses', async () => {
    const done = sut.setTracked(aGithubRepo({ name: 'gears' }), true);
    backend
      .expectOne('/api/v1/repos/acme/gears/track')
      .flush(
        { statusCode: 404, error: 'Not Found', message: 'gone' },
        { status: 404, statusText: 'Not Found' },
      );
    await expect(done).rejects.toMatchObject({ status: 404 });
    expect(accessibleTracked()).toEqual({ widgets: true, gears: false });
  });

  it('removes an untracked repository from the tracked list right away', async () => {
    const done = sut.setTracked(aGithubRepo({ name: 'widgets' }), false);
    expect(sut.tracked().data).toEqual([]);
    const req = backend.expectOne('/api/v1/repos/acme/widgets/track');
    expect(req.request.method).toBe('DELETE');
    req.flush(null, { status: 204, statusText: 'No Content' });
    await done;
    expect(accessibleTracked()['widgets']).toBe(false);
  });

  it('ignores a second click while the first toggle is still on its way', async () => {
    const first = sut.setTracked(aGithubRepo({ name: 'gears' }), true);
    await sut.setTracked(aGithubRepo({ name: 'gears' }), false);
    backend.expectOne('/api/v1/repos/acme/gears/track').flush(aTrackedRepo({ id: 'r2', name: 'gears' }));
    await first;
    expect(accessibleTracked()['gears']).toBe(true);
  });

  it('reloads the tracked list once after syncs finish, so "last sync" and counters are current', async () => {
    jest.useFakeTimers();
    try {
      const finished = (repoId: string) =>
        live.next({
          type: 'sync_progress',
          repoId,
          repoFullName: 'acme/widgets',
          runId: repoId,
          progress: 100,
          status: 'succeeded',
        });
      live.next({
        type: 'sync_progress',
        repoId: 'r1',
        repoFullName: 'acme/widgets',
        runId: 'x',
        progress: 50,
        status: 'running',
      });
      finished('r1');
      finished('r2');
      jest.advanceTimersByTime(600);
      backend
        .expectOne(firstPageOf('/api/v1/repos'))
        .flush(onlyPage([aTrackedRepo({ id: 'r1', lastSyncStatus: 'succeeded' })]));
    } finally {
      jest.useRealTimers();
    }
  });

  it('follows the pages of the tracked list, showing the first before the rest arrive', async () => {
    const fresh = TestBed.runInInjectionContext(() => new ReposStore());
    const done = fresh.loadTracked();
    const first = backend.expectOne(firstPageOf('/api/v1/repos'));
    expect(first.request.params.get('limit')).toBe('100');
    first.flush({ items: [aTrackedRepo({ id: 'a', name: 'a' })], nextCursor: 'c1' });
    await new Promise((r) => setTimeout(r, 0));
    expect(fresh.tracked()).toMatchObject({ loading: true, data: [expect.objectContaining({ id: 'a' })] });
    backend
      .expectOne((req) => req.url === '/api/v1/repos' && req.params.get('cursor') === 'c1')
      .flush(onlyPage([aTrackedRepo({ id: 'b', name: 'b' })]));
    await done;
    expect(fresh.tracked()).toEqual({
      loading: false,
      error: null,
      data: [expect.objectContaining({ id: 'a' }), expect.objectContaining({ id: 'b' })],
    });
  });

  it('keeps the shown list while a reload follows its pages, then swaps it whole', async () => {
    const done = sut.loadTracked();
    backend
      .expectOne(firstPageOf('/api/v1/repos'))
      .flush({ items: [aTrackedRepo({ id: 'r3' })], nextCursor: 'c1' });
    await new Promise((r) => setTimeout(r, 0));
    expect(sut.tracked().data?.map((r) => r.id)).toEqual(['r1']);
    backend
      .expectOne((req) => req.params.get('cursor') === 'c1')
      .flush(onlyPage([aTrackedRepo({ id: 'r2' })]));
    await done;
    expect(sut.tracked().data?.map((r) => r.id)).toEqual(['r3', 'r2']);
  });

  it('follows the GitHub pages of the accessible list', async () => {
    const done = sut.loadAccessible();
    backend
      .expectOne(firstPageOf('/api/v1/github/repos'))
      .flush({ items: [aGithubRepo({ name: 'one', githubId: 1 })], nextCursor: 'g2' });
    await new Promise((r) => setTimeout(r, 0));
    backend
      .expectOne((req) => req.url === '/api/v1/github/repos' && req.params.get('cursor') === 'g2')
      .flush(onlyPage([aGithubRepo({ name: 'two', githubId: 2 })]));
    await done;
    expect(sut.accessible().data?.map((r) => r.name)).toEqual(['one', 'two']);
  });

  it('replaces a tracked repository when the live stream reports a change', () => {
    live.next({ type: 'repo_changed', repo: aTrackedRepo({ id: 'r1', stars: 99 }) });
    expect(sut.tracked().data?.[0]?.stars).toBe(99);
  });
});
