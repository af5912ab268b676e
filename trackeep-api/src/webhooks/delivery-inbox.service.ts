import { Injectable, Logger } from '@nestjs/common';
import PgBoss from 'pg-boss';
import { DataSource } from 'typeorm';
import { AuthSettings } from '../auth/auth-settings';
import { bossDb, inTransaction } from './pg-transaction.util';
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
  /** The JSON text exactly as it will be stored (jsonb). */
  payload: string;
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

const COLUMNS = 11;
/** Rows per INSERT: bounded by Postgres' 65535 parameters and by how long one batch may hold a connection. */
const MAX_BATCH_ROWS = 500;
const MAX_BATCH_BYTES = 16 * 1024 * 1024;
/** Batches committing at the same time; the next batch fills up while these commit. */
const MAX_IN_FLIGHT = 2;
/** Deliveries per processing job: small enough that the workers share a burst, big enough to save job rows. */
const DELIVERIES_PER_JOB = 10;

/**
 * The durable inbox. Requests that arrive while a commit is in flight wait together and are written by the
 * next single INSERT ... ON CONFLICT DO NOTHING (plus their pg-boss jobs, in the same transaction), so a burst
 * of N concurrent deliveries costs a handful of commits instead of N. Nothing waits on a timer: at low load a
 * batch is one delivery and goes out at once. A request is only answered after its batch committed. The
 * processing jobs are inserted in the same transaction, so a stored delivery always has its job.
 */
@Injectable()
export class DeliveryInboxService {
  private readonly logger = new Logger(DeliveryInboxService.name);
  private queue: Waiter[] = [];
  private inFlight = 0;
  private readonly listeners = new Set<() => void>();
  /** Counters for the benchmark and metrics: batches written and rows offered. */
  readonly stats = { batches: 0, rows: 0, inserted: 0, maxBatch: 0 };

  constructor(
    private readonly dataSource: DataSource,
    private readonly boss: PgBoss,
    private readonly settings: AuthSettings,
  ) {}

  /** Called after every commit that queued processing jobs (the processor wakes its workers). */
  onQueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stores the delivery durably; resolves true if it is new, false if that delivery id was already stored. */
  add(delivery: InboxDelivery): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ delivery, bytes: delivery.payload.length, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      let bytes = 0;
      let n = 0;
      while (n < this.queue.length && n < MAX_BATCH_ROWS && (n === 0 || bytes + this.queue[n]!.bytes <= MAX_BATCH_BYTES)) {
        bytes += this.queue[n]!.bytes;
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
      this.logger.error(`webhook inbox write of ${batch.length} deliveries failed: ${(err as Error).message}`);
      for (const waiter of batch) waiter.reject(err as Error);
    }
  }

  private settle(batch: Waiter[], inserted: Set<string>): void {
    // Two copies of one delivery in a batch: only the first to settle reports "new".
    for (const waiter of batch) {
      const isNew = inserted.delete(waiter.delivery.deliveryId);
      waiter.resolve(isNew);
    }
  }

  private async insertBatch(deliveries: InboxDelivery[]): Promise<Set<string>> {
    const params: unknown[] = [this.settings.githubHost];
    const values: string[] = [];
    for (const d of deliveries) {
      const p = params.length;
      values.push(`($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}::bigint, $${p + 5}, $${p + 6}::bigint, $${p + 7}::bigint, $${p + 8}, $${p + 9}::jsonb, $${p + 10}, $${p + 11})`);
      params.push(d.deliveryId, d.event, d.action, d.repoGithubId, d.repoFullName, d.hookId, d.installationId, d.signedWith, d.payload, d.status, d.ignoredReason);
    }
    if (params.length !== 1 + deliveries.length * COLUMNS) throw new Error('inbox batch parameters out of step');

    const rows = await inTransaction(this.dataSource, async (client) => {
      const result = await client.query<{ delivery_id: string; status: string }>(
        `INSERT INTO webhook_deliveries
           (delivery_id, event, action, repo_github_id, repo_full_name, hook_id, installation_id, signed_with, payload, status, ignored_reason, repo_id)
         SELECT v.*, r.id
           FROM (VALUES ${values.join(', ')})
             AS v (delivery_id, event, action, repo_github_id, repo_full_name, hook_id, installation_id, signed_with, payload, status, ignored_reason)
           LEFT JOIN repositories r ON r.github_host = $1 AND r.github_id = v.repo_github_id
         ON CONFLICT (delivery_id) DO NOTHING
         RETURNING delivery_id, status`,
        params,
      );
      // One processing job per few deliveries, not per delivery: a job row costs as much as an inbox row.
      const pending = result.rows.filter((r) => r.status === 'pending').map((r) => r.delivery_id);
      const jobs: PgBoss.JobInsert[] = [];
      for (let i = 0; i < pending.length; i += DELIVERIES_PER_JOB) {
        jobs.push({ name: WEBHOOK_PROCESS_QUEUE, data: { deliveryIds: pending.slice(i, i + DELIVERIES_PER_JOB) } });
      }
      if (jobs.length) await this.boss.insert(jobs, { db: bossDb(client) });
      return result.rows;
    });
    this.stats.batches++;
    this.stats.rows += deliveries.length;
    this.stats.inserted += rows.length;
    this.stats.maxBatch = Math.max(this.stats.maxBatch, deliveries.length);
    if (rows.some((r) => r.status === 'pending')) for (const listener of this.listeners) listener();
    return new Set(rows.map((r) => r.delivery_id));
  }
}
