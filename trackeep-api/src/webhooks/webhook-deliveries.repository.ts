import { Injectable } from '@nestjs/common';
import type { Page, WebhookDelivery, WebhookDeliveryStatus } from '@trackeep/contracts';
import { executeRawSql, inTransaction, prepared } from '@trackeep/server-core';
import { Kysely, sql, type Transaction } from 'kysely';
import type PgBoss from 'pg-boss';
import { encodeCursor, keysetTime } from '../common/cursor.util';
import type { DB } from '../database/db.types';
import type { DeliveryRow } from './processors/apply-context';
import { decodeBody } from './webhook-body.codec';
import { WEBHOOK_PROCESS_QUEUE } from './webhook.constants';
import { inRepoScope, type RepoScope } from '../repos/repo-access.repository';

/** A delivery locked for processing, with the tracked repository it is about (if Trackeep tracks it). */
export type LockedDelivery = Omit<DeliveryRow, 'payload'> & {
  /** The raw body as GitHub sent it (null for rows stored before raw bodies were kept). */
  body: Buffer | null;
  /** The legacy jsonb copy, for those older rows. */
  payload: unknown;
  tracked_id: string | null;
  tracked_full_name: string | null;
};

export type ProcessedStatus = 'processed' | 'ignored';

interface DeliveryListRow {
  delivery_id: string;
  event: string;
  action: string | null;
  full_name: string | null;
  hook_id: string | null;
  received_at: Date;
  cursor_time: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  last_error: string | null;
  ignored_reason: string | null;
  processed_at: Date | null;
  repo_id: string | null;
}

export interface DeliveryFilter {
  scope: RepoScope;
  status?: WebhookDeliveryStatus;
  event?: string;
  cursor?: { time: string; id: string };
  limit: number;
}

/** What a replay needs: the stored bytes and headers to verify again, and the repository it is about. */
export interface StoredDelivery {
  deliveryId: string;
  event: string;
  status: WebhookDeliveryStatus;
  repoId: string | null;
  repoFullName: string | null;
  hookId: number | null;
  signature: string | null;
  body: Buffer | null;
}

export const DELIVERIES_CURSOR_SCOPE = 'webhook-deliveries';

function toDelivery(row: DeliveryListRow): WebhookDelivery {
  return {
    id: row.delivery_id,
    event: row.event,
    action: row.action,
    repoFullName: row.full_name,
    hookId: row.hook_id === null ? null : Number(row.hook_id),
    receivedAt: new Date(row.received_at).toISOString(),
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    ignoredReason: row.ignored_reason,
    processedAt: row.processed_at ? new Date(row.processed_at).toISOString() : null,
  };
}

/**
 * The inbox's rows after intake: the deliveries API (newest first, keyset-paginated), replays, and every state
 * change processing makes (locked per delivery, in the transaction that applies it).
 */
