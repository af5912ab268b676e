import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { ActivityEvent, LiveEvent } from '@trackeep/contracts';
import { ActivityFeedRepository } from './activity-feed.repository';
import { isLiveEvent, LiveEventsRepository, type LiveListener, type SqlTx } from './live-events.repository';

export type { SqlTx } from './live-events.repository';

/** A live event and the repository it concerns (for visibility). */
export type PublishedEvent = LiveEvent & { repoId: string };

/** A live event as subscribers on this replica receive it. */
export interface LiveEnvelope {
  repoId: string;
  event: LiveEvent;
}

/** An activity_events row, by id. */
export interface LiveActivity {
  repoId: string;
  id: string;
}

/** Everything one transaction announces, sent by one `publish` call. Every field is optional. */
export interface LiveBatch {
  /** activity_events rows the transaction wrote, in the order they were written. */
  activity?: readonly LiveActivity[];
  /** Other live events (sync progress, ...): carried inline when small, through the outbox when not. */
  events?: readonly PublishedEvent[];
  /** Repositories whose row, counters, sync state or webhook health changed (subscribeRepoChanges). */
  reposChanged?: readonly string[];
}

/** NOTIFY payloads must stay under 8000 bytes; bigger events travel through live_event_outbox by id. */
const MAX_PAYLOAD_BYTES = 7000;
const OUTBOX_RETENTION_MINUTES = 15;
/** Activity ids remembered as delivered: a catch-up that races live notices delivers none of them twice. */
const DELIVERED_IDS_KEPT = 10_000;

/**
 * One NOTIFY payload is a JSON array of notices. They stay small and never carry the content of an activity
 * (the row is the source of truth).
 */
type Notice =
  | { k: 'a'; r: string; ids: string[] } // activity_events rows of one repository, in write order
  | { k: 'e'; r: string; e: LiveEvent } // inline event
  | { k: 'o'; r: string; id: string } // live_event_outbox row
  | { k: 'r'; r: string }; // the repository's row or status changed (each replica reads it back once for all viewers)

/**
 * Cross-replica live events; the only place that knows how they travel. `publish(tx, batch)` sends
 * everything a transaction announces as Postgres NOTIFYs on that transaction, so listeners hear of rows only
 * once they are committed, and nothing at all if it rolls back. Activity ids are packed many to a NOTIFY,
 * as many as fit; an event too large for a payload goes through live_event_outbox. Every replica keeps one
 * LISTEN connection and hands what it hears to local subscribers (the SSE hub). Activity is read back from
 * activity_events once per replica, which is also where Last-Event-ID resumption reads from.
 *
 * ```ts
 * await bus.publish(tx, {
 *   activity: [{ repoId, id: '41' }, { repoId, id: '42' }], // rows written in tx
 *   events: [{ type: 'sync_progress', repoId, ... }],
 *   reposChanged: [repoId],
 * });
 * ```
 */
