import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { ActivityEvent, LiveEvent } from '@trackeep/contracts';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ApiEnv } from '../config/api-env';
import { ActivityFeedRepository } from './activity-feed.repository';

/** What every publisher hands the bus: a live event and the repository it concerns (for visibility). */
export type PublishedEvent = LiveEvent & { repoId: string };

/** A live event as subscribers on this replica receive it. */
export interface LiveEnvelope {
  repoId: string;
  event: LiveEvent;
}

/** Anything that runs SQL: DataSource, EntityManager, QueryRunner, pg Client. */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

export const LIVE_CHANNEL = 'trackeep_live';
/** NOTIFY payloads must stay under 8000 bytes; bigger events travel through live_event_outbox by id. */
const MAX_INLINE_BYTES = 7000;
const OUTBOX_RETENTION = '15 minutes';

/** The NOTIFY payload: small, and never the content of an activity (the row is the source of truth). */
type Notice =
  | { k: 'a'; r: string; id: string } // activity_events row
  | { k: 'e'; r: string; e: LiveEvent } // inline event
  | { k: 'o'; r: string; id: string } // live_event_outbox row
  | { k: 'r'; r: string }; // the repository's row or status changed (each replica reads it back per user)

/**
 * Cross-replica live events. `publish` sends a Postgres NOTIFY (inside the caller's transaction when given
 * one, so listeners only hear about committed data); every replica keeps one LISTEN connection and hands
 * what it hears to local subscribers (the SSE hub). Activity travels by id and is read back from
 * activity_events once per replica, which is also where Last-Event-ID resumption reads from.
 */
