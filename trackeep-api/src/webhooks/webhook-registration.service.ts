import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import type { OrgPolicyBlock, WebhookHealth, WebhookStatus } from '@trackeep/contracts';
import PgBoss from 'pg-boss';
import { openDedicatedConnection } from '@trackeep/server-core';
import { ApiEnv } from '../config/api-env';
import type { DB } from '../database/db.types';
import { ensureQueue } from '../jobs/job-queue.module';
import { GithubClientFactory, type TrackeepOctokit } from '../github/github-client.factory';
import { RepoCredentials, type RepoCredential } from '../repos/repo-credentials.service';
import { GithubEtagCache } from '../github/github-etag-cache.service';
import { RepoStatusRegistry } from '../repos/repo-status.registry';
import { RepoTrackingEvents } from '../repos/repo-tracking.events';
import { ReposService } from '../repos/repos.service';
import {
  WebhookRegistrationRepository,
  type HookRepoRow,
  type RegistrationRow,
} from './webhook-registration.repository';
import { orgPolicyRefusalOf } from '../sync/github/sync-github.errors';
import { InstallationsService } from '../installations/installations.service';
import { WebhookRedeliveryRepository } from './redelivery/webhook-redelivery.repository';
import { WebhookSecretCipher } from './webhook-secret.cipher';
import {
  SUBSCRIBED_EVENTS,
  WEBHOOK_CHECK_QUEUE,
  WEBHOOK_RECEIVER_PATH,
  WEBHOOK_REGISTER_QUEUE,
  WEBHOOK_UNREGISTER_QUEUE,
} from './webhook.constants';

type RegisterJob = { repoId: string; userId: string };
type UnregisterJob = { repoId: string };

/** A hook as GitHub lists it (the fields compared with what Trackeep asked for). */
interface GithubHook {
  id: number;
  active: boolean;
  events: string[];
  config: { url?: string; content_type?: string; insecure_ssl?: string | number };
}

/** Every ten minutes each live hook is compared with GitHub's list (a conditional GET: unchanged costs nothing). */
const HOOK_CHECK_CRON = '*/10 * * * *';
const LIVE_STATUSES = ['pending', 'active', 'failing'];
/** An organization policy blocked the last call; the periodic check tries again and resumes when it works. */
const BLOCKED_STATUSES = ['needs_sso', 'oauth_app_blocked'];
/** Prefix of the error a check that could not reach GitHub records (cleared by the next check that does). */
const CHECK_FAILED = 'checking the webhook on GitHub failed';

/**
 * Keeps each repository's webhook on GitHub in line with who tracks it: one hook per tracked repo that
 * somebody tracking it administers (whoever tracks it), none once nobody tracks it.
 *
 * Track, untrack and the periodic check all run one `reconcile`: under a per-repository advisory lock (so
 * replicas and jobs take turns), it reads who tracks the repo *now* and makes GitHub match. Each track or
 * untrack queues a job after its change has committed, so the last job always sees the final state, and any
 * interleaving of track and untrack ends with exactly the hook that state calls for: an untrack that arrives
 * while a hook is being created waits for it and deletes it. GitHub pings a new hook by itself; the ping
 * marks the registration active (never a disabled one).
 *
 * The periodic check lists the repo's hooks with the stored ETag (a 304 costs no rate limit): a hook deleted
 * on GitHub is created again, one whose URL, events or active flag changed is put back, and a failure is
 * recorded on the registration (status and last_error, shown as the repository's webhook health).
 */
