import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import PgBoss from 'pg-boss';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { GithubSettings } from '../github/github-settings';
import { ApiEnv } from '../config/api-env';
import { EventBus, type LiveActivity } from '../events/event-bus.service';
import { MetricsService } from '../metrics/metrics.service';
import { ensureQueue } from '../jobs/job-queue.module';
import { ActivityRepository } from '../repos/data/activity.repository';
import { DeliveryInboxService } from './delivery-inbox.service';
import { inTransaction } from './pg-transaction.util';
import {
  MalformedPayload,
  PROCESSED,
  ignored,
  int,
  obj,
  type ApplyOutcome,
  type DeliveryRow,
  type TrackedRepoRef,
} from './processors/apply-context';
import { ACCESS_APPLIERS, HOOK_EVENTS, REPO_APPLIERS } from './processors/event-appliers';
import { readPayload } from './webhook-payload.util';
import { WEBHOOK_PROCESS_QUEUE } from './webhook.constants';

const BATCH_SIZE = 4;
const HOOK_HEALTH_EVERY_MS = 5_000;
const MAX_YIELD_MS = 2_000;
const PRUNE_QUEUE = 'webhook-prune';
const MAX_ERROR_LENGTH = 500;
/** Events that change what the repository list shows (counters, push time, name, archived, webhook health). */
const REPO_CHANGING_EVENTS = new Set(['push', 'repository', 'star', 'watch', 'fork', 'issues', 'ping']);

/** A processing job: the deliveries of one inbox commit (or one delivery being retried or replayed). */
export interface ProcessJob {
  deliveryIds: string[];
}

/**
 * Applies inbox rows, one pg-boss job per delivery. Each delivery is applied in one transaction that first
 * locks its inbox row and skips it unless still pending: a job pg-boss hands out twice, or two replicas racing,
 * still apply it once. A failure rolls everything back, counts an attempt and lets pg-boss retry with backoff;
 * after the last retry the row is parked as `failed` (visible and re-playable through the deliveries API).
 * A body that cannot be applied at all (text PostgreSQL cannot hold, absurd nesting) or whose writes fail with
 * a data error is `parked` at once with the reason: retrying could not help, and the stored bytes stay.
 */
