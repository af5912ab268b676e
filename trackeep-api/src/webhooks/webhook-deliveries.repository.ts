import { Injectable } from '@nestjs/common';
import type { Page, WebhookDelivery, WebhookDeliveryStatus } from '@trackeep/contracts';
import type PgBoss from 'pg-boss';
import { DataSource } from 'typeorm';
import { encodeCursor } from '../common/cursor.util';
import { bossDb, inTransaction } from './pg-transaction.util';
import { WEBHOOK_PROCESS_QUEUE } from './webhook.constants';

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
  repoIds: string[];
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

const SELECT = `
  SELECT d.delivery_id, d.event, d.action, COALESCE(r.full_name, d.repo_full_name) AS full_name, d.hook_id, d.received_at,
         to_char(d.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_time, d.status, d.attempts, d.last_error, d.ignored_reason, d.processed_at, d.repo_id
    FROM webhook_deliveries d LEFT JOIN repositories r ON r.id = d.repo_id`;

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

/** Reads the inbox for the deliveries API (newest first, keyset-paginated) and re-queues replays. */
@Injectable()
export class WebhookDeliveriesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async list(filter: DeliveryFilter): Promise<Page<WebhookDelivery>> {
    const rows: DeliveryListRow[] = await this.dataSource.query(
      `${SELECT}
        WHERE d.repo_id = ANY($1::uuid[])
          AND ($2::text IS NULL OR d.status = $2) AND ($3::text IS NULL OR d.event = $3)
          AND ($4::timestamptz IS NULL OR (d.received_at, d.delivery_id) < ($4::timestamptz, $5::text))
        ORDER BY d.received_at DESC, d.delivery_id DESC
        LIMIT $6`,
      [
        filter.repoIds,
        filter.status ?? null,
        filter.event ?? null,
        filter.cursor?.time ?? null,
        filter.cursor?.id ?? '',
        filter.limit + 1,
      ],
    );
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
    const rows: DeliveryListRow[] = await this.dataSource.query(`${SELECT} WHERE d.delivery_id = $1`, [
      deliveryId,
    ]);
    return rows[0] ? { ...toDelivery(rows[0]), repoId: rows[0].repo_id } : null;
  }

  async findStored(deliveryId: string): Promise<StoredDelivery | null> {
    const rows: Array<{
      delivery_id: string;
      event: string;
      status: WebhookDeliveryStatus;
      repo_id: string | null;
      full_name: string | null;
      hook_id: string | null;
      signature: string | null;
      body: Buffer | null;
    }> = await this.dataSource.query(
      `SELECT d.delivery_id, d.event, d.status, d.repo_id, COALESCE(r.full_name, d.repo_full_name) AS full_name, d.hook_id, d.signature, d.body
           FROM webhook_deliveries d LEFT JOIN repositories r ON r.id = d.repo_id WHERE d.delivery_id = $1`,
      [deliveryId],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      deliveryId: row.delivery_id,
      event: row.event,
      status: row.status,
      repoId: row.repo_id,
      repoFullName: row.full_name,
      hookId: row.hook_id === null ? null : Number(row.hook_id),
      signature: row.signature,
      body: row.body,
    };
  }

  /**
   * Back to pending with a fresh processing job, in one transaction, only if it still has the status the
   * replay checks were made against (a concurrent replay or processing makes this false).
   */
  async requeue(deliveryId: string, expectedStatus: WebhookDeliveryStatus, boss: PgBoss): Promise<boolean> {
    return inTransaction(this.dataSource, async (client) => {
      const { rowCount } = await client.query(
        `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, last_error = NULL, ignored_reason = NULL, replays = replays + 1
          WHERE delivery_id = $1 AND status = $2 AND status IN ('ignored', 'failed', 'parked')`,
        [deliveryId, expectedStatus],
      );
      if (!rowCount) return false;
      await boss.insert([{ name: WEBHOOK_PROCESS_QUEUE, data: { deliveryIds: [deliveryId] } }], {
        db: bossDb(client),
      });
      return true;
    });
  }
}
