import { Injectable, Logger } from '@nestjs/common';
import type PgBoss from 'pg-boss';
import { GithubSettings } from '../github/github-settings';
import { DeliveryInboxRepository, type InboxDelivery, type InboxRow } from './delivery-inbox.repository';
import { WEBHOOK_PROCESS_QUEUE } from './webhook.constants';

interface Waiter {
  row: InboxRow;
  bytes: number;
  resolve(inserted: boolean): void;
  reject(err: Error): void;
}

/** Rows per INSERT: bounded by how long one batch may hold a connection and how long its requests wait. */
const MAX_BATCH_ROWS = 500;
const MAX_BATCH_BYTES = 16 * 1024 * 1024;
/** Batches committing at the same time; the next batch fills up while these commit. */
const MAX_IN_FLIGHT = 2;
/**
 * A burst: at least this many requests waiting for a write. Steady traffic leaves one or two at most, and its
 * deliveries must be applied at once (live dashboards wait on them).
 */
const BURST_WAITERS = 5;
/** A burst is over when no request found that many waiting for this long. */
const BUSY_WINDOW_MS = 20;
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
  private readonly listeners = new Set<(jobs: number) => void>();
  /** Counters for the benchmark and metrics: batches written and rows offered. */
  readonly stats = { batches: 0, rows: 0, inserted: 0, maxBatch: 0 };
  /** When deliveries last arrived faster than the inbox writes them (requests waited for a free write slot). */
  private lastBusyAt = 0;

  constructor(
    private readonly inbox: DeliveryInboxRepository,
    private readonly github: GithubSettings,
  ) {}

  /** Called after every commit that queued processing jobs, with how many (the processor wakes its workers). */
  onQueued(listener: (jobs: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * True while deliveries arrive faster than they are stored (a burst); processing on this replica yields.
   * Steady traffic that the writes keep up with is not a burst: its deliveries are applied at once.
   */
  isBusy(now = Date.now()): boolean {
    return now - this.lastBusyAt < BUSY_WINDOW_MS;
  }

  /** Stores the delivery durably; resolves true if it is new, false if that delivery id was already stored. */
  async add(delivery: InboxDelivery): Promise<boolean> {
    const row = await this.inbox.prepare(delivery);
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ row, bytes: row.body.bytes.length, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    // Many requests waiting for a write: deliveries arrive faster than they can be stored.
    if (this.queue.length >= BURST_WAITERS) this.lastBusyAt = Date.now();
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
      const inserted = await this.insertBatch(batch.map((w) => w.row));
      this.settle(batch, inserted);
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      // A data error (class 22) belongs to one row: write the rows one by one so the others still succeed.
      if (batch.length > 1 && code.startsWith('22')) {
        for (const waiter of batch) {
          try {
            this.settle([waiter], await this.insertBatch([waiter.row]));
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
      const isNew = inserted.delete(waiter.row.deliveryId);
      waiter.resolve(isNew);
    }
  }

  private async insertBatch(batch: InboxRow[]): Promise<Set<string>> {
    // Two copies of one delivery in a batch: the first is written, the second is answered as a duplicate.
    const seen = new Set<string>();
    const deliveries = batch.filter((d) => !seen.has(d.deliveryId) && seen.add(d.deliveryId));
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
    const rows = await this.inbox.store(this.github.host, deliveries, jobs);
    this.stats.batches++;
    this.stats.rows += batch.length;
    this.stats.inserted += rows.filter((r) => r.inserted).length;
    this.stats.maxBatch = Math.max(this.stats.maxBatch, batch.length);
    if (jobs.length) for (const listener of this.listeners) listener(jobs.length);
    return new Set(rows.filter((r) => r.inserted).map((r) => r.delivery_id));
  }
}
