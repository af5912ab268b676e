import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { WEEKLY_CHART_DEFAULT_WEEKS, type ActivityEvent, type CycleTimeSummary } from '@trackeep/contracts';
import { Subject } from 'rxjs';
import { aPull, anActivity } from '../../../../testing/fixtures';
import { RepoDetailStore } from '../repo-detail.store';
import { type PullFilters, PullsStore } from './pulls.store';

const flushMicrotasks = () => new Promise((r) => setTimeout(r, 0));
const OPEN: PullFilters = { tab: 'open', author: '', sort: 'created' };
const PULLS = '/api/v1/repos/acme/widgets/pulls';
const CYCLE_TIME = '/api/v1/repos/acme/widgets/pulls/cycle-time';

function summary(merged: number, medianSeconds: number | null): CycleTimeSummary {
  return { weeks: [{ week: '2026-03-09', merged, medianSeconds }], merged, medianSeconds };
}

describe(PullsStore.name, () => {
  let sut: PullsStore;
  let backend: HttpTestingController;
  let activity: Subject<ActivityEvent>;

  beforeEach(async () => {
    activity = new Subject<ActivityEvent>();
    TestBed.configureTestingModule({
      providers: [
        PullsStore,
        provideHttpClient(),
        provideHttpClientTesting(),
        {
          provide: RepoDetailStore,
          useValue: {
            key: signal({ owner: 'acme', name: 'widgets' }),
            activity$: activity,
            synced$: new Subject<void>(),
          },
        },
      ],
    });
    sut = TestBed.inject(PullsStore);
    backend = TestBed.inject(HttpTestingController);
    sut.show(OPEN);
    backend
      .expectOne((r) => r.url === PULLS && r.params.get('state') === 'open')
      .flush({ items: [aPull({ number: 1 })], nextCursor: null });
    const first = backend.expectOne((r) => r.url === CYCLE_TIME);
    expect(first.request.params.get('weeks')).toBe(String(WEEKLY_CHART_DEFAULT_WEEKS));
    first.flush(summary(3, 4 * 3600));
    await flushMicrotasks();
  });

  afterEach(() => backend.verify());

  it('asks the API for the cycle time of the recent weeks once per repository, not for pages of merged pull requests', () => {
    expect(sut.cycleTime()).toEqual({ data: summary(3, 4 * 3600), loading: false, error: null });
    sut.show({ ...OPEN, author: 'hubot' });
    backend
      .expectOne((r) => r.url === PULLS && r.params.get('author') === 'hubot')
      .flush({ items: [], nextCursor: null });
    backend.expectNone((r) => r.url === CYCLE_TIME);
    backend.expectNone((r) => r.url === PULLS && r.params.get('state') === 'merged');
  });

  it('reloads the cycle time when a pull request is merged live', async () => {
    activity.next(anActivity({ id: '7', type: 'pr_merged' }));
    activity.next(anActivity({ id: '8', type: 'push' }));
    await new Promise((r) => setTimeout(r, 250)); // the store waits 200 ms for more pull request events
    backend
      .expectOne((r) => r.url === PULLS)
      .flush({ items: [aPull({ number: 2 }), aPull({ number: 1 })], nextCursor: null });
    await flushMicrotasks();
    backend.expectOne((r) => r.url === CYCLE_TIME).flush(summary(4, 5 * 3600));
    await flushMicrotasks();
    expect(sut.cycleTime().data?.medianSeconds).toBe(5 * 3600);
    expect(sut.fresh.ids().has('2')).toBe(true);
  });

  it('keeps the figures it shows when a refresh fails, and says why', async () => {
    activity.next(anActivity({ id: '9', type: 'pr_closed' }));
    await new Promise((r) => setTimeout(r, 250));
    backend.expectOne((r) => r.url === PULLS).flush({ items: [aPull({ number: 1 })], nextCursor: null });
    await flushMicrotasks();
    backend
      .expectOne((r) => r.url === CYCLE_TIME)
      .flush(
        { statusCode: 503, error: 'Service Unavailable', message: 'database unavailable' },
        { status: 503, statusText: 'Service Unavailable' },
      );
    await flushMicrotasks();
    expect(sut.cycleTime().data).toEqual(summary(3, 4 * 3600));
    expect(sut.cycleTime().error).toMatch(/unavailable/i);
  });
});
