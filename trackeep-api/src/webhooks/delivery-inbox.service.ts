import { Injectable, Logger } from '@nestjs/common';
import PgBoss from 'pg-boss';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { GithubSettings } from '../github/github-settings';
import type { SignedWith } from './webhook-signature.service';
import { WEBHOOK_PROCESS_QUEUE } from './webhook.constants';

/** A verified delivery, ready for the inbox. */
export interface InboxDelivery {
  deliveryId: string;
  event: string;
  action: string | null;
  repoGithubId: number | null;
  repoFullName: string | null;
  hookId: number | null;
  installationId: number | null;
  signedWith: SignedWith;
  /** X-Hub-Signature-256 as received, so a replay can verify the body again. */
  signature: string;
  /** The body exactly as received (the signature is over these bytes); stored as bytea, parsed only to process. */
  body: Buffer;
  /** 'pending' gets a processing job; 'ignored' is stored for the record only. */
  status: 'pending' | 'ignored';
  ignoredReason: string | null;
}

interface Waiter {
  delivery: InboxDelivery;
  bytes: number;
  resolve(inserted: boolean): void;
  reject(err: Error): void;
}

/** Rows per INSERT: bounded by how long one batch may hold a connection and how long its requests wait. */
const MAX_BATCH_ROWS = 500;
const MAX_BATCH_BYTES = 16 * 1024 * 1024;
/** Batches committing at the same time; the next batch fills up while these commit. */
const MAX_IN_FLIGHT = 2;
/** A burst is over when no delivery had to wait for this long. */
const BUSY_WINDOW_MS = 250;
/** Deliveries per processing job: small enough that the workers share a burst, big enough to save job rows. */
const DELIVERIES_PER_JOB = 10;

/**
 * The durable inbox. Requests that arrive while a write is in flight wait together and are written by the
 * next single statement — INSERT ... ON CONFLICT DO NOTHING plus their pg-boss jobs — so a burst of N
 * concurrent deliveries costs a handful of commits instead of N, and a stored delivery always has its job.
 * Nothing waits on a timer: at low load a batch is one delivery and goes out at once. A request is only
 * answered after its batch committed.
 */
@Injectable()
export class DeliveryInboxService {
  private readonly logger = new Logger(DeliveryInboxService.name);
  private queue: Waiter[] = [];
  private inFlight = 0;
  private readonly listeners = new Set<() => void>();
  /** Counters for the benchmark and metrics: batches written and rows offered. */
  readonly stats = { batches: 0, rows: 0, inserted: 0, maxBatch: 0 };
  /** When deliveries last arrived faster than one write at a time (requests had to wait for a batch). */
  private lastBusyAt = 0;

  /** The TypeORM pool itself: one statement per batch needs no transaction object around it. */
  private readonly pool: Pool;

  constructor(
    dataSource: DataSource,
    private readonly boss: PgBoss,
    private readonly github: GithubSettings,
  ) {
    this.pool = (dataSource.driver as unknown as { master: Pool }).master;
  }

  /** Called after every commit that queued processing jobs (the processor wakes its workers). */
  onQueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** True while deliveries arrive in a burst (they queue behind a write); processing on this replica yields. */
  isBusy(now = Date.now()): boolean {
    return now - this.lastBusyAt < BUSY_WINDOW_MS;
  }

