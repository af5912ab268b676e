import { Injectable } from '@nestjs/common';
import type { SyncRunCounts } from '@trackeep/contracts';
import { createMetricsRegistry, httpMetricsMiddleware } from '@trackeep/server-core';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What a sync job covers; one label value per job type. */
export type SyncJobKind = 'repo' | 'cycle' | 'maintenance';
export type SyncJobResult = 'succeeded' | 'failed' | 'retried';
/** Rows written by a sync, by entity (the counts of SyncRunCounts). */
export type SyncItemKind = keyof SyncRunCounts;
export type GithubApi = 'rest' | 'graphql';
/**
 * What became of one webhook delivery: `accepted` (stored in the inbox), `duplicate` (X-GitHub-Delivery seen
 * before), `bad_signature`, `rejected` (other 4xx), then after processing `processed`, `ignored` (event not
 * used) or `failed`.
 */
export type WebhookResult =
  'accepted' | 'duplicate' | 'bad_signature' | 'rejected' | 'processed' | 'ignored' | 'failed' | 'parked';

type CountSource = () => number | Promise<number>;

type OctokitHeaders = Record<string, string | number | undefined>;
type GraphqlCost = { data?: { rateLimit?: { cost?: number } }; rateLimit?: { cost?: number } };
/** The part of Octokit's hook API used here (structural, so any Octokit flavour fits). */
export interface InstrumentableOctokit {
  hook: {
    after(
      name: 'request',
      hook: (
        response: { status: number; headers: OctokitHeaders; data?: unknown },
        options: { url?: string },
      ) => void,
    ): void;
    error(name: 'request', hook: (error: unknown, options: { url?: string }) => never): void;
  };
}

/**
 * The API's Prometheus metrics. Features call the typed methods below; they never touch prom-client
 * themselves, so names, labels and buckets stay in one place. Label values are bounded sets (job kinds,
 * GitHub event names, results), never repo or URL values; the one per-credential gauge is labelled by user id.
 */
@Injectable()
export class MetricsService {
  readonly registry: Registry = createMetricsRegistry('trackeep-api');
  /** Express middleware recording http_request_duration_seconds (installed in create-app.ts). */
  readonly httpMiddleware = httpMetricsMiddleware(this.registry);