@Injectable()
export class WebhookRegistrationService implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookRegistrationService.name);

  constructor(
    private readonly env: ApiEnv,
    private readonly boss: PgBoss,
    private readonly github: GithubClientFactory,
    private readonly credentials: RepoCredentials,
    private readonly etags: GithubEtagCache,
    private readonly cipher: WebhookSecretCipher,
    private readonly registrations: WebhookRegistrationRepository,
    private readonly tracking: RepoTrackingEvents,
    private readonly status: RepoStatusRegistry,
    private readonly repos: ReposService,
    private readonly redeliveries: WebhookRedeliveryRepository,
    private readonly installations: InstallationsService,
  ) {}

  onModuleInit(): void {
    this.tracking.onTracked((e) => this.onTracked(e.repoId, e.userId));
    this.tracking.onUntracked((e) => this.onUntracked(e.repoId));
    this.status.registerWebhookHealth((ids) => this.health(ids));
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const name of [WEBHOOK_REGISTER_QUEUE, WEBHOOK_UNREGISTER_QUEUE]) {
      await ensureQueue(this.boss, name, {
        retryLimit: 5,
        retryDelay: 30,
        retryBackoff: true,
        expireInSeconds: 300,
      });
    }
    await ensureQueue(this.boss, WEBHOOK_CHECK_QUEUE, { retryLimit: 0, expireInSeconds: 900 });
    // pg-boss's own schedule: one job per firing however many replicas run it.
    await this.boss.schedule(WEBHOOK_CHECK_QUEUE, HOOK_CHECK_CRON);
    if (this.env.WEBHOOK_WORKERS === 0) return;
    await this.boss.work<RegisterJob>(
      WEBHOOK_REGISTER_QUEUE,
      { pollingIntervalSeconds: 2 },
      async (jobs: Array<PgBoss.Job<RegisterJob>>) => {
        for (const { data } of jobs) await this.reconcile(data.repoId, data.userId);
      },
    );
    await this.boss.work<UnregisterJob>(
      WEBHOOK_UNREGISTER_QUEUE,
      { pollingIntervalSeconds: 2 },
      async (jobs: Array<PgBoss.Job<UnregisterJob>>) => {
        for (const { data } of jobs) await this.reconcile(data.repoId);
      },
    );
    await this.boss.work(WEBHOOK_CHECK_QUEUE, { pollingIntervalSeconds: 10 }, () => this.checkHooks());
  }

  /**
   * A user started tracking the repo: queue reconciliation. No singleton key: a job already running may have
   * read the state before this change, so every change gets a job of its own.
   */
  async onTracked(repoId: string, userId: string): Promise<void> {
    await this.boss.send(WEBHOOK_REGISTER_QUEUE, { repoId, userId });
  }

  /** A user stopped tracking the repo (their tracked_repos row is gone): queue reconciliation. */
  async onUntracked(repoId: string): Promise<void> {
    await this.boss.send(WEBHOOK_UNREGISTER_QUEUE, { repoId });
  }

  /** Webhook health per repository, for TrackedRepo.webhook. */
  async health(repoIds: string[]): Promise<Map<string, WebhookHealth>> {
    const map = new Map<string, WebhookHealth>();
    const recovered = await this.redeliveries.recoveredLastDay(repoIds);
    for (const row of await this.registrations.health(repoIds)) {
      let status: WebhookStatus;
      let lastError = row.last_error;
      if (row.status !== 'pending') status = row.status;
      else if (!row.hook_id) status = 'not_registered';
      else if (row.ping_overdue) {
        // Created on GitHub, but its ping never reached us.
        status = 'failing';
        lastError ??= "GitHub's ping did not arrive: is PUBLIC_URL reachable from GitHub?";
      } else status = 'active';
      map.set(row.repo_id, {
        status,
        lastDeliveryAt: row.last_delivery_at ? new Date(row.last_delivery_at).toISOString() : null,
        lastError,
        block: row.block ?? null,
        recoveredLast24h: recovered.get(row.repo_id) ?? 0,
      });
    }
    // A repository without a hook of its own that an installation covers hears from the App's webhook instead.
    const noHook = repoIds.filter((id) => {
      const status = map.get(id)?.status;
      return status === undefined || status === 'not_registered' || status === 'not_admin';
    });
    const served = await this.installations.servedByAppWebhook(noHook);
    const lastFromApp = await this.registrations.lastAppDeliveries([...served]);
    for (const repoId of served)
      map.set(repoId, {
        status: 'app',
        lastDeliveryAt: lastFromApp.get(repoId)?.toISOString() ?? null,
        lastError: null,
        recoveredLast24h: recovered.get(repoId) ?? 0,
      });
    // Any other repository without a registration: what it recovered still counts.
    for (const [repoId, n] of recovered)
      if (!map.has(repoId))
        map.set(repoId, {
          status: 'not_registered',
          lastDeliveryAt: null,
          lastError: null,
          recoveredLast24h: n,
        });
    return map;
  }

  /** The registration job (reconcile, preferring `userId`'s token). Exposed for tests. */
  register(repoId: string, userId: string): Promise<void> {
    return this.reconcile(repoId, userId);
  }

  /** The removal job (reconcile). Exposed for tests. */
  unregister(repoId: string): Promise<void> {
    return this.reconcile(repoId);
  }

  /** The periodic check: every registration that has (or may have) a hook is reconciled and compared with GitHub. */
  async checkHooks(): Promise<void> {
    for (const repoId of await this.registrations.live()) {
      try {
        await this.reconcile(repoId, undefined, { verify: true });
      } catch (err) {
        this.logger.warn(`checking the webhook of repository ${repoId} failed: ${(err as Error).message}`);
      }
    }
  }

  /**
   * Makes GitHub match the tracking state of now: a hook when somebody tracks the repo, none otherwise.
   * `verify` also compares an existing hook with GitHub's list.
   */
  async reconcile(repoId: string, preferredUserId?: string, opts: { verify?: boolean } = {}): Promise<void> {
    await this.withRepoLock(repoId, async () => {
      const found = await this.repos.findWithTracking(repoId);
      if (!found) return;
      const repo: HookRepoRow = { ...found, full_name: found.fullName };
      const registration = await this.registrations.find(repoId);
      if (!repo.tracked) return this.removeHook(repoId, repo, registration);
      if (registration?.hook_id && [...LIVE_STATUSES, ...BLOCKED_STATUSES].includes(registration.status)) {
        if (opts.verify) await this.verifyHook(repoId, repo, registration);
        return;
      }
      await this.createHook(repoId, repo, preferredUserId);
    });
  }

  /**
   * Runs `work` holding the repository's advisory lock, on a connection of its own: the lock spans GitHub
   * calls, and leaves with the connection if the process dies.
   */
  private async withRepoLock(repoId: string, work: () => Promise<void>): Promise<void> {
    const connection = await openDedicatedConnection<DB>(this.env.DATABASE_URL, 'trackeep-api-hook-lock');
    try {
      await WebhookRegistrationRepository.lockRepo(connection.db, repoId);
      await work();
    } finally {
      await connection.close();
    }
  }

  private hookUrl(): string | null {
    const publicUrl = this.env.PUBLIC_URL;
    return publicUrl ? `${publicUrl.replace(/\/+$/, '')}${WEBHOOK_RECEIVER_PATH}` : null;
  }

  private async createHook(repoId: string, repo: HookRepoRow, preferredUserId?: string): Promise<void> {
    const url = this.hookUrl();
    if (!url) {
      await this.registrations.saveStatus(
        repoId,
        'not_registered',
        'PUBLIC_URL is not configured: GitHub cannot reach this instance, the repository is polled only',
      );
      return;
    }
    const secret = WebhookSecretCipher.generateSecret();
    const config = { url, content_type: 'json', secret, insecure_ssl: '0' };
    let created: { value: number } | null;
    try {
      created = await this.asAdmin(repoId, preferredUserId, async (client) => {
        await this.registrations.startCreating(repoId, this.cipher.encrypt(secret, repoId), client.userId, [
          ...SUBSCRIBED_EVENTS,
        ]);
        try {
          // GitHub pings a new hook by itself; asking for another ping would send two.
          const { data } = await client.octokit.rest.repos.createWebhook({
            owner: repo.owner,
            repo: repo.name,
            name: 'web',
            active: true,
            events: [...SUBSCRIBED_EVENTS],
            config,
          });
          return data.id;
        } catch (err) {
          if ((err as { status?: number }).status !== 422) throw err;
          // A hook with our URL already exists (a creation whose answer was lost): take it over.
          const ours = (await this.listHooks(client.octokit, repo)).find((h) => h.config?.url === url);
          if (!ours) throw err;
          await restoreHook(client.octokit, repo, ours.id, secret, url);
          return ours.id;
        }
      });
    } catch (err) {
      const block = policyBlock(err, repo);
      if (block) {
        await this.registrations.saveBlocked(
          repoId,
          block,
          `GitHub refused to create the webhook: ${blockReason(block)}`,
        );
        return;
      }
      if (permissionRefused(err)) {
        await this.registrations.saveStatus(
          repoId,
          'not_admin',
          'GitHub refused to create the webhook (admin permission needed); the repository is polled only',
        );
        return;
      }
      await this.registrations.saveError(repoId, `creating the webhook failed: ${(err as Error).message}`);
      throw err;
    }
    if (!created) {
      await this.registrations.saveStatus(
        repoId,
        'not_admin',
        'Nobody tracking this repository has admin permission on it; it is polled only',
      );
      return;
    }
    const hookId = created.value;
    await this.registrations.created(repoId, hookId);
    this.logger.log(`registered webhook ${hookId} on ${repo.full_name}`);
  }

  /** Nobody tracks the repo: the hook goes from GitHub, then the registration is disabled. */
  private async removeHook(
    repoId: string,
    repo: HookRepoRow,
    registration: RegistrationRow | null,
  ): Promise<void> {
    if (!registration || registration.status === 'disabled') return;
    const url = this.hookUrl();
    if (registration.registered_by && (registration.hook_id || (registration.status === 'pending' && url))) {
      try {
        const octokit = await this.github.forUser(registration.registered_by, { mode: 'background' });
        if (registration.hook_id) {
          await octokit.rest.repos.deleteWebhook({
            owner: repo.owner,
            repo: repo.name,
            hook_id: Number(registration.hook_id),
          });
        } else {
          // A creation was started but its answer never stored (a crash, a timeout): GitHub may have the hook.
          for (const hook of (await this.listHooks(octokit, repo)).filter((h) => h.config?.url === url)) {
            await octokit.rest.repos.deleteWebhook({ owner: repo.owner, repo: repo.name, hook_id: hook.id });
          }
        }
      } catch (err) {
        if ((err as { status?: number }).status !== 404) {
          this.logger.warn(`could not delete the webhook of ${repo.full_name}: ${(err as Error).message}`);
          await this.registrations.saveError(
            repoId,
            `removing the webhook failed: ${(err as Error).message}`,
          );
          throw err;
        }
      }
    }
    // The row stays (disabled, secret kept) so deliveries GitHub already sent still verify and are stored as ignored.
    await this.registrations.saveStatus(repoId, 'disabled', null);
  }

  /** Compares the registered hook with GitHub's list; re-creates a deleted hook, restores a changed one. */
  private async verifyHook(repoId: string, repo: HookRepoRow, registration: RegistrationRow): Promise<void> {
    const url = this.hookUrl();
    if (!url) return;
    let listed: { client: RepoCredential; value: GithubHook[] } | null;
    try {
      // A 304 (nothing changed on GitHub) costs no rate limit and returns the stored list, compared as well.
      listed = await this.asAdmin(repoId, registration.registered_by ?? undefined, async (client) => {
        const path = `/repos/${repo.owner}/${repo.name}/hooks?per_page=100`;
        return (await this.etags.get<GithubHook[]>(client.userId, client.octokit, path)).data;
      });
    } catch (err) {
      const block = policyBlock(err, repo);
      if (block) {
        await this.registrations.saveBlocked(
          repoId,
          block,
          `GitHub refused to show the webhooks: ${blockReason(block)}`,
        );
        return;
      }
      if (permissionRefused(err)) {
        await this.registrations.saveError(
          repoId,
          'GitHub no longer lets Trackeep read the webhooks of this repository (admin permission needed)',
          'not_admin',
        );
        return;
      }
      // A rate limit, SSO enforcement, a timeout or a 5xx says nothing about the hook: noted, checked next time.
      await this.registrations.saveError(repoId, `${CHECK_FAILED}: ${(err as Error).message}`);
      throw err;
    }

    if (!listed) {
      await this.registrations.saveError(
        repoId,
        'Nobody tracking this repository has admin permission on it any more; its webhook cannot be checked',
        'not_admin',
      );
      return;
    }
    const { client, value: hooks } = listed;
    await this.registrations.clearError(repoId, CHECK_FAILED);
    await this.registrations.unblock(repoId);
    const ours = hooks.find((h) => String(h.id) === registration.hook_id);
    if (!ours) {
      this.logger.warn(
        `webhook ${registration.hook_id} of ${repo.full_name} was deleted on GitHub; creating it again`,
      );
      await this.createHook(repoId, repo, client.userId);
      return;
    }
    const drift = hookDrift(ours, url);
    if (!drift) return;
    const secret = registration.secret_enc ? this.cipher.decrypt(registration.secret_enc, repoId) : null;
    if (!secret) {
      // The secret cannot be restored on the old hook (key removed): a new hook gets a new one.
      await client.octokit.rest.repos
        .deleteWebhook({ owner: repo.owner, repo: repo.name, hook_id: ours.id })
        .catch(() => undefined);
      await this.createHook(repoId, repo, client.userId);
      return;
    }
    this.logger.warn(
      `webhook ${ours.id} of ${repo.full_name} was changed on GitHub (${drift}); restoring it`,
    );
    await restoreHook(client.octokit, repo, ours.id, secret, url);
    await this.registrations.saveError(
      repoId,
      `the webhook was changed on GitHub (${drift}); Trackeep restored it`,
    );
  }

  private async listHooks(octokit: TrackeepOctokit, repo: HookRepoRow): Promise<GithubHook[]> {
    const { data } = await octokit.rest.repos.listWebhooks({
      owner: repo.owner,
      repo: repo.name,
      per_page: 100,
    });
    return data as GithubHook[];
  }

  /**
   * Runs `call` as a tracker with admin permission, `preferred` first; one whose token an organization policy
   * refuses passes to the next admin (RepoCredentials.untilAccepted). Null when there is no admin.
   */
  private async asAdmin<T>(
    repoId: string,
    preferred: string | undefined,
    call: (client: RepoCredential) => Promise<T>,
  ): Promise<{ client: RepoCredential; value: T } | null> {
    const done = await this.credentials.untilAccepted(
      repoId,
      { minPermission: 'admin', mode: 'background', preferred },
      (err) => orgPolicyRefusalOf(err) !== null,
      call,
    );
    return done && { client: done.credential, value: done.value };
  }
}

