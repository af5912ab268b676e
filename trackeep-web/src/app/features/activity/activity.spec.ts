import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import type { ActivityEvent } from '@trackeep/contracts';
import { Subject } from 'rxjs';
import { anActivity } from '../../../testing/fixtures';
import { LiveEvents } from '../../core/live/live-events.service';
import { ReposStore } from '../../core/repos/repos.store';
import { ActivityPage } from './activity.page';
import { ActivityStore, matchesActivityFilters } from './activity.store';
import { query, routeEl } from '../../../testing/dom';

describe(matchesActivityFilters.name, () => {
  it('matches every event without filters, and by repository (any case) and type otherwise', () => {
    const push = anActivity({ repoFullName: 'acme/widgets', type: 'push' });
    expect(matchesActivityFilters(push, { repo: '', type: '' })).toBe(true);
    expect(matchesActivityFilters(push, { repo: 'ACME/Widgets', type: 'push' })).toBe(true);
    expect(matchesActivityFilters(push, { repo: 'acme/gears', type: '' })).toBe(false);
    expect(matchesActivityFilters(push, { repo: '', type: 'pr_merged' })).toBe(false);
  });
});

describe('activity timeline', () => {
  let backend: HttpTestingController;
  const activity = new Subject<ActivityEvent>();
  const resumed = new Subject<void>();

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([{ path: 'activity', component: ActivityPage, providers: [ActivityStore] }]),
        { provide: LiveEvents, useValue: { activity$: activity, resumed$: resumed, status: signal('open') } },
        {
          provide: ReposStore,
          useValue: {
            tracked: signal({ data: [], loading: false, error: null }),
            ensureTracked: () => undefined,
          },
        },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => backend.verify());

  async function openTimeline(url = '/activity') {
    const harness = await RouterTestingHarness.create(url);
    const req = backend.expectOne((r) => r.url === '/api/v1/activity');
    return { harness, req };
  }

  it('shows past events newest first with a way to load older ones', async () => {
    const { harness, req } = await openTimeline();
    expect(req.request.params.get('limit')).toBe('50');
    req.flush({
      items: [anActivity({ id: '2', title: 'newer' }), anActivity({ id: '1', title: 'older' })],
      nextCursor: 'c2',
    });
    await harness.fixture.whenStable();
    const items = [...routeEl(harness).querySelectorAll('[data-event-id]')];
    expect(items.map((li) => li.getAttribute('data-event-id'))).toEqual(['2', '1']);
    expect(routeEl(harness).textContent).toContain('Load older activity');
  });

  it('puts a live event on top with a highlight and announces it', async () => {
    const { harness, req } = await openTimeline();
    req.flush({ items: [anActivity({ id: '1' })], nextCursor: null });
    await harness.fixture.whenStable();
    activity.next(anActivity({ id: '9', title: 'hubot merged #42', type: 'pr_merged' }));
    await harness.fixture.whenStable();
    const first = query(routeEl(harness), '[data-event-id]');
    expect(first.getAttribute('data-event-id')).toBe('9');
    expect(first.classList).toContain('fresh');
    expect(query(routeEl(harness), '[data-testid="live-announcement"]').textContent).toContain(
      'hubot merged #42',
    );
  });

  it('leaves out live events that do not match the filters', async () => {
    const { harness, req } = await openTimeline('/activity?repo=acme/gears');
    expect(req.request.params.get('repo')).toBe('acme/gears');
    req.flush({ items: [], nextCursor: null });
    await harness.fixture.whenStable();
    activity.next(anActivity({ id: '9', repoFullName: 'acme/widgets' }));
    await harness.fixture.whenStable();
    expect(routeEl(harness).querySelectorAll('[data-event-id]')).toHaveLength(0);
    expect(routeEl(harness).textContent).toContain('No activity matches these filters');
  });

  it('fetches the head again after the stream was interrupted', async () => {
    const { harness, req } = await openTimeline();
    req.flush({ items: [anActivity({ id: '1' })], nextCursor: null });
    await harness.fixture.whenStable();
    resumed.next();
    backend
      .expectOne((r) => r.url === '/api/v1/activity')
      .flush({ items: [anActivity({ id: '3' }), anActivity({ id: '1' })], nextCursor: null });
    await new Promise((r) => setTimeout(r, 0));
    await harness.fixture.whenStable();
    const ids = [...routeEl(harness).querySelectorAll('[data-event-id]')].map((li) =>
      li.getAttribute('data-event-id'),
    );
    expect(ids).toEqual(['3', '1']);
  });
});
