import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import PgBoss from 'pg-boss';
import { ApiEnv } from '../../config/api-env';
import { GithubAppSettings } from '../../installations/github-app-settings';
import { InstallationTokenService } from '../../installations/installation-token.service';
import { RepoCredentials } from '../../repos/repo-credentials.service';
import { orgPolicyRefusalOf } from '../../sync/github/sync-github.errors';
import { ensureQueue } from '../../jobs/job-queue.module';
import {
  WebhookRedeliveryRepository,
  type FailedDelivery,
  type OwnedHook,
} from './webhook-redelivery.repository';

/** One hook's delivery log on GitHub, through the one credential that may read it and ask for redeliveries. */
interface HookLog {
  page(paging: { per_page: number; cursor?: string }): Promise<{ data: unknown; headers: { link?: string } }>;
  redeliver(deliveryId: number): Promise<unknown>;
}

/** pg-boss queue of the scheduled redelivery run (no data; one run at a time across replicas). */
export const WEBHOOK_REDELIVERY_QUEUE = 'webhook-redelivery';

/** GitHub keeps (and redelivers) a hook's deliveries of the past 3 days; an hour's margin for clocks and slow runs. */
const WINDOW_MS = 3 * 24 * 3600_000 - 3600_000;
/** Requests per GUID: the first, and two more if GitHub's redeliveries fail as well. */
const MAX_REQUESTS = 3;
/** Redeliveries asked per hook and run (a long outage is worked off over a few runs). */
const MAX_PER_RUN = 200;
/** How late a scheduled run may be before a starting replica runs one itself. */
const CATCH_UP_GRACE_MS = 60_000;
/** Pages read per hook and run; a longer log is read on from the cursor the next run. */
const MAX_PAGES = 50;

/** One entry of GitHub's delivery log (`hook-delivery-item`). */
interface DeliveryItem {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
}

/** What a run did (tests and logs). */
export interface RedeliveryRunStats {
  hooks: number;
  skipped: number;
  pages: number;
  requested: number;
}

/**
 * GitHub never retries a delivery it failed to make (Trackeep down, a 5xx, a timeout). Every
 * WEBHOOK_REDELIVERY_INTERVAL_MINUTES, one replica reads the new entries of each owned hook's delivery log
 * (newest first, from the newest entry read last time), finds GUIDs whose every listed attempt failed and that
 * the inbox never stored, and asks GitHub to redeliver each once (a redelivery that fails too is asked again, at
 * most MAX_REQUESTS in all). A GUID the inbox stored needs nothing, whatever its status: its bytes are here, and
 * a failed or parked one is replayed from the inbox, not from GitHub. The redelivery carries the same
 * X-GitHub-Delivery, so the inbox's dedupe keeps it from being applied twice.
 */
