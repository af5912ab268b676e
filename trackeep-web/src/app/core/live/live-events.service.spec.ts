import { TestBed } from '@angular/core/testing';
import type { LiveEvent } from '@trackeep/contracts';
import { FakeEventSource } from '../../../testing/fake-event-source';
import { aMe, anActivity, aTrackedRepo } from '../../../testing/fixtures';
import { AuthStore } from '../auth/auth.store';
import { parseLiveEvent } from './live-event.parser';
import { EVENT_SOURCE_FACTORY, LiveEvents, STREAM_URL } from './live-events.service';

describe(parseLiveEvent.name, () => {
  it('reads the full LiveEvent envelope', () => {
    const event: LiveEvent = { type: 'activity', activity: anActivity() };
    expect(parseLiveEvent('activity', JSON.stringify(event))).toEqual(event);
  });

  it('accepts a bare payload and wraps it by the SSE event name', () => {
    expect(parseLiveEvent('activity', JSON.stringify(anActivity({ id: '9' })))).toEqual({
      type: 'activity',
      activity: anActivity({ id: '9' }),
    });
    expect(parseLiveEvent('repo_changed', JSON.stringify(aTrackedRepo()))).toEqual({
      type: 'repo_changed',
      repo: aTrackedRepo(),
    });
  });

  it('ignores malformed or unrelated messages instead of throwing', () => {
    expect(parseLiveEvent('activity', 'not json')).toBeNull();
    expect(parseLiveEvent('activity', '42')).toBeNull();
    expect(parseLiveEvent('activity', '{"hello":1}')).toBeNull();
    expect(parseLiveEvent('unknown', '{"type":"x"}')).toBeNull();
  });
});

describe(LiveEvents.name, () => {
  let sut: LiveEvents;
  const refresh = jest.fn();

  beforeEach(() => {
    jest.useFakeTimers();
    FakeEventSource.instances = [];
    refresh.mockReset();
    TestBed.configureTestingModule({
      providers: [
        { provide: EVENT_SOURCE_FACTORY, useValue: (url: string) => new FakeEventSource(url) },
        { provide: AuthStore, useValue: { refresh } },
      ],
    });
    sut = TestBed.inject(LiveEvents);
  });

  afterEach(() => {
    sut.disconnect();
    jest.useRealTimers();
  });

  it('opens one stream on the API and reports when it is live', () => {
    sut.connect();
    sut.connect();
    expect(FakeEventSource.instances).toHaveLength(1);
    expect(FakeEventSource.latest().url).toBe(STREAM_URL);
    expect(sut.status()).toBe('connecting');
    FakeEventSource.latest().open();
    expect(sut.status()).toBe('open');
  });

  it('delivers activity, progress and repository changes by type', () => {
    const activity: unknown[] = [];
    const progress: unknown[] = [];
    sut.activity$.subscribe((a) => activity.push(a));
    sut.ofType('sync_progress').subscribe((p) => progress.push(p));
    sut.connect();
    const source = FakeEventSource.latest();
    source.open();
    source.emit('activity', { type: 'activity', activity: anActivity({ id: '5' }) }, '5');
    source.emit('sync_progress', {
      type: 'sync_progress',
      repoId: 'r1',
      repoFullName: 'acme/widgets',
      runId: 'x',
      progress: 40,
      status: 'running',
    });
    expect(activity).toEqual([anActivity({ id: '5' })]);
    expect(progress).toEqual([expect.objectContaining({ progress: 40 })]);
  });

  it('lets the browser resume by itself after a blip, then tells stores to catch up', () => {
    const resumed = jest.fn();
    sut.resumed$.subscribe(resumed);
    sut.connect();
    const source = FakeEventSource.latest();
    source.open();
    source.blip();
    expect(sut.status()).toBe('reconnecting');
    expect(FakeEventSource.instances).toHaveLength(1);
    source.open();
    expect(resumed).toHaveBeenCalledTimes(1);
    expect(sut.status()).toBe('open');
  });

  it('checks the session and reconnects with back-off, from the last event seen, when the stream is refused', async () => {
    refresh.mockResolvedValue(aMe());
    sut.connect();
    FakeEventSource.latest().open();
    FakeEventSource.latest().emit('activity', { type: 'activity', activity: anActivity({ id: '41' }) }, '41');
    FakeEventSource.latest().fail();
    expect(FakeEventSource.latest().closed).toBe(true);
    expect(sut.status()).toBe('reconnecting');
    await jest.advanceTimersByTimeAsync(1000);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(FakeEventSource.instances).toHaveLength(2);
    expect(FakeEventSource.latest().url).toBe(`${STREAM_URL}?lastEventId=41`);
  });

  it('stays offline when the session is gone (the app sends the user to sign-in)', async () => {
    refresh.mockResolvedValue(null);
    sut.connect();
    FakeEventSource.latest().fail();
    await jest.advanceTimersByTimeAsync(1000);
    expect(FakeEventSource.instances).toHaveLength(1);
    expect(sut.status()).toBe('idle');
  });

  it('closes the stream on disconnect', () => {
    sut.connect();
    const source = FakeEventSource.latest();
    sut.disconnect();
    expect(source.closed).toBe(true);
    expect(sut.status()).toBe('idle');
  });
});
