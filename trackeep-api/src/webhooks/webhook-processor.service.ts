import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Transaction } from 'kysely';
import PgBoss from 'pg-boss';
import { retryOnConflict } from '@trackeep/server-core';
import type { DB } from '../database/db.types';
import { GithubSettings } from '../github/github-settings';
import { ApiEnv } from '../config/api-env';
import { EventBus, type LiveActivity } from '../events/event-bus.service';
import { MetricsService } from '../metrics/metrics.service';
import { ensureQueue } from '../jobs/job-queue.module';
import { ActivityRepository } from '../repos/data/activity.repository';
import { InstallationsService } from '../installations/installations.service';
import { DeliveryInboxService } from './delivery-inbox.service';
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
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { readPayload } from './webhook-payload.util';
import { WebhookRegistrationRepository } from './webhook-registration.repository';
import { WEBHOOK_PROCESS_QUEUE } from './webhook.constants';

const BATCH_SIZE = 4;
const HOOK_HEALTH_EVERY_MS = 5_000;
const MAX_YIELD_MS = 2_000;
/** Times a transaction PostgreSQL aborted to resolve a conflict is run again before it counts as failed. */
const CONFLICT_RETRIES = 3;
const PRUNE_QUEUE = 'webhook-prune';
const MAX_ERROR_LENGTH = 500;
/** Events that change what the repository list shows (counters, push time, name, archived, webhook health). */
const REPO_CHANGING_EVENTS = new Set(['push', 'repository', 'star', 'watch', 'fork', 'issues', 'ping']);

/** A processing job: the deliveries of one inbox commit (or one delivery being retried or replayed). */
export interface ProcessJob {
  deliveryIds: string[];
}

/** Events after which people may see different repositories through an installation. */
const MEMBERSHIP_EVENTS: ReadonlySet<string> = new Set(['member', 'membership', 'organization']);

/**
 * Applies inbox rows, from pg-boss jobs that each name deliveries of one inbox commit. Each delivery is applied
 * in one transaction that first locks its inbox row and skips it unless still pending: a job pg-boss hands out
 * twice, or two replicas racing, still apply it once. A failure rolls everything back, counts an attempt and
 * lets pg-boss retry with backoff; after the last retry the row is parked as `failed` (visible and re-playable
 * through the deliveries API).
 * A body that cannot be applied at all (text PostgreSQL cannot hold, absurd nesting) or whose writes fail with
 * a data error is `parked` at once with the reason: retrying could not help, and the stored bytes stay.
 */