@Injectable()
export class WebhookProcessorService implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookProcessorService.name);
  private readonly workerIds: string[] = [];
  private readonly hookNotedAt = new Map<string, number>();
  /** Deliveries this replica applied or ignored (benchmark and tests). */
  readonly stats = { processed: 0, ignored: 0, parked: 0, failedAttempts: 0 };

  constructor(
    private readonly env: ApiEnv,
    private readonly github: GithubSettings,
    private readonly dataSource: DataSource,
    private readonly boss: PgBoss,
    private readonly bus: EventBus,
    private readonly inbox: DeliveryInboxService,
    private readonly metrics: MetricsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await ensureQueue(this.boss, WEBHOOK_PROCESS_QUEUE, {
      retryLimit: this.env.WEBHOOK_RETRY_LIMIT,
      retryDelay: this.env.WEBHOOK_RETRY_DELAY_SECONDS,
      retryBackoff: true,
      expireInSeconds: 300,
    });
    await ensureQueue(this.boss, PRUNE_QUEUE, { retryLimit: 0 });
    await this.boss.schedule(PRUNE_QUEUE, '17 * * * *');
    this.metrics.countInboxDepthWith(async () => {
      const [row] = (await this.dataSource.query(
        `SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'pending'`,
      )) as Array<{ n: number }>;
      return row?.n ?? 0;
    });
    if (this.env.WEBHOOK_WORKERS === 0) return;

    await this.boss.work<object>(PRUNE_QUEUE, () => this.prune());
    for (let i = 0; i < this.env.WEBHOOK_WORKERS; i++) {
      let self = '';
      self = await this.boss.work<ProcessJob>(
        WEBHOOK_PROCESS_QUEUE,
        { batchSize: BATCH_SIZE, includeMetadata: true, pollingIntervalSeconds: 1 },
        async (jobs: Array<PgBoss.JobWithMetadata<ProcessJob>>) => {
          await this.handle(jobs);
          // A full batch means more are waiting: fetch again at once instead of after the polling interval.
          if (jobs.length === BATCH_SIZE) this.boss.notifyWorker(self);
        },
      );
      this.workerIds.push(self);
    }
    // Deliveries stored on this replica are picked up immediately; other replicas poll every second.
    this.inbox.onQueued(() => this.wake());
  }

  /** Makes this replica's workers fetch now rather than at their next poll. */
  wake(): void {
    for (const id of this.workerIds) this.boss.notifyWorker(id);
  }

  private async handle(jobs: Array<PgBoss.JobWithMetadata<ProcessJob>>): Promise<void> {
    for (const job of jobs) {
      await this.yieldToIntake();
      const ids = Array.isArray(job.data?.deliveryIds)
        ? job.data.deliveryIds.filter((id): id is string => typeof id === 'string')
        : [];
      for (const deliveryId of ids) {
        try {
          await this.process(deliveryId);
        } catch (err) {
          const reason = dataErrorReason(err);
          if (reason && (await this.park(deliveryId, reason).catch(() => false))) continue;
          await this.onFailure(job, ids.length === 1, deliveryId, err as Error);
        }
      }
    }
  }

  /**
   * Receiving comes first: while a burst of deliveries is arriving on this replica, processing waits (up to
   * MAX_YIELD_MS per job, so it always progresses). Every delivery is already durable; GitHub, which gives up
   * after 10 s and never retries, is not kept waiting by our own background work. Calm traffic is processed
   * at once.
   */
  private async yieldToIntake(): Promise<void> {
    const started = Date.now();
    while (this.inbox.isBusy() && Date.now() - started < MAX_YIELD_MS)
      await new Promise((r) => setTimeout(r, 50));
  }

  /**
   * A delivery's attempt failed. Alone in its job: pg-boss retries the job with backoff, and after the last
   * retry the delivery is parked. Sharing a job: the others are unaffected; it gets a job of its own that
   * starts after the retry delay, with the retries that remain.
   */
  private async onFailure(
    job: PgBoss.JobWithMetadata<ProcessJob>,
    alone: boolean,
    deliveryId: string,
    err: Error,
  ): Promise<void> {
    this.stats.failedAttempts++;
    const message = (err.message || String(err)).slice(0, MAX_ERROR_LENGTH);
    const retriesLeft = alone ? job.retryLimit - job.retryCount : this.env.WEBHOOK_RETRY_LIMIT;
    const final = retriesLeft <= 0;
    this.logger.warn(
      `webhook delivery ${deliveryId} failed (${final ? 'parked' : 'will retry'}): ${message}`,
    );
    await this.recordFailure(deliveryId, message, final).catch((e: Error) =>
      this.logger.error(`could not record failure of ${deliveryId}: ${e.message}`),
    );
    try {
      if (alone) await this.boss.fail(WEBHOOK_PROCESS_QUEUE, job.id, { message });
      else if (!final) {
        await this.boss.send(WEBHOOK_PROCESS_QUEUE, { deliveryIds: [deliveryId] } satisfies ProcessJob, {
          retryLimit: retriesLeft - 1,
          startAfter: this.env.WEBHOOK_RETRY_DELAY_SECONDS,
        });
      }
    } catch (e) {
      this.logger.error(`could not schedule the retry of ${deliveryId}: ${(e as Error).message}`);
    }
  }

  /** Applies one delivery if it is still pending. Exposed for tests and the benchmark. */
  async process(deliveryId: string): Promise<void> {
    const activity: LiveActivity[] = [];
    const reposChanged: string[] = [];
    const result = await inTransaction(this.dataSource, async (client) => {
      // The inbox row (locked) and, in the same round trip, the tracked repository it is about.
      const { rows } = await client.query<
        StoredDeliveryRow & { tracked_id: string | null; tracked_full_name: string | null }
      >(
        `SELECT d.delivery_id, d.event, d.action, d.hook_id, d.repo_id, d.repo_github_id, d.signed_with, d.body, d.payload, d.received_at, d.status,
                r.id AS tracked_id, r.full_name AS tracked_full_name
           FROM webhook_deliveries d
           LEFT JOIN repositories r ON r.github_host = $2 AND r.github_id = d.repo_github_id
                                   AND EXISTS (SELECT 1 FROM tracked_repos t WHERE t.repo_id = r.id)
          WHERE d.delivery_id = $1 FOR UPDATE OF d`,
        [deliveryId, this.github.host],
      );
      const row = rows[0];
      if (!row || row.status !== 'pending') return null;
      // Rows stored before raw bodies were kept have only the jsonb copy.
      const reading = row.body ? readPayload(row.body) : { payload: row.payload ?? {} };
      if (reading.parkedReason !== undefined) {
        await this.markParked(client, deliveryId, reading.parkedReason);
        return { parked: true as const, event: row.event };
      }
      const { body: _body, ...rest } = row;
      const delivery: DeliveryRow & { tracked_id: string | null; tracked_full_name: string | null } = {
        ...rest,
        payload: reading.payload,
      };
      const tracked = delivery.tracked_id
        ? { id: delivery.tracked_id, fullName: delivery.tracked_full_name ?? '' }
        : null;
      const { outcome, repoId } = await this.apply(client, delivery, tracked, activity);
      if (outcome.status === 'processed' && repoId && REPO_CHANGING_EVENTS.has(delivery.event))
        reposChanged.push(repoId);
      await client.query(
        `UPDATE webhook_deliveries SET status = $2, ignored_reason = $3, attempts = attempts + 1, last_error = NULL,
                processed_at = now(), applied_count = applied_count + $4, repo_id = COALESCE($5, repo_id)
          WHERE delivery_id = $1`,
        [
          deliveryId,
          outcome.status,
          outcome.status === 'ignored' ? outcome.reason : null,
          outcome.status === 'processed' ? 1 : 0,
          repoId,
        ],
      );
      // In the delivery's transaction: listeners hear of its rows only if it commits.
      await this.bus.publish(client, { activity, reposChanged });
      return { outcome, event: delivery.event, receivedAt: delivery.received_at };
    });
    if (!result) return;
    if ('parked' in result) {
      this.stats.parked++;
      this.metrics.webhookDelivery(result.event, 'parked');
      return;
    }
    this.stats[result.outcome.status]++;
    this.metrics.webhookDelivery(result.event, result.outcome.status);
    this.metrics.webhookProcessed(result.event, new Date(result.receivedAt));
  }

  private async apply(
    client: PoolClient,
    delivery: DeliveryRow,
    repo: TrackedRepoRef | null,
    announced: LiveActivity[],
  ): Promise<{ outcome: ApplyOutcome; repoId: string | null }> {
    if (HOOK_EVENTS.has(delivery.event)) {
      if (delivery.event === 'ping') return this.applyPing(client, delivery);
      return { outcome: ignored('kept for GitHub App support; not applied yet'), repoId: null };
    }
    const accessApplier = ACCESS_APPLIERS[delivery.event];
    if (accessApplier) {
      const outcome = await accessApplier({
        client,
        delivery,
        payload: obj(delivery.payload) ?? {},
        githubHost: this.github.host,
      });
      return { outcome, repoId: repo?.id ?? null };
    }
    const applier = REPO_APPLIERS[delivery.event];
    if (!applier)
      return { outcome: ignored(`event "${delivery.event}" is not used by Trackeep`), repoId: null };
    if (!repo) return { outcome: ignored('repository is not tracked by Trackeep'), repoId: null };
    const payload = obj(delivery.payload) ?? {};
    try {
      const outcome = await applier({
        client,
        delivery,
        payload,
        repo,
        activity: async (entry) => {
          const [id] = await ActivityRepository.insert(client, repo.id, [
            {
              type: entry.type,
              actor: entry.actor,
              title: entry.title,
              url: entry.url,
              occurred_at: entry.occurredAt,
              data: entry.data,
              dedupe_key: entry.dedupeKey,
            },
          ]);
          if (id) announced.push({ repoId: repo.id, id });
          return id !== undefined;
        },
      });
      await this.noteHookDelivery(client, repo.id);
      return { outcome, repoId: repo.id };
    } catch (err) {
      // Appliers check what they need before writing, so nothing was applied: keep it, marked ignored.
      if (err instanceof MalformedPayload) return { outcome: ignored(err.message), repoId: repo.id };
      throw err;
    }
  }

  /** Hook health (last delivery): written at most every few seconds per repo and replica, not per delivery. */
  private async noteHookDelivery(client: PoolClient, repoId: string): Promise<void> {
    const now = Date.now();
    if ((this.hookNotedAt.get(repoId) ?? 0) > now - HOOK_HEALTH_EVERY_MS) return;
    this.hookNotedAt.set(repoId, now);
    if (this.hookNotedAt.size > 10_000) this.hookNotedAt.clear();
    await client.query(
      `UPDATE webhook_registrations SET last_delivery_at = now(), status = CASE WHEN status = 'failing' THEN 'active' ELSE status END
        WHERE repo_id = $1`,
      [repoId],
    );
  }

  /**
   * ping: GitHub confirms the hook works; the registration becomes active (and learns its id if it had none).
   * A late ping never revives a removed (disabled) registration.
   */
  private async applyPing(
    client: PoolClient,
    delivery: DeliveryRow,
  ): Promise<{ outcome: ApplyOutcome; repoId: string | null }> {
    const payload = obj(delivery.payload) ?? {};
    const hookId =
      int(payload['hook_id']) ??
      int(obj(payload['hook'])?.['id']) ??
      (delivery.hook_id ? Number(delivery.hook_id) : null);
    const { rows } = await client.query<{ repo_id: string }>(
      `UPDATE webhook_registrations w SET status = 'active', last_ping_at = now(), last_delivery_at = now(), last_error = NULL,
              last_error_at = NULL, hook_id = COALESCE(w.hook_id, $1), updated_at = now()
         FROM repositories r
        WHERE r.id = w.repo_id AND w.status IN ('pending', 'active', 'failing')
          AND (w.hook_id = $1 OR (w.hook_id IS NULL AND w.status = 'pending' AND r.github_host = $2 AND r.github_id = $3))
        RETURNING w.repo_id`,
      [hookId, this.github.host, delivery.repo_github_id],
    );
    if (!rows[0]) return { outcome: ignored('ping from a hook Trackeep did not register'), repoId: null };
    return { outcome: PROCESSED, repoId: rows[0].repo_id };
  }

  /** Parks a pending delivery that failed with a data error (its own transaction was rolled back). */
  private async park(deliveryId: string, reason: string): Promise<boolean> {
    const event = await inTransaction(this.dataSource, (client) =>
      this.markParked(client, deliveryId, reason),
    );
    if (event === null) return false;
    this.stats.parked++;
    this.metrics.webhookDelivery(event, 'parked');
    this.logger.warn(`webhook delivery ${deliveryId} parked: ${reason}`);
    return true;
  }

  /** The delivery's event if it was pending and is now parked, else null. */
  private async markParked(client: PoolClient, deliveryId: string, reason: string): Promise<string | null> {
    const { rows } = await client.query<{ event: string }>(
      `UPDATE webhook_deliveries SET status = 'parked', last_error = $2, attempts = attempts + 1, processed_at = now()
        WHERE delivery_id = $1 AND status = 'pending' RETURNING event`,
      [deliveryId, reason.slice(0, MAX_ERROR_LENGTH)],
    );
    return rows[0]?.event ?? null;
  }

  private async recordFailure(deliveryId: string, message: string, final: boolean): Promise<void> {
    const [updated] = (await this.dataSource.query(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = $2, status = CASE WHEN $3 THEN 'failed' ELSE status END
        WHERE delivery_id = $1 AND status = 'pending' RETURNING event`,
      [deliveryId, message, final],
    )) as [Array<{ event: string }>, number];
    if (final) {
      for (const row of updated) this.metrics.webhookDelivery(row.event, 'failed');
      await this.dataSource.query(
        `UPDATE webhook_registrations w SET status = 'failing', last_error = $2, last_error_at = now(), updated_at = now()
           FROM webhook_deliveries d WHERE d.delivery_id = $1 AND w.repo_id = d.repo_id AND w.status = 'active'`,
        [deliveryId, `processing failed: ${message}`.slice(0, MAX_ERROR_LENGTH)],
      );
    }
  }

  /** Hourly: processed and ignored deliveries older than WEBHOOK_RETENTION_DAYS go; failed ones stay. */
  private async prune(): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM webhook_deliveries WHERE delivery_id IN (
         SELECT delivery_id FROM webhook_deliveries
          WHERE status IN ('processed', 'ignored') AND received_at < now() - make_interval(days => $1) LIMIT 50000)`,
      [this.env.WEBHOOK_RETENTION_DAYS],
    );
  }
}

/** An inbox row as stored: the raw body (null for rows written before it was kept) and the legacy jsonb copy. */
type StoredDeliveryRow = Omit<DeliveryRow, 'payload'> & {
  body: Buffer | null;
  payload: Record<string, unknown> | null;
};

/**
 * PostgreSQL's data errors (class 22: text it cannot hold, values out of range) and stack depth: the same
 * payload fails the same way on every retry, so it is parked at once with the reason.
 */
function dataErrorReason(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !(code.startsWith('22') || code === '54001')) return null;
  return `PostgreSQL could not store what the payload holds (${code}: ${(err as Error).message}); kept byte-exact, not applied`;
}
