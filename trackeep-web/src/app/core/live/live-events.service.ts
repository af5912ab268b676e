import { Injectable, InjectionToken, inject, signal } from '@angular/core';
import type { ActivityEvent, LiveEvent } from '@trackeep/contracts';
import { Subject, filter, map, type Observable } from 'rxjs';
import { API_BASE } from '../api/api-paths';
import { AuthStore } from '../auth/auth.store';
import { LIVE_EVENT_TYPES, parseLiveEvent } from './live-event.parser';

/** The part of EventSource this service uses; tests hand in a fake. */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((ev: Event) => unknown) | null;
  onerror: ((ev: Event) => unknown) | null;
  addEventListener(type: string, listener: (ev: MessageEvent<string>) => void): void;
  close(): void;
}

export const EVENT_SOURCE_FACTORY = new InjectionToken<(url: string) => EventSourceLike>(
  'EVENT_SOURCE_FACTORY',
  {
    providedIn: 'root',
    factory: () => (url: string) => new EventSource(url) as unknown as EventSourceLike,
  },
);

export const STREAM_URL = `${API_BASE}/events/stream`;
const CLOSED = 2;
const RETRY_MS = [1000, 2000, 5000, 10000, 30000];

export type LiveStatus = 'idle' | 'connecting' | 'open' | 'reconnecting';

/**
 * One server-sent event stream for the whole dashboard. EventSource resumes by itself with Last-Event-ID after
 * a network blip; when the server refuses the stream outright (closed state, e.g. the session ended) we check
 * the session, then reconnect with back-off from the last id seen, and tell stores to catch up (`resumed$`).
 */
@Injectable({ providedIn: 'root' })
export class LiveEvents {
  private readonly createSource = inject(EVENT_SOURCE_FACTORY);
  private readonly auth = inject(AuthStore);
  private readonly events = new Subject<LiveEvent>();
  private readonly resumed = new Subject<void>();
  private source: EventSourceLike | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private wasOpen = false;
  /** Id of the last activity received, so a fresh connection can ask for what it missed. */
  private lastEventId: string | null = null;

  readonly status = signal<LiveStatus>('idle');
  readonly events$: Observable<LiveEvent> = this.events.asObservable();
  /** Fires when the stream is back after a gap, so lists can fetch what they may have missed. */
  readonly resumed$: Observable<void> = this.resumed.asObservable();
  readonly activity$: Observable<ActivityEvent> = this.events$.pipe(
    filter((e): e is Extract<LiveEvent, { type: 'activity' }> => e.type === 'activity'),
    map((e) => e.activity),
  );

  ofType<T extends LiveEvent['type']>(type: T): Observable<Extract<LiveEvent, { type: T }>> {
    return this.events$.pipe(filter((e): e is Extract<LiveEvent, { type: T }> => e.type === type));
  }

  connect(): void {
    if (this.source) return;
    this.status.set(this.wasOpen ? 'reconnecting' : 'connecting');
    // A new EventSource does not send Last-Event-ID; the API takes the same value as a query parameter.
    const source = this.createSource(
      this.lastEventId ? `${STREAM_URL}?lastEventId=${encodeURIComponent(this.lastEventId)}` : STREAM_URL,
    );
    this.source = source;
    source.onopen = () => {
      if (this.wasOpen || this.failures > 0) this.resumed.next();
      this.failures = 0;
      this.wasOpen = true;
      this.status.set('open');
    };
    source.onerror = () => {
      if (source.readyState === CLOSED) {
        this.dropSource();
        this.scheduleRetry();
      } else {
        // The browser retries by itself and sends Last-Event-ID.
        this.status.set('reconnecting');
      }
    };
    for (const type of LIVE_EVENT_TYPES) {
      source.addEventListener(type, (message) => {
        if (message.lastEventId) this.lastEventId = message.lastEventId;
        const event = parseLiveEvent(type, message.data);
        if (event) this.events.next(event);
      });
    }
  }

  disconnect(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.dropSource();
    this.failures = 0;
    this.wasOpen = false;
    this.lastEventId = null;
    this.status.set('idle');
  }

  private dropSource(): void {
    this.source?.close();
    this.source = null;
  }

  private scheduleRetry(): void {
    this.status.set('reconnecting');
    const delay = RETRY_MS[Math.min(this.failures, RETRY_MS.length - 1)];
    this.failures++;
    this.retryTimer = setTimeout(async () => {
      this.retryTimer = null;
      // A refused stream is often an ended session; asking /auth/me lets the app send the user to sign-in.
      const me = await this.auth.refresh();
      if (me) this.connect();
      else this.status.set('idle');
    }, delay);
  }
}