@Injectable()
export class WebhookRedeliveryService implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookRedeliveryService.name);

  constructor(
    private readonly env: ApiEnv,
    private readonly boss: PgBoss,
    private readonly credentials: RepoCredentials,
    private readonly redeliveries: WebhookRedeliveryRepository,
    private readonly appSettings: GithubAppSettings,
    private readonly appTokens: InstallationTokenService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // 'stately': at most one run queued and one active, however many replicas fire the schedule.
    await ensureQueue(this.boss, WEBHOOK_REDELIVERY_QUEUE, {
      policy: 'stately',
      retryLimit: 0,
      expireInSeconds: 900,
    });
    const minutes = this.env.WEBHOOK_REDELIVERY_INTERVAL_MINUTES;
    if (minutes === 0) {
      await this.boss.unschedule(WEBHOOK_REDELIVERY_QUEUE);
      return;
    }
    await this.boss.schedule(WEBHOOK_REDELIVERY_QUEUE, `*/${minutes} * * * *`);
    if (this.env.WEBHOOK_WORKERS === 0) return;
    // No run for longer than the interval: every replica was down, and GitHub failed what it sent meanwhile.
    // Recovering it should not wait for the schedule. (Never run: a new instance has nothing to recover.)
    const since = await this.redeliveries.secondsSinceLastRun();
    if (since !== null && since * 1000 > minutes * 60_000 + CATCH_UP_GRACE_MS) {
      this.logger.log(`no redelivery run for ${Math.round(since / 60)} minutes: running one now`);
      await this.boss.send(WEBHOOK_REDELIVERY_QUEUE, {});
    }
    await this.boss.work(WEBHOOK_REDELIVERY_QUEUE, { pollingIntervalSeconds: 10 }, async () => {
      await this.run();
    });
  }

  /**
   * One run over every owned hook: each repository hook, and the App's webhook in App mode. GitHub's refusals skip
   * a hook for this run; nothing here throws for them.
   */
  async run(): Promise<RedeliveryRunStats> {
    const stats: RedeliveryRunStats = { hooks: 0, skipped: 0, pages: 0, requested: 0 };
    const windowStart = new Date(Date.now() - WINDOW_MS);
    await this.redeliveries.prune(windowStart);
    const app = this.appSettings.app;
    const hooks: OwnedHook[] = [
      ...(await this.redeliveries.ownedHooks()),
      ...(app ? [{ kind: 'app' as const, appId: app.appId }] : []),
    ];
    for (const hook of hooks) {
      stats.hooks++;
      try {
        await this.runHook(hook, windowStart, stats);
      } catch (err) {
        stats.skipped++;
        this.logger.warn(`recovering missed deliveries of ${label(hook)} skipped this run: ${describe(err)}`);
      }
    }
    if (stats.requested)
      this.logger.log(`asked GitHub to redeliver ${stats.requested} missed webhook deliveries`);
    await this.redeliveries.noteRunFinished();
    return stats;
  }

  private async runHook(hook: OwnedHook, windowStart: Date, stats: RedeliveryRunStats): Promise<void> {
    const log = await this.readLogOf(hook, windowStart, stats);
    if (!log) return; // nobody tracking the repository administers it: the hook check reports that

    const claimed = await this.redeliveries.claim(hook, {
      maxRequests: MAX_REQUESTS,
      deliveredAfter: windowStart,
      limit: MAX_PER_RUN,
    });
    for (const [i, c] of claimed.entries()) {
      try {
        await log.redeliver(c.githubDeliveryId);
        stats.requested++;
      } catch (err) {
        if ((err as { status?: number }).status === 422) {
          // GitHub will not redeliver this one (past its window, or the delivery is gone).
          await this.redeliveries.giveUp(c.guid, describe(err));
          continue;
        }
        // A rate limit, a 403, the hook gone, an outage: what was not asked stays due for the next run.
        for (const rest of claimed.slice(i)) await this.redeliveries.release(rest.guid, describe(err));
        throw err;
      }
    }
  }

  /**
   * Reads the hook's log (see readLog) and returns it for the redeliveries. The App's webhook is read as the App
   * (its JWT); a repository hook as an admin tracking the repository, the one who registered it first, and the
   * next admin when an organization policy refuses one's token. Null when no one administers it.
   */
  private async readLogOf(
    hook: OwnedHook,
    windowStart: Date,
    stats: RedeliveryRunStats,
  ): Promise<HookLog | null> {
    if (hook.kind === 'app') {
      const app = this.appTokens.app();
      if (!app) return null;
      const log: HookLog = {
        page: (paging) => app.request('GET /app/hook/deliveries', paging),
        redeliver: (id) =>
          app.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: id }),
      };
      await this.readLog(log, hook, windowStart, stats);
      return log;
    }
    const read = await this.credentials.untilAccepted(
      hook.repoId,
      {
        minPermission: 'admin',
        mode: 'background',
        // A longer limit skips the hook for this run rather than holding the job.
        maxWaitSeconds: 10,
        preferred: hook.registeredBy ?? undefined,
      },
      (err) => orgPolicyRefusalOf(err) !== null,
      async ({ octokit }) => {
        const repoHook = { owner: hook.owner, repo: hook.name, hook_id: hook.hookId };
        const log: HookLog = {
          page: (paging) =>
            octokit.request('GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries', {
              ...repoHook,
              ...paging,
            }),
          redeliver: (id) =>
            octokit.request('POST /repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}/attempts', {
              ...repoHook,
              delivery_id: id,
            }),
        };
        await this.readLog(log, hook, windowStart, stats);
        return log;
      },
    );
    return read?.value ?? null;
  }

  /** Reads the log's entries newer than the cursor (and within the window), and records what they show. */
  private async readLog(
    log: HookLog,
    hook: OwnedHook,
    windowStart: Date,
    stats: RedeliveryRunStats,
  ): Promise<void> {
    const since = await this.redeliveries.cursor(hook);
    const items: DeliveryItem[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await log.page({ per_page: 100, ...(cursor ? { cursor } : {}) });
      stats.pages++;
      const list = res.data as DeliveryItem[];
      let reachedEnd = false;
      for (const item of list) {
        // The whole page is read even past the cursor: entries finishing out of order may sit either side of it.
        if ((since !== null && item.id <= since) || new Date(item.delivered_at) < windowStart)
          reachedEnd = true;
        else items.push(item);
      }
      cursor = nextCursor(res.headers.link);
      if (reachedEnd || !cursor) break;
      if (page === MAX_PAGES - 1)
        this.logger.warn(
          `${label(hook)}: read ${MAX_PAGES} pages of new deliveries; older entries are not looked at`,
        );
    }
    if (!items.length) return;

    const byGuid = new Map<string, DeliveryItem[]>();
    for (const item of items) byGuid.set(item.guid, [...(byGuid.get(item.guid) ?? []), item]);
    const failed: FailedDelivery[] = [];
    const delivered: string[] = [];
    for (const [guid, attempts] of byGuid) {
      if (attempts.some(succeeded)) {
        delivered.push(guid);
        continue;
      }
      const newest = attempts.reduce((a, b) => (b.id > a.id ? b : a));
      failed.push({
        guid,
        githubDeliveryId: newest.id,
        event: newest.event,
        action: newest.action,
        deliveredAt: new Date(newest.delivered_at),
      });
    }
    const newestId = Math.max(...items.map((i) => i.id));
    await this.redeliveries.record(hook, failed, delivered, newestId);
  }
}

function label(hook: OwnedHook): string {
  return hook.kind === 'app' ? `the GitHub App's webhook` : `${hook.fullName} (hook ${hook.hookId})`;
}

/** GitHub delivered it: a 2xx answer, and GitHub calls the attempt OK. */
function succeeded(item: DeliveryItem): boolean {
  return item.status_code >= 200 && item.status_code < 300 && item.status === 'OK';
}

/** The `cursor` of the Link header's next page (only the parameter is taken: the request stays on our route). */
function nextCursor(link: string | undefined): string | undefined {
  const next = link?.split(',').find((part) => /rel="next"/.test(part));
  const url = next?.match(/<([^>]+)>/)?.[1];
  if (!url) return undefined;
  try {
    return new URL(url).searchParams.get('cursor') ?? undefined;
  } catch {
    return undefined;
  }
}

function describe(err: unknown): string {
  const e = err as { status?: number; message?: string };
  return e.status
    ? `GitHub answered ${e.status}: ${e.message ?? ''}`.slice(0, 300)
    : String(e.message ?? err);
}