@Injectable()
export class EventBus implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(EventBus.name);
  private readonly subscribers = new Set<(envelope: LiveEnvelope) => void>();
  private readonly repoSubscribers = new Set<(repoId: string) => void>();
  private listener: LiveListener | null = null;
  private stopped = false;
  private reconnectDelayMs = 500;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private cleanupTimer: NodeJS.Timeout | null = null;
  /** Activity ids heard but not yet loaded; loaded together on the next tick. */
  private pendingActivity: string[] = [];
  private flushScheduled = false;
  /** Loads run one after another, so activity is delivered in the order it was heard. */
  private flushing: Promise<void> = Promise.resolve();
  /** Highest activity id delivered, to catch up after the LISTEN connection was lost. */
  private lastActivityId = 0n;
  /** The latest activity ids delivered (insertion order), once per replica rather than once per open stream. */
  private readonly delivered = new Set<string>();
  private readyResolve!: () => void;
  /** Resolves once this replica is LISTENing (tests and the SSE hub wait for it). */
  readonly ready = new Promise<void>((resolve) => (this.readyResolve = resolve));

  constructor(
    private readonly live: LiveEventsRepository,
    private readonly activity: ActivityFeedRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.connect();
    this.cleanupTimer = setInterval(() => void this.pruneOutbox(), 5 * 60_000).unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.cleanupTimer) clearInterval(this.cleanupTimer);
    const listener = this.listener;
    this.listener = null;
    await listener?.close();
  }

  /**
   * Publishes everything in `batch` to every replica, on `tx`: pass the transaction that wrote the rows, so
   * listeners hear of them only if it commits. Activity arrives
   * in the order given; events, activity and repository changes are sent in that order. One round trip for
   * the NOTIFYs, plus one to store events too large for a payload.
   */
  async publish(tx: SqlTx, batch: LiveBatch): Promise<void> {
    const notices: Notice[] = [];
    const large: PublishedEvent[] = [];
    for (const event of batch.events ?? []) {
      const { repoId, ...live } = event;
      const notice: Notice = { k: 'e', r: repoId, e: live as LiveEvent };
      if (Buffer.byteLength(JSON.stringify([notice])) <= MAX_PAYLOAD_BYTES) notices.push(notice);
      else large.push(event);
    }
    if (large.length) {
      const ids = await this.live.storeEvents(
        tx,
        large.map(({ repoId: _repoId, ...live }) => live as LiveEvent),
      );
      large.forEach((event, i) => notices.push({ k: 'o', r: event.repoId, id: ids[i] ?? '' }));
    }
    for (const { repoId, id } of batch.activity ?? []) {
      const last = notices[notices.length - 1];
      if (last?.k === 'a' && last.r === repoId) last.ids.push(id);
      else notices.push({ k: 'a', r: repoId, ids: [id] });
    }
    for (const repoId of new Set(batch.reposChanged)) notices.push({ k: 'r', r: repoId });
    await this.live.notify(tx, packNotices(notices));
  }

  /** Receives the id of every repository that changed (`reposChanged` on any replica). */
  subscribeRepoChanges(handler: (repoId: string) => void): () => void {
    this.repoSubscribers.add(handler);
    return () => this.repoSubscribers.delete(handler);
  }

  /** Receives every live event heard on this replica, unfiltered. Returns the unsubscribe function. */
  subscribe(handler: (envelope: LiveEnvelope) => void): () => void {
    this.subscribers.add(handler);
    return () => this.subscribers.delete(handler);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let listener: LiveListener;
    try {
      listener = await this.live.listen(
        (payload) => this.onPayload(payload),
        (err) => this.onLost(listener, err),
      );
    } catch (err) {
      this.onLost(null, err as Error);
      return;
    }
    if (this.stopped) {
      await listener.close();
      return;
    }
    const reconnected = this.listener === null && this.lastActivityId > 0n;
    this.listener = listener;
    this.reconnectDelayMs = 500;
    this.readyResolve();
    if (reconnected) await this.catchUp();
  }

  private onLost(listener: LiveListener | null, err: Error): void {
    if (this.stopped || (listener && listener !== this.listener && this.listener !== null)) return;
    if (listener && this.listener === listener) this.listener = null;
    if (this.reconnectTimer) return;
    this.logger.warn(
      `live event listener lost (${err.message}); reconnecting in ${this.reconnectDelayMs} ms`,
    );
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, this.reconnectDelayMs);
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, 30_000);
  }

  /** Activity written while we were not listening is read back from the table. */
  private async catchUp(): Promise<void> {
    try {
      const missed = await this.activity.findAfter(this.lastActivityId.toString(), null, 1000);
      for (const activity of missed) this.deliverActivity(activity);
    } catch (err) {
      this.logger.warn(`live event catch-up failed: ${(err as Error).message}`);
    }
  }

  private onPayload(payload: string): void {
    for (const notice of parseNotices(payload)) this.onNotice(notice);
  }

  private onNotice(notice: Notice): void {
    if (notice.k === 'r') {
      for (const handler of this.repoSubscribers) handler(notice.r);
      return;
    }
    if (this.subscribers.size === 0) {
      if (notice.k === 'a') for (const id of notice.ids) this.noteActivityId(id);
      return;
    }
    switch (notice.k) {
      case 'e':
        this.emit({ repoId: notice.r, event: notice.e });
        break;
      case 'a':
        this.pendingActivity.push(...notice.ids);
        if (!this.flushScheduled) {
          this.flushScheduled = true;
          setImmediate(() => (this.flushing = this.flushing.then(() => this.flushActivity())));
        }
        break;
      case 'o':
        void this.loadOutbox(notice.id, notice.r);
        break;
    }
  }

  private async flushActivity(): Promise<void> {
    const ids = this.pendingActivity;
    this.pendingActivity = [];
    this.flushScheduled = false;
    try {
      const rows = await this.activity.findByIds(ids);
      for (const activity of rows) this.deliverActivity(activity);
    } catch (err) {
      this.logger.warn(`could not load ${ids.length} live activity event(s): ${(err as Error).message}`);
    }
  }

  private deliverActivity(activity: ActivityEvent): void {
    if (this.delivered.has(activity.id)) return;
    this.delivered.add(activity.id);
    if (this.delivered.size > DELIVERED_IDS_KEPT)
      this.delivered.delete(this.delivered.values().next().value as string);
    this.noteActivityId(activity.id);
    this.emit({ repoId: activity.repoId, event: { type: 'activity', activity } });
  }

  private noteActivityId(id: string): void {
    if (!/^\d+$/.test(id)) return;
    const value = BigInt(id);
    if (value > this.lastActivityId) this.lastActivityId = value;
  }

  private async loadOutbox(id: string, repoId: string): Promise<void> {
    try {
      const event = await this.live.findEvent(id);
      if (event) this.emit({ repoId, event });
    } catch (err) {
      this.logger.warn(`could not load live event ${id}: ${(err as Error).message}`);
    }
  }

  private emit(envelope: LiveEnvelope): void {
    for (const handler of this.subscribers) {
      try {
        handler(envelope);
      } catch (err) {
        this.logger.error(`live event subscriber failed: ${(err as Error).message}`);
      }
    }
  }

  private async pruneOutbox(): Promise<void> {
    await this.live.deleteEventsOlderThan(OUTBOX_RETENTION_MINUTES).catch(() => undefined);
  }
}

