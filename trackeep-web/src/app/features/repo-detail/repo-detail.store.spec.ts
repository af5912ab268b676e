import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { ActivityEvent, LiveEvent } from '@trackeep/contracts';
import { Subject, filter, map } from 'rxjs';
import { aTrackedRepo, anActivity } from '../../../testing/fixtures';
import { LiveEvents } from '../../core/live/live-events.service';
import { RepoDetailStore } from './repo-detail.store';

const flushMicrotasks = () => new Promise((r) => setTimeout(r, 0));

describe(RepoDetailStore.name, () => {
  let sut: RepoDetailStore;
  let backend: HttpTestingController;
  let live: Subject<LiveEvent>;

  beforeEach(async () => {
    live = new Subject<LiveEvent>();
    TestBed.configureTestingModule({
      providers: [
        RepoDetailStore,
        provideHttpClient(),
        provideHttpClientTesting(),
        {
          provide: LiveEvents,
          useValue: {
            ofType: (t: string) => live.pipe(filter((e) => e.type === t)),
            activity$: live.pipe(
              filter((e): e is Extract<LiveEvent, { type: 'activity' }> => e.type === 'activity'),
              map((e): ActivityEvent => e.activity),
            ),
            resumed$: new Subject<void>(),
          },
        },
      ],
    });
    sut = TestBed.inject(RepoDetailStore);
    backend = TestBed.inject(HttpTestingController);
    sut.select('acme', 'widgets');
    answerHeader();
    await flushMicrotasks();
  });

  afterEach(() => backend.verify());

  function answerHeader(stars = 10) {
    backend.expectOne('/api/v1/repos/acme/widgets').flush(aTrackedRepo({ id: 'r1', stars }));
    // The whole history, from before tracking began (the API's default is the last 90 days).
    backend
      .expectOne(
        (r) => r.url === '/api/v1/repos/acme/widgets/stats/history' && r.params.get('since') === '2000-01-01',
      )
      .flush([]);
    backend
      .expectOne((r) => r.url === '/api/v1/activity' && r.params.get('repo') === 'acme/widgets')
      .flush({ items: [anActivity({ id: '1' })], nextCursor: null });
  }

  it('loads the header, history and recent activity of the selected repository once', () => {
    expect(sut.repo().data?.stars).toBe(10);
    expect(sut.recentActivity().data?.map((e) => e.id)).toEqual(['1']);
    sut.select('acme', 'widgets');
    backend.expectNone('/api/v1/repos/acme/widgets');
  });

  it('says "not tracked" when the API answers repo_not_found', async () => {
    sut.select('acme', 'gone');
    backend
      .expectOne('/api/v1/repos/acme/gone')
      .flush(
        { statusCode: 404, error: 'Not Found', message: 'nope', code: 'repo_not_found' },
        { status: 404, statusText: 'Not Found' },
      );
    backend.expectOne((r) => r.url.endsWith('/stats/history')).flush([]);
    backend.expectOne((r) => r.url === '/api/v1/activity').flush({ items: [], nextCursor: null });
    await flushMicrotasks();
    expect(sut.notFound()).toBe(true);
  });

  it('puts live activity of this repository on top, highlighted, and ignores other repositories', () => {
    const seen: string[] = [];
    sut.activity$.subscribe((e) => seen.push(e.id));
    live.next({ type: 'activity', activity: anActivity({ id: '2', repoId: 'r1' }) });
    live.next({
      type: 'activity',
      activity: anActivity({ id: '3', repoId: 'other', repoFullName: 'acme/gears' }),
    });
    expect(sut.recentActivity().data?.map((e) => e.id)).toEqual(['2', '1']);
    expect(sut.fresh.has('2')).toBe(true);
    expect(seen).toEqual(['2']);
  });

  it('follows a running sync and reloads everything when it finishes', async () => {
    const synced = jest.fn();
    sut.synced$.subscribe(synced);
    const progress = (p: number, status: 'running' | 'succeeded') =>
      live.next({
        type: 'sync_progress',
        repoId: 'r1',
        repoFullName: 'acme/widgets',
        runId: 'x',
        progress: p,
        status,
      });
    progress(37.6, 'running');
    expect(sut.syncProgress()).toBe(38);
    progress(100, 'succeeded');
    expect(sut.syncProgress()).toBeNull();
    expect(synced).toHaveBeenCalledTimes(1);
    answerHeader(11);
    await flushMicrotasks();
    expect(sut.repo().data?.stars).toBe(11);
  });

  it('takes a changed repository from the live stream', () => {
    live.next({ type: 'repo_changed', repo: aTrackedRepo({ id: 'r1', stars: 99 }) });
    expect(sut.repo().data?.stars).toBe(99);
  });
});