@Injectable()
export class WebhookDeliveriesRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Runs `work` in one transaction: the delivery's state, the rows it writes and the events it announces. */
  transaction<T>(work: (tx: Transaction<DB>) => Promise<T>): Promise<T> {
    return inTransaction(this.db, work);
  }

  async countPending(): Promise<number> {
    const row = await this.db
      .selectFrom('webhook_deliveries')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /**
   * The inbox row, locked, and in the same round trip the tracked repository it is about: this is the hot path,
   * so the join reads `repositories` and `tracked_repos` here rather than asking the repos module separately.
   * A repository an active auto-tracking installation covers is tracked too, whether or not anyone tracks it
   * (the sync cycle includes it the same way).
   */
  async lockForProcessing(
    tx: Transaction<DB>,
    deliveryId: string,
    githubHost: string,
  ): Promise<LockedDelivery | null> {
    const { rows } = await prepared(sql<LockedDelivery & { body_encoding: string }>`
      SELECT d.delivery_id, d.event, d.action, d.hook_id, d.repo_id, d.repo_github_id, d.signed_with, d.body,
             d.body_encoding, d.payload,
             d.received_at, d.status, r.id AS tracked_id, r.full_name AS tracked_full_name
        FROM webhook_deliveries d
        LEFT JOIN repositories r ON r.github_host = ${githubHost} AND r.github_id = d.repo_github_id
                                AND (EXISTS (SELECT 1 FROM tracked_repos t WHERE t.repo_id = r.id)
                                     OR EXISTS (SELECT 1 FROM active_installation_repos c
                                                 WHERE c.github_host = r.github_host
                                                   AND c.repo_github_id = r.github_id AND c.auto_track))
       WHERE d.delivery_id = ${deliveryId} FOR UPDATE OF d`).execute(tx);
    const row = rows[0];
    if (!row) return null;
    const { body_encoding, ...locked } = row;
    return { ...locked, body: locked.body && (await decodeBody(locked.body, body_encoding)) };
  }

  async markProcessed(
    tx: Transaction<DB>,
    deliveryId: string,
    outcome: { status: ProcessedStatus; ignoredReason: string | null; repoId: string | null },
  ): Promise<void> {
    // Every delivery runs this: one prepared text rather than the builder's per-call assembly. The clock, not
    // now(): when it was applied (this is the transaction's last write), not when its transaction began.
    await prepared(sql`
      UPDATE webhook_deliveries
         SET status = ${outcome.status}, ignored_reason = ${outcome.ignoredReason}, attempts = attempts + 1,
             last_error = NULL, processed_at = clock_timestamp(),
             applied_count = applied_count + ${outcome.status === 'processed' ? 1 : 0}::int,
             repo_id = COALESCE(${outcome.repoId}::uuid, repo_id)
       WHERE delivery_id = ${deliveryId}`).execute(tx);
  }

  /** Parks a delivery that is still pending; its event, or null when it was not pending. */
  async park(tx: Transaction<DB> | undefined, deliveryId: string, reason: string): Promise<string | null> {
    const row = await (tx ?? this.db)
      .updateTable('webhook_deliveries')
      .set((eb) => ({
        status: 'parked',
        last_error: reason,
        attempts: eb('attempts', '+', 1),
        // As markProcessed: when it was parked, also inside a processing transaction that began earlier.
        processed_at: sql<Date>`clock_timestamp()`,
      }))
      .where('delivery_id', '=', deliveryId)
      .where('status', '=', 'pending')
      .returning('event')
      .executeTakeFirst();
    return row?.event ?? null;
  }

  /** Counts a failed attempt of a pending delivery (the last one marks it failed); its event, if it was pending. */
  async recordFailure(deliveryId: string, message: string, final: boolean): Promise<string | null> {
    const row = await this.db
      .updateTable('webhook_deliveries')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        last_error: message,
        status: final ? 'failed' : eb.ref('status'),
      }))
      .where('delivery_id', '=', deliveryId)
      .where('status', '=', 'pending')
      .returning('event')
      .executeTakeFirst();
    return row?.event ?? null;
  }

  /** Processed and ignored deliveries older than `days` go (in slices, so one run never holds long locks). */
  async prune(days: number): Promise<void> {
    await this.db
      .deleteFrom('webhook_deliveries')
      .where('delivery_id', 'in', (eb) =>
        eb
          .selectFrom('webhook_deliveries')
          .select('delivery_id')
          .where('status', 'in', ['processed', 'ignored'])
          .where('received_at', '<', sql<Date>`now() - make_interval(days => ${days})`)
          .limit(50_000),
      )
      .execute();
  }

  async list(filter: DeliveryFilter): Promise<Page<WebhookDelivery>> {
    let query = this.selectListed().where(inRepoScope('d.repo_id', filter.scope));
    if (filter.status) query = query.where('d.status', '=', filter.status);
    if (filter.event) query = query.where('d.event', '=', filter.event);
    const { cursor } = filter;
    if (cursor)
      query = query.where(
        sql<boolean>`(d.received_at, d.delivery_id) < (${cursor.time}::timestamptz, ${cursor.id}::text)`,
      );
    const rows = await query
      .orderBy('d.received_at', 'desc')
      .orderBy('d.delivery_id', 'desc')
      .limit(filter.limit + 1)
      .execute();
    const more = rows.length > filter.limit;
    const page = rows.slice(0, filter.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toDelivery),
      nextCursor:
        more && last ? encodeCursor(DELIVERIES_CURSOR_SCOPE, [last.cursor_time, last.delivery_id]) : null,
    };
  }

  async findOne(deliveryId: string): Promise<(WebhookDelivery & { repoId: string | null }) | null> {
    const row = await this.selectListed().where('d.delivery_id', '=', deliveryId).executeTakeFirst();
    return row ? { ...toDelivery(row), repoId: row.repo_id } : null;
  }

  private selectListed() {
    return this.db
      .selectFrom('webhook_deliveries as d')
      .leftJoin('repositories as r', 'r.id', 'd.repo_id')
      .select((eb) => [
        'd.delivery_id',
        'd.event',
        'd.action',
        eb.fn.coalesce('r.full_name', 'd.repo_full_name').as('full_name'),
        sql<string | null>`d.hook_id::text`.as('hook_id'),
        'd.received_at',
        sql<string>`${sql.raw(keysetTime('d.received_at'))}`.as('cursor_time'),
        sql<WebhookDeliveryStatus>`d.status`.as('status'),
        'd.attempts',
        'd.last_error',
        'd.ignored_reason',
        'd.processed_at',
        'd.repo_id',
      ]);
  }

  async findStored(deliveryId: string): Promise<StoredDelivery | null> {
    const row = await this.db
      .selectFrom('webhook_deliveries as d')
      .leftJoin('repositories as r', 'r.id', 'd.repo_id')
      .select((eb) => [
        'd.delivery_id',
        'd.event',
        sql<WebhookDeliveryStatus>`d.status`.as('status'),
        'd.repo_id',
        eb.fn.coalesce('r.full_name', 'd.repo_full_name').as('full_name'),
        sql<string | null>`d.hook_id::text`.as('hook_id'),
        'd.signature',
        'd.body',
        'd.body_encoding',
      ])
      .where('d.delivery_id', '=', deliveryId)
      .executeTakeFirst();
    if (!row) return null;
    return {
      deliveryId: row.delivery_id,
      event: row.event,
      status: row.status,
      repoId: row.repo_id,
      repoFullName: row.full_name,
      hookId: row.hook_id === null ? null : Number(row.hook_id),
      signature: row.signature,
      body: row.body && (await decodeBody(row.body, row.body_encoding)),
    };
  }

  /**
   * Back to pending with a fresh processing job, in one transaction, only if it still has the status the
   * replay checks were made against (a concurrent replay or processing makes this false).
   */
  async requeue(deliveryId: string, expectedStatus: WebhookDeliveryStatus, boss: PgBoss): Promise<boolean> {
    return inTransaction(this.db, async (tx) => {
      const updated = await tx
        .updateTable('webhook_deliveries')
        .set((eb) => ({
          status: 'pending',
          attempts: 0,
          last_error: null,
          ignored_reason: null,
          replays: eb('replays', '+', 1),
        }))
        .where('delivery_id', '=', deliveryId)
        .where('status', '=', expectedStatus)
        .where('status', 'in', ['ignored', 'failed', 'parked'])
        .executeTakeFirst();
      if (!updated.numUpdatedRows) return false;
      // The job commits (or not) with the row.
      await boss.insert([{ name: WEBHOOK_PROCESS_QUEUE, data: { deliveryIds: [deliveryId] } }], {
        db: { executeSql: (text, values) => executeRawSql(tx, text, values) },
      });
      return true;
    });
  }
}