  private readonly syncStarted = new Counter({
    name: 'trackeep_sync_jobs_started_total',
    help: 'Sync jobs started, by kind',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  private readonly syncFinished = new Counter({
    name: 'trackeep_sync_jobs_finished_total',
    help: 'Sync jobs finished, by kind and result (succeeded, failed, retried)',
    labelNames: ['kind', 'result'],
    registers: [this.registry],
  });
  private readonly syncDuration = new Histogram({
    name: 'trackeep_sync_job_duration_seconds',
    help: 'Wall time of a sync job, by kind and result',
    labelNames: ['kind', 'result'],
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [this.registry],
  });
  private readonly itemsSyncedTotal = new Counter({
    name: 'trackeep_sync_items_total',
    help: 'Rows written by sync, by kind',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  private readonly githubRequests = new Counter({
    name: 'trackeep_github_requests_total',
    help: 'Requests sent to GitHub, by API and HTTP status (or "error" when no response came)',
    labelNames: ['api', 'status'],
    registers: [this.registry],
  });
  private readonly githubPoints = new Counter({
    name: 'trackeep_github_points_total',
    help: 'GitHub rate-limit points spent: REST requests that counted, GraphQL query cost',
    labelNames: ['api'],
    registers: [this.registry],
  });
  private readonly lowestRemaining = new Map<string, number>();
  private readonly rateLimitRemaining = new Gauge({
    name: 'trackeep_github_rate_limit_remaining',
    help: 'Lowest x-ratelimit-remaining seen for any token since the previous scrape, by resource',
    labelNames: ['resource'],
    registers: [this.registry],
    collect: () => this.publishLowestRemaining(),
  });
  private readonly budgetRemaining = new Gauge({
    name: 'trackeep_github_budget_remaining',
    help: 'Primary rate-limit budget left, by credential (a user id, never a token) and resource',
    labelNames: ['credential', 'resource'],
    registers: [this.registry],
  });
  private readonly webhookDeliveries = new Counter({
    name: 'trackeep_webhook_deliveries_total',
    help: 'Webhook deliveries by GitHub event and result',
    labelNames: ['event', 'result'],
    registers: [this.registry],
  });
  private readonly webhookLag = new Histogram({
    name: 'trackeep_webhook_processing_lag_seconds',
    help: 'Time from receiving a delivery to finishing its processing, by GitHub event',
    labelNames: ['event'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  private inboxDepthSource: CountSource | null = null;
  private sseClientsSource: CountSource | null = null;

  constructor() {
    const source = (get: () => CountSource | null) =>
      async function (this: Gauge) {
        const read = get();
        if (read) this.set(await read());
      };
    new Gauge({
      name: 'trackeep_webhook_inbox_depth',
      help: 'Webhook deliveries received but not yet processed',
      registers: [this.registry],
      collect: source(() => this.inboxDepthSource),
    });
    new Gauge({
      name: 'trackeep_sse_clients',
      help: 'Server-Sent Events streams open on this replica',
      registers: [this.registry],
      collect: source(() => this.sseClientsSource),
    });
  }

  // --- sync --------------------------------------------------------------------------------------

  /** Call when a sync job starts; call the returned function exactly once when it ends. */
  syncJobStarted(kind: SyncJobKind): (result: SyncJobResult) => void {
    this.syncStarted.inc({ kind });
    const end = this.syncDuration.startTimer({ kind });
    let done = false;
    return (result) => {
      if (done) return;
      done = true;
      end({ result });
      this.syncFinished.inc({ kind, result });
    };
  }

  itemsSynced(kind: SyncItemKind, count: number): void {
    if (count > 0) this.itemsSyncedTotal.inc({ kind }, count);
  }

  // --- GitHub client -----------------------------------------------------------------------------

  /** One request to GitHub: status of the answer, or 'error' for a network failure / timeout. */
  githubRequest(api: GithubApi, status: number | 'error'): void {
    this.githubRequests.inc({ api, status: String(status) });
  }

  /** Points a request cost (REST: 1 unless it was a 304; GraphQL: the query's rateLimit.cost). */
  githubPointsSpent(api: GithubApi, points: number): void {
    if (points > 0) this.githubPoints.inc({ api }, points);
  }

  /** From x-ratelimit-remaining and x-ratelimit-resource (core, graphql, search, ...). */
  githubRateLimit(resource: string, remaining: number): void {
    const key = /^[a-z_]{1,32}$/.test(resource) ? resource : 'other';
    const lowest = this.lowestRemaining.get(key);
    if (lowest === undefined || remaining < lowest) this.lowestRemaining.set(key, remaining);
  }

  /** The budget GitHub last reported for one credential (user id) and resource (core, graphql, ...). */
  githubBudget(credential: string, resource: string, remaining: number): void {
    const label = /^[a-z_]{1,32}$/.test(resource) ? resource : 'other';
    this.budgetRemaining.set({ credential, resource: label }, remaining);
  }

  /**
   * Records every request an Octokit instance sends: status, points (REST 1 unless 304; GraphQL the
   * query's `rateLimit.cost` when it asks for it, else 1) and x-ratelimit-remaining. GitHub's adapter calls
   * it on every client it builds; a GraphQL body must already be parsed when this hook sees it.
   */
  instrumentOctokit(octokit: InstrumentableOctokit): void {
    const api = (url: string | undefined): GithubApi => (url && /\/graphql$/.test(url) ? 'graphql' : 'rest');
    const observeHeaders = (headers: OctokitHeaders | undefined) => {
      const remaining = Number(headers?.['x-ratelimit-remaining']);
      if (headers?.['x-ratelimit-remaining'] !== undefined && Number.isFinite(remaining)) {
        this.githubRateLimit(String(headers['x-ratelimit-resource'] ?? 'core'), remaining);
      }
    };
    octokit.hook.after('request', (response, options) => {
      const which = api(options.url);
      this.githubRequest(which, response.status);
      const cost =
        which === 'graphql'
          ? Number(
              (response.data as GraphqlCost | undefined)?.data?.rateLimit?.cost ??
                (response.data as GraphqlCost | undefined)?.rateLimit?.cost ??
                1,
            )
          : 1;
      // GitHub counts neither a 304 nor GET /rate_limit.
      const free = response.status === 304 || /\/rate_limit$/.test(options.url ?? '');
      this.githubPointsSpent(which, free ? 0 : cost);
      observeHeaders(response.headers);
    });
    octokit.hook.error('request', (error, options) => {
      const status = (error as { status?: number }).status;
      this.githubRequest(api(options.url), typeof status === 'number' ? status : 'error');
      // Octokit reports 304 Not Modified as an error; it costs nothing.
      if (status !== 304) this.githubPointsSpent(api(options.url), 1);
      observeHeaders((error as { response?: { headers?: OctokitHeaders } }).response?.headers);
      throw error;
    });
  }

  // --- webhooks ----------------------------------------------------------------------------------

  webhookDelivery(event: string, result: WebhookResult): void {
    this.webhookDeliveries.inc({ event: eventLabel(event), result });
  }

  /** When a delivery has been processed: how long after it was received. */
  webhookProcessed(event: string, receivedAt: Date): void {
    this.webhookLag.observe(
      { event: eventLabel(event) },
      Math.max(0, (Date.now() - receivedAt.getTime()) / 1000),
    );
  }

  /** Registers how to count unprocessed deliveries; read at scrape time only. */
  countInboxDepthWith(source: CountSource): void {
    this.inboxDepthSource = source;
  }

  // --- SSE ---------------------------------------------------------------------------------------

  /** Registers how to count open SSE streams on this replica; read at scrape time only. */
  countSseClientsWith(source: CountSource): void {
    this.sseClientsSource = source;
  }

  private publishLowestRemaining(): void {
    for (const [resource, remaining] of this.lowestRemaining)
      this.rateLimitRemaining.set({ resource }, remaining);
    this.lowestRemaining.clear();
  }
}

/** GitHub event names are a fixed lowercase vocabulary; anything else is grouped, keeping labels bounded. */
function eventLabel(event: string): string {
  return /^[a-z_]{1,40}$/.test(event) ? event : 'other';
}