@Injectable()
export class WebhookProcessorService implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookProcessorService.name);
  private readonly workerIds: string[] = [];
  /** Workers of this replica inside a job (the others are waiting for their next poll, or fetching). */
  private readonly busyWorkers = new Set<string>();
  private wakes = 0;
  private readonly hookNotedAt = new Map<string, number>();
  /** Deliveries this replica applied or ignored (benchmark and tests). */
  readonly stats = { processed: 0, ignored: 0, parked: 0, failedAttempts: 0, conflictRetries: 0 };

  constructor(
    private readonly env: ApiEnv,
    private readonly github: GithubSettings,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly registrations: WebhookRegistrationRepository,
    private readonly boss: PgBoss,
    private readonly bus: EventBus,
    private readonly inbox: DeliveryInboxService,
    private readonly metrics: MetricsService,
    private readonly installations: InstallationsService,
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
    this.metrics.countInboxDepthWith(() => this.deliveries.countPending());
    if (this.env.WEBHOOK_WORKERS === 0) return;

    await this.boss.work<object>(PRUNE_QUEUE, () => this.prune());
    for (let i = 0; i < this.env.WEBHOOK_WORKERS; i++) {
      let self = '';
      self = await this.boss.work<ProcessJob>(
        WEBHOOK_PROCESS_QUEUE,
        { batchSize: BATCH_SIZE, includeMetadata: true, pollingIntervalSeconds: 1 },
        async (jobs: Array<PgBoss.JobWithMetadata<ProcessJob>>) => {
          this.busyWorkers.add(self);
          try {
            await this.handle(jobs);
          } finally {
            this.busyWorkers.delete(self);
          }
          // A full batch means more are waiting: fetch again at once instead of after the polling interval.
          if (jobs.length === BATCH_SIZE) this.boss.notifyWorker(self);
        },
      );
      this.workerIds.push(self);
    }
    // Deliveries stored on this replica are picked up immediately; other replicas poll every second.
    this.inbox.onQueued((jobs) => this.wake(jobs));
  }

  /**
   * Makes as many of this replica's workers as there are new jobs fetch now rather than at their next poll,
   * idle ones first (a busy one fetches again as soon as it finishes), taking turns so that a worker woken a
   * moment ago, whose fetch may have missed this commit, is not the only one woken again. Waking every worker
   * for every commit cost three empty fetches per delivery under steady traffic.
   */
  wake(jobs = 1): void {
    const turn = this.wakes++ % Math.max(1, this.workerIds.length);
    const order = [...this.workerIds.slice(turn), ...this.workerIds.slice(0, turn)];
    const idle = order.filter((id) => !this.busyWorkers.has(id));
    const busy = order.filter((id) => this.busyWorkers.has(id));
    for (const id of [...idle, ...busy].slice(0, jobs)) this.boss.notifyWorker(id);
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
      await new Promise((r) => setTimeout(r, 10));
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

  /**
   * Applies one delivery if it is still pending. A transaction PostgreSQL chose to abort (a deadlock, a
   * serialization failure) is run again at once, a few times, before it counts as a failed attempt. Exposed for
   * tests and the benchmark.
   */
  async process(deliveryId: string): Promise<void> {
    await retryOnConflict(() => this.processOnce(deliveryId), {
      retries: CONFLICT_RETRIES,
      onRetry: () => this.stats.conflictRetries++,
    });
  }

  private async processOnce(deliveryId: string): Promise<void> {
    const activity: LiveActivity[] = [];
    const reposChanged: string[] = [];
    const result = await this.deliveries.transaction(async (tx) => {
      const row = await this.deliveries.lockForProcessing(tx, deliveryId, this.github.host);
      if (!row || row.status !== 'pending') return null;
      // Rows stored before raw bodies were kept have only the jsonb copy.
      const reading = row.body ? readPayload(row.body) : { payload: obj(row.payload) ?? {} };
      if (reading.parkedReason !== undefined) {
        await this.deliveries.park(tx, deliveryId, reading.parkedReason.slice(0, MAX_ERROR_LENGTH));
        return { parked: true as const, event: row.event };
      }
      const { body: _body, ...rest } = row;
      const delivery: DeliveryRow = { ...rest, payload: reading.payload };
      const tracked = row.tracked_id ? { id: row.tracked_id, fullName: row.tracked_full_name ?? '' } : null;
      const { outcome, repoId } = await this.apply(tx, delivery, tracked, activity);
      if (outcome.status === 'processed' && repoId && REPO_CHANGING_EVENTS.has(delivery.event))
        reposChanged.push(repoId);
      await this.deliveries.markProcessed(tx, deliveryId, {
        status: outcome.status,
        ignoredReason: outcome.status === 'ignored' ? outcome.reason : null,
        repoId,
      });
      // In the delivery's transaction: listeners hear of its rows only if it commits.
      await this.bus.publish(tx, { activity, reposChanged });
      return { outcome, event: delivery.event, receivedAt: delivery.received_at };
    });
    if (!result) return;
    if ('parked' in result) {
      this.stats.parked++;
      this.metrics.webhookDelivery(result.event, 'parked');
      return;
    }
    this.stats[result.outcome.status]++;
    if (result.outcome.status === 'processed' && MEMBERSHIP_EVENTS.has(result.event))
      this.installations.noteMembershipChange();
    this.metrics.webhookDelivery(result.event, result.outcome.status);
    this.metrics.webhookProcessed(result.event, new Date(result.receivedAt));
  }

  private async apply(
    tx: Transaction<DB>,
    delivery: DeliveryRow,
    repo: TrackedRepoRef | null,
    announced: LiveActivity[],
  ): Promise<{ outcome: ApplyOutcome; repoId: string | null }> {
    if (HOOK_EVENTS.has(delivery.event)) {
      if (delivery.event === 'ping') return this.applyPing(tx, delivery);
      const outcome = await this.installations.applyWebhook(tx, delivery, obj(delivery.payload) ?? {});
      return { outcome: outcome.status === 'processed' ? PROCESSED : ignored(outcome.reason), repoId: null };
    }
    const accessApplier = ACCESS_APPLIERS[delivery.event];
    if (accessApplier) {
      const outcome = await accessApplier({
        tx,
        delivery,
        payload: obj(delivery.payload) ?? {},
        githubHost: this.github.host,
      });
      return { outcome, repoId: repo?.id ?? null };
    }
    if (!repo && delivery.event === 'repository') {
      // Perhaps a new repository of an account the App is installed on with all repositories.
      const outcome = await this.installations.applyRepositoryEvent(
        tx,
        delivery,
        obj(delivery.payload) ?? {},
      );
      return { outcome: outcome.status === 'processed' ? PROCESSED : ignored(outcome.reason), repoId: null };
    }
    const applier = REPO_APPLIERS[delivery.event];
    if (!applier)
      return { outcome: ignored(`event "${delivery.event}" is not used by Trackeep`), repoId: null };
    if (!repo) return { outcome: ignored('repository is not tracked by Trackeep'), repoId: null };
    const payload = obj(delivery.payload) ?? {};
    try {
      const outcome = await applier({
        tx,
        delivery,
        payload,
        repo,
        activity: async (entry) => {
          const [id] = await ActivityRepository.insert(tx, repo.id, [
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
      await this.noteHookDelivery(tx, repo.id);
      return { outcome, repoId: repo.id };
    } catch (err) {
      // Appliers check what they need before writing, so nothing was applied: keep it, marked ignored.
      if (err instanceof MalformedPayload) return { outcome: ignored(err.message), repoId: repo.id };
      throw err;
    }
  }

  /** Hook health (last delivery): written at most every few seconds per repo and replica, not per delivery. */
  private async noteHookDelivery(tx: Transaction<DB>, repoId: string): Promise<void> {
    const now = Date.now();
    if ((this.hookNotedAt.get(repoId) ?? 0) > now - HOOK_HEALTH_EVERY_MS) return;
    this.hookNotedAt.set(repoId, now);
    if (this.hookNotedAt.size > 10_000) this.hookNotedAt.clear();
    await this.registrations.noteDelivery(tx, repoId);
  }

  /**
   * ping: GitHub confirms the hook works; the registration becomes active (and learns its id if it had none).
   * A late ping never revives a removed (disabled) registration.
   */
  private async applyPing(
    tx: Transaction<DB>,
    delivery: DeliveryRow,
  ): Promise<{ outcome: ApplyOutcome; repoId: string | null }> {
    const payload = obj(delivery.payload) ?? {};
    const hookId =
      int(payload['hook_id']) ??
      int(obj(payload['hook'])?.['id']) ??
      (delivery.hook_id ? Number(delivery.hook_id) : null);
    const repoId = await this.registrations.confirmPing(
      tx,
      hookId,
      this.github.host,
      delivery.repo_github_id,
    );
    if (!repoId) return { outcome: ignored('ping from a hook Trackeep did not register'), repoId: null };
    return { outcome: PROCESSED, repoId };
  }

  /** Parks a pending delivery that failed with a data error (its own transaction was rolled back). */
  private async park(deliveryId: string, reason: string): Promise<boolean> {
    const event = await this.deliveries.park(undefined, deliveryId, reason.slice(0, MAX_ERROR_LENGTH));
    if (event === null) return false;
    this.stats.parked++;
    this.metrics.webhookDelivery(event, 'parked');
    this.logger.warn(`webhook delivery ${deliveryId} parked: ${reason}`);
    return true;
  }

  private async recordFailure(deliveryId: string, message: string, final: boolean): Promise<void> {
    const event = await this.deliveries.recordFailure(deliveryId, message, final);
    if (final) {
      if (event) this.metrics.webhookDelivery(event, 'failed');
      await this.registrations.markFailingAfter(
        deliveryId,
        `processing failed: ${message}`.slice(0, MAX_ERROR_LENGTH),
      );
    }
  }

  /** Hourly: processed and ignored deliveries older than WEBHOOK_RETENTION_DAYS go; failed ones stay. */
  private async prune(): Promise<void> {
    await this.deliveries.prune(this.env.WEBHOOK_RETENTION_DAYS);
  }
}

/**
 * PostgreSQL's data errors (class 22: text it cannot hold, values out of range) and stack depth: the same
 * payload fails the same way on every retry, so it is parked at once with the reason.
 */
function dataErrorReason(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !(code.startsWith('22') || code === '54001')) return null;
  return `PostgreSQL could not store what the payload holds (${code}: ${(err as Error).message}); kept byte-exact, not applied`;
}