  /** Stores the delivery durably; resolves true if it is new, false if that delivery id was already stored. */
  add(delivery: InboxDelivery): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ delivery, bytes: delivery.body.length, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.queue.length > 1 || (this.queue.length > 0 && this.inFlight > 0)) this.lastBusyAt = Date.now();
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      let bytes = 0;
      let n = 0;
      for (const waiter of this.queue) {
        if (n === MAX_BATCH_ROWS || (n > 0 && bytes + waiter.bytes > MAX_BATCH_BYTES)) break;
        bytes += waiter.bytes;
        n++;
      }
      const batch = this.queue.splice(0, n);
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async write(batch: Waiter[]): Promise<void> {
    try {
      const inserted = await this.insertBatch(batch.map((w) => w.delivery));
      this.settle(batch, inserted);
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      // A data error (class 22) belongs to one row: write the rows one by one so the others still succeed.
      if (batch.length > 1 && code.startsWith('22')) {
        for (const waiter of batch) {
          try {
            this.settle([waiter], await this.insertBatch([waiter.delivery]));
          } catch (rowErr) {
            waiter.reject(rowErr as Error);
          }
        }
        return;
      }
      this.logger.error(
        `webhook inbox write of ${batch.length} deliveries failed: ${(err as Error).message}`,
      );
      for (const waiter of batch) waiter.reject(err as Error);
    }
  }

  private settle(batch: Waiter[], inserted: Set<string>): void {
    // Only the first copy of a delivery reports "new".
    for (const waiter of batch) {
      const isNew = inserted.delete(waiter.delivery.deliveryId);
      waiter.resolve(isNew);
    }
  }

  private async insertBatch(batch: InboxDelivery[]): Promise<Set<string>> {
    // Two copies of one delivery in a batch: the first is written, the second is answered as a duplicate.
    const seen = new Set<string>();
    const deliveries = batch.filter((d) => !seen.has(d.deliveryId) && seen.add(d.deliveryId));
    const column = <T>(pick: (d: InboxDelivery) => T) => deliveries.map(pick);
    // The bodies travel as one binary parameter (no text or hex encoding) and each row takes its slice of it.
    const starts: number[] = [];
    let offset = 1;
    for (const d of deliveries) {
      starts.push(offset);
      offset += d.body.length;
    }
    const [only] = deliveries;
    const bodies =
      deliveries.length === 1 && only
        ? only.body
        : Buffer.concat(
            deliveries.map((d) => d.body),
            offset - 1,
          );
    const params: unknown[] = [
      this.github.host,
      column((d) => d.deliveryId),
      column((d) => d.event),
      column((d) => d.action),
      column((d) => d.repoGithubId),
      column((d) => d.repoFullName),
      column((d) => d.hookId),
      column((d) => d.installationId),
      column((d) => d.signedWith),
      column((d) => d.signature),
      column((d) => d.status),
      column((d) => d.ignoredReason),
      bodies,
      starts,
      column((d) => d.body.length),
    ];

    // Processing jobs for the pending ones, one per DELIVERIES_PER_JOB. A redelivery whose id is already stored
    // gets a job too (we only learn that from the insert); the processor skips rows that are not pending.
    const pending = deliveries.filter((d) => d.status === 'pending').map((d) => d.deliveryId);
    const jobs: PgBoss.JobInsert[] = [];
    for (let i = 0; i < pending.length; i += DELIVERIES_PER_JOB) {
      jobs.push({
        name: WEBHOOK_PROCESS_QUEUE,
        data: { deliveryIds: pending.slice(i, i + DELIVERIES_PER_JOB) },
      });
    }
    const jobsSql = await this.jobInsertSql(jobs, params);

    // One statement, so one round trip and one commit: the rows and their jobs are stored together or not at all.
    // Its text is the same for every batch size (columns travel as arrays), so each connection prepares it once
    // instead of parsing and planning a new statement per batch, which was most of a batch's time.
    // A redelivery (same id) of a delivery parked as failed is GitHub's "Redeliver" button: it is queued again.
    const { rows } = await this.pool.query<{ delivery_id: string; inserted: boolean }>({
      name: 'trackeep-webhook-inbox-insert',
      text: `WITH inbox AS (
         INSERT INTO webhook_deliveries AS d
           (delivery_id, event, action, repo_github_id, repo_full_name, hook_id, installation_id, signed_with, signature, body, status, ignored_reason, repo_id)
         SELECT v.delivery_id, v.event, v.action, v.repo_github_id, v.repo_full_name, v.hook_id, v.installation_id, v.signed_with,
                v.signature, substring($13::bytea FROM v.body_start FOR v.body_length), v.status, v.ignored_reason, r.id
           FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::bigint[], $8::bigint[], $9::text[], $10::text[], $11::text[], $12::text[], $14::int[], $15::int[])
             AS v (delivery_id, event, action, repo_github_id, repo_full_name, hook_id, installation_id, signed_with, signature, status, ignored_reason, body_start, body_length)
           LEFT JOIN repositories r ON r.github_host = $1 AND r.github_id = v.repo_github_id
         ON CONFLICT (delivery_id) DO UPDATE SET status = 'pending', attempts = 0, last_error = NULL, replays = d.replays + 1
           WHERE d.status = 'failed' AND EXCLUDED.status = 'pending'
         RETURNING d.delivery_id, (d.xmax = 0) AS inserted),
       jobs AS (${jobsSql})
       SELECT delivery_id, inserted FROM inbox`,
      values: params,
    });
    this.stats.batches++;
    this.stats.rows += batch.length;
    this.stats.inserted += rows.filter((r) => r.inserted).length;
    this.stats.maxBatch = Math.max(this.stats.maxBatch, batch.length);
    if (jobs.length) for (const listener of this.listeners) listener();
    return new Set(rows.filter((r) => r.inserted).map((r) => r.delivery_id));
  }

  /**
   * pg-boss's own INSERT for `jobs` (taken through its public `db` option rather than copied, so it stays
   * right across pg-boss versions), with its parameters appended to `params` and renumbered to match.
   */
  private async jobInsertSql(jobs: PgBoss.JobInsert[], params: unknown[]): Promise<string> {
    const captured: Array<{ text: string; values: unknown[] }> = [];
    await this.boss.insert(jobs, {
      db: {
        executeSql: async (text: string, values: unknown[]) => {
          captured.push({ text, values });
          return { rows: [] };
        },
      },
    });
    const [statement] = captured;
    if (!statement || captured.length !== 1)
      throw new Error(`pg-boss insert issued ${captured.length} statements, expected 1`);
    const { text, values } = statement;
    const offset = params.length;
    params.push(...values);
    return text.trim().replace(/\$(\d+)/g, (_m, n: string) => `$${Number(n) + offset}`);
  }
}