/**
 * Packs notices, in order, into as few payloads as MAX_PAYLOAD_BYTES allows; a long activity notice is split
 * across payloads.
 */
function packNotices(notices: readonly Notice[]): string[] {
  const payloads: string[] = [];
  let parts: string[] = [];
  let partsBytes = 0;
  let open: { r: string; ids: string[]; bytes: number } | null = null;
  const size = () =>
    2 + partsBytes + (open ? open.bytes : 0) + Math.max(0, parts.length + (open ? 1 : 0) - 1);
  const close = () => {
    if (!open) return;
    parts.push(JSON.stringify({ k: 'a', r: open.r, ids: open.ids } satisfies Notice));
    partsBytes += open.bytes;
    open = null;
  };
  const flush = () => {
    close();
    if (parts.length) payloads.push(`[${parts.join(',')}]`);
    parts = [];
    partsBytes = 0;
  };
  const hasContent = () => parts.length > 0 || open !== null;
  for (const notice of notices) {
    if (notice.k === 'a') {
      for (const id of notice.ids) {
        const idBytes = Buffer.byteLength(JSON.stringify(id));
        if (open && open.r === notice.r) {
          if (size() + 1 + idBytes <= MAX_PAYLOAD_BYTES) {
            open.ids.push(id);
            open.bytes += 1 + idBytes;
            continue;
          }
          flush();
        }
        close();
        const bytes = Buffer.byteLength(JSON.stringify({ k: 'a', r: notice.r, ids: [id] } satisfies Notice));
        if (hasContent() && size() + 1 + bytes > MAX_PAYLOAD_BYTES) flush();
        open = { r: notice.r, ids: [id], bytes };
      }
      continue;
    }
    close();
    const json = JSON.stringify(notice);
    const bytes = Buffer.byteLength(json);
    if (hasContent() && size() + 1 + bytes > MAX_PAYLOAD_BYTES) flush();
    parts.push(json);
    partsBytes += bytes;
  }
  flush();
  return payloads;
}

/** The notices of one payload; anything malformed is dropped. */
function parseNotices(payload: string): Notice[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return [];
  }
  // A replica still on the previous release sends one notice per payload, an activity as `id`.
  const list: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
  return list.flatMap(toNotice);
}

function toNotice(value: unknown): Notice[] {
  if (typeof value !== 'object' || value === null || !('k' in value) || !('r' in value)) return [];
  const r = value.r;
  if (typeof r !== 'string') return [];
  const id = 'id' in value && typeof value.id === 'string' ? value.id : null;
  switch (value.k) {
    case 'a': {
      const ids: unknown = 'ids' in value ? value.ids : id === null ? null : [id];
      if (!Array.isArray(ids)) return [];
      const list: unknown[] = ids;
      return [{ k: 'a', r, ids: list.filter((x): x is string => typeof x === 'string') }];
    }
    case 'e':
      return 'e' in value && isLiveEvent(value.e) ? [{ k: 'e', r, e: value.e }] : [];
    case 'o':
      return id === null ? [] : [{ k: 'o', r, id }];
    case 'r':
      return [{ k: 'r', r }];
    default:
      return [];
  }
}