@Injectable()
export class EventBus implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(EventBus.name);
  private readonly subscribers = new Set<(envelope: LiveEnvelope) => void>();
  private readonly repoSubscribers = new Set<(repoId: string) => void>();
  private listener: Client | null = null;
  private stopped = false;
  private reconnectDelayMs = 500;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private cleanupTimer: NodeJS.Timeout | null = null;
  /** Activity ids heard but not yet loaded; loaded together on the next tick. */
  private pendingActivity: Array<{ id: string; repoId: string }> = [];
  private flushScheduled = false;
  /** Highest activity id delivered, to catch up after the LISTEN connection was lost. */
  private lastActivityId = 0n;
  private readyResolve!: () => void;
  /** Resolves once this replica is LISTENing (tests and the SSE hub wait for it). */
  readonly ready = new Promise<void>((resolve) => (this.readyResolve = resolve));

  constructor(
    private readonly env: ApiEnv,
    private readonly dataSource: DataSource,
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
    await listener?.end().catch(() => undefined);
  }

  /** Publishes to every replica. Pass the transaction's runner so the event is only sent if it commits. */
  async publish(event: PublishedEvent, db: Queryable = this.dataSource): Promise<void> {
    const { repoId, ...rest } = event as PublishedEvent & Record<string, unknown>;
    const live = rest as unknown as LiveEvent;
    let notice: Notice;
    if (live.type === 'activity') {
      notice = { k: 'a', r: repoId, id: live.activity.id };
    } else {
      const inline = JSON.stringify({ k: 'e', r: repoId, e: live } satisfies Notice);
      if (Buffer.byteLength(inline) <= MAX_INLINE_BYTES) {
        await db.query('SELECT pg_notify($1, $2)', [LIVE_CHANNEL, inline]);
        return;
      }
      const rows = (await db.query('INSERT INTO live_event_outbox (payload) VALUES ($1) RETURNING id', [
        JSON.stringify(live),
      ])) as Array<{ id: string }>;
      notice = { k: 'o', r: repoId, id: String(rows[0].id) };
    }
    await db.query('SELECT pg_notify($1, $2)', [LIVE_CHANNEL, JSON.stringify(notice)]);
  }

  /** Publishes an activity row already written (by id), e.g. right after an insert in the same transaction. */
  async publishActivity(repoId: string, activityId: string, db: Queryable = this.dataSource): Promise<void> {
    await db.query('SELECT pg_notify($1, $2)', [LIVE_CHANNEL, this.activityNotice(repoId, activityId)]);
  }

  /** The NOTIFY payload for an activity row, for callers that batch their `pg_notify(LIVE_CHANNEL, ...)` calls. */
  activityNotice(repoId: string, activityId: string): string {
    return JSON.stringify({ k: 'a', r: repoId, id: activityId } satisfies Notice);
  }

  /**
   * Tells every replica that a repository's counters, sync state or webhook health changed. The dashboard's
   * `repo_changed` message carries the repository as each user sees it, so replicas read it back per user.
   */
  async publishRepoChanged(repoId: string, db: Queryable = this.dataSource): Promise<void> {
    await db.query('SELECT pg_notify($1, $2)', [LIVE_CHANNEL, this.repoChangedNotice(repoId)]);
  }

  /** The NOTIFY payload of publishRepoChanged, for callers that batch their `pg_notify(LIVE_CHANNEL, ...)` calls. */
  repoChangedNotice(repoId: string): string {
    return JSON.stringify({ k: 'r', r: repoId } satisfies Notice);
  }

  /** Receives the id of every repository that changed (publishRepoChanged on any replica). */
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
    const client = new Client({
      connectionString: this.env.DATABASE_URL,
      application_name: 'trackeep-api-live',
    });
    client.on('error', (err) => this.onLost(client, err));
    client.on('end', () => this.onLost(client, new Error('connection ended')));
    client.on('notification', (msg) => {
      if (msg.channel === LIVE_CHANNEL && msg.payload) this.onNotice(msg.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${LIVE_CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      this.onLost(null, err as Error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    const reconnected = this.listener === null && this.lastActivityId > 0n;
    this.listener = client;
    this.reconnectDelayMs = 500;
    this.readyResolve();
    if (reconnected) await this.catchUp();
  }

  private onLost(client: Client | null, err: Error): void {
    if (this.stopped || (client && client !== this.listener && this.listener !== null)) return;
    if (client && this.listener === client) this.listener = null;
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

  private onNotice(payload: string): void {
    let notice: Notice;
    try {
      notice = JSON.parse(payload) as Notice;
    } catch {
      return;
    }
    if (notice.k === 'r') {
      for (const handler of this.repoSubscribers) handler(notice.r);
      return;
    }
    if (this.subscribers.size === 0) {
      if (notice.k === 'a') this.noteActivityId(notice.id);
      return;
    }
    switch (notice.k) {
      case 'e':
        this.emit({ repoId: notice.r, event: notice.e });
        break;
      case 'a':
        this.pendingActivity.push({ id: notice.id, repoId: notice.r });
        if (!this.flushScheduled) {
          this.flushScheduled = true;
          setImmediate(() => void this.flushActivity());
        }
        break;
      case 'o':
        void this.loadOutbox(notice.id, notice.r);
        break;
    }
  }

  private async flushActivity(): Promise<void> {
    const batch = this.pendingActivity;
    this.pendingActivity = [];
    this.flushScheduled = false;
    try {
      const rows = await this.activity.findByIds(batch.map((b) => b.id));
      for (const activity of rows) this.deliverActivity(activity);
    } catch (err) {
      this.logger.warn(`could not load ${batch.length} live activity event(s): ${(err as Error).message}`);
    }
  }

  private deliverActivity(activity: ActivityEvent): void {
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
      const rows: Array<{ payload: LiveEvent }> = await this.dataSource.query(
        'SELECT payload FROM live_event_outbox WHERE id = $1',
        [id],
      );
      if (rows[0]) this.emit({ repoId, event: rows[0].payload });
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
    await this.dataSource
      .query(`DELETE FROM live_event_outbox WHERE created_at < now() - interval '${OUTBOX_RETENTION}'`)
      .catch(() => undefined);
  }
}