/** Sets an existing hook back to what Trackeep registers: active, our events, our URL and secret. */
async function restoreHook(
  octokit: TrackeepOctokit,
  repo: HookRepoRow,
  hookId: number,
  secret: string,
  url: string,
): Promise<void> {
  await octokit.rest.repos.updateWebhook({
    owner: repo.owner,
    repo: repo.name,
    hook_id: hookId,
    active: true,
    events: [...SUBSCRIBED_EVENTS],
    config: { url, content_type: 'json', secret, insecure_ssl: '0' },
  });
}

/**
 * An organization policy in GitHub's refusal (SSO: 403 with `X-GitHub-SSO: required; url=…`; OAuth App access
 * restrictions: the 403 naming the organization): not a lack of admin permission, and nothing to revoke.
 */
function policyBlock(err: unknown, repo: HookRepoRow): OrgPolicyBlock | null {
  return orgPolicyRefusalOf(err)?.blockFor(repo.owner) ?? null;
}

function blockReason(block: OrgPolicyBlock): string {
  return block.kind === 'sso'
    ? `the token needs SAML SSO authorization for ${block.org}`
    : `${block.org} restricts OAuth App access; an organization owner must approve Trackeep`;
}

/**
 * GitHub's refusal of the hook API for want of admin permission: a 404, or a 403 that is neither a rate limit
 * nor SAML SSO enforcement (those say nothing about permission and are retried instead).
 */
function permissionRefused(err: unknown): boolean {
  const e = err as { status?: number; response?: { headers?: Record<string, string | undefined> } };
  if (e.status === 404) return true;
  if (e.status !== 403) return false;
  const headers = e.response?.headers ?? {};
  return (
    !headers['x-github-sso'] &&
    headers['x-ratelimit-remaining'] !== '0' &&
    !headers['retry-after'] &&
    !orgPolicyRefusalOf(err)
  );
}

/** What differs between GitHub's hook and the one Trackeep registered, or null. */
function hookDrift(hook: GithubHook, url: string): string | null {
  const changes: string[] = [];
  if (!hook.active) changes.push('deactivated');
  if (hook.config?.url !== url) changes.push('URL changed');
  if (hook.config?.content_type !== 'json') changes.push('content type changed');
  if (String(hook.config?.insecure_ssl ?? '0') !== '0') changes.push('TLS verification turned off');
  const want = new Set<string>(SUBSCRIBED_EVENTS);
  if (hook.events.length !== want.size || !hook.events.every((e) => want.has(e)))
    changes.push('events changed');
  return changes.length ? changes.join(', ') : null;
}
