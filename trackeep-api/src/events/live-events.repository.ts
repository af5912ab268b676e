import { Injectable } from '@nestjs/common';
import type { SqlExecutor } from '@trackeep/server-core';
import type { LiveEvent } from '@trackeep/contracts';
import { Kysely, sql } from 'kysely';
import { Client } from 'pg';
import { ApiEnv } from '../config/api-env';
import type { DB } from '../database/db.types';

/** The caller's transaction; the pool itself also fits and sends at once. */
export type SqlTx = SqlExecutor<DB>;

/** A dedicated LISTEN connection; `close` ends it without reporting it as lost. */
export interface LiveListener {
  close(): Promise<void>;
}

const LIVE_CHANNEL = 'trackeep_live';

/**
 * The SQL of live events: NOTIFY on the live channel, the LISTEN connection, and live_event_outbox (events
 * too large for a NOTIFY payload, kept for a short while and read back by id).
 */
@Injectable()
export class LiveEventsRepository {
  constructor(
    private readonly env: ApiEnv,
    private readonly db: Kysely<DB>,
  ) {}

  /** Sends the payloads in this order, in one round trip; inside a transaction they reach listeners on commit. */
  async notify(tx: SqlTx, payloads: readonly string[]): Promise<void> {
    if (payloads.length === 0) return;
    await sql`SELECT pg_notify(${LIVE_CHANNEL}, p) FROM unnest(${[...payloads]}::text[]) WITH ORDINALITY AS u(p, n) ORDER BY n`.execute(
      tx,
    );
  }

  /** Stores events in the outbox; their ids in the same order. */
  async storeEvents(tx: SqlTx, events: readonly LiveEvent[]): Promise<string[]> {
    if (events.length === 0) return [];
    const rows = await tx
      .insertInto('live_event_outbox')
      .values(events.map((e) => ({ payload: JSON.stringify(e) })))
      .returning('id')
      .execute();
    // bigserial ids follow the order of the VALUES list, whatever order RETURNING lists them in.
    return rows.map((r) => String(r.id)).sort((a, b) => Number(BigInt(a) - BigInt(b)));
  }

  async findEvent(id: string): Promise<LiveEvent | null> {
    const row = await this.db
      .selectFrom('live_event_outbox')
      .select('payload')
      .where('id', '=', id)
      .executeTakeFirst();
    return row && isLiveEvent(row.payload) ? row.payload : null;
  }

  async deleteEventsOlderThan(minutes: number): Promise<void> {
    await this.db
      .deleteFrom('live_event_outbox')
      .where('created_at', '<', sql<Date>`now() - make_interval(mins => ${minutes})`)
      .execute();
  }

  /**
   * Opens a connection of its own that LISTENs on the live channel. `onLost` is called once when it breaks
   * after opening (never after `close`); a failure to open rejects.
   */
  async listen(onPayload: (payload: string) => void, onLost: (err: Error) => void): Promise<LiveListener> {
    const client = new Client({
      connectionString: this.env.DATABASE_URL,
      application_name: 'trackeep-api-live',
    });
    let closing = false;
    let opened = false;
    // Reported once per connection: a broken client may emit both 'error' and 'end'.
    const lost = (err: Error) => {
      if (!opened || closing) return;
      closing = true;
      void client.end().catch(() => undefined);
      onLost(err);
    };
    client.on('error', lost);
    client.on('end', () => lost(new Error('connection ended')));
    client.on('notification', (msg) => {
      if (msg.channel === LIVE_CHANNEL && msg.payload) onPayload(msg.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${LIVE_CHANNEL}`);
    } catch (err) {
      closing = true;
      await client.end().catch(() => undefined);
      throw err;
    }
    opened = true;
    return {
      close: async () => {
        closing = true;
        await client.end().catch(() => undefined);
      },
    };
  }
}

/** Live events come only from EventBus.publish; this keeps out what is not one at all (a stray row, a bad notice). */
export function isLiveEvent(value: unknown): value is LiveEvent {
  return typeof value === 'object' && value !== null && 'type' in value && typeof value.type === 'string';
}
