import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import type { WebhookHealth, WebhookStatus } from '@trackeep/contracts';
import PgBoss from 'pg-boss';
import { DataSource } from 'typeorm';
import { ApiEnv } from '../config/api-env';
import { ensureQueue } from '../jobs/job-queue.module';
import { GithubClientFactory, type TrackeepOctokit } from '../github/github-client.factory';
import { RepoStatusRegistry } from '../repos/repo-status.registry';
import { RepoTrackingEvents } from '../repos/repo-tracking.events';
import { WebhookSecretCipher } from './webhook-secret.cipher';
import { SUBSCRIBED_EVENTS, WEBHOOK_RECEIVER_PATH, WEBHOOK_REGISTER_QUEUE, WEBHOOK_UNREGISTER_QUEUE } from './webhook.constants';

interface RegistrationRow {
  repo_id: string;
  hook_id: string | null;
  status: 'pending' | 'active' | 'failing' | 'not_admin' | 'not_registered' | 'disabled';
  registered_by: string | null;
  last_delivery_at: Date | null;
  last_error: string | null;
}

interface RepoRow {
  owner: string;
  name: string;
  full_name: string;
}

type RegisterJob = { repoId: string; userId: string };
type UnregisterJob = { repoId: string };

/**
 * Creates the repository webhook when a user tracks a repo they administer (one hook per repo, whoever tracks
 * it), checks it with a ping, and removes it when the last user stops tracking. Runs as pg-boss jobs, so a
 * slow or failing GitHub never delays the track request and transient errors are retried. Without admin
 * permission (or without PUBLIC_URL) the repo is polled only, and its webhook health says why.
 */
@Injectable()
export class WebhookRegistrationService implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookRegistrationService.name);

  constructor(
    private readonly env: ApiEnv,
    private readonly dataSource: DataSource,
    private readonly boss: PgBoss,
    private readonly github: GithubClientFactory,
    private readonly cipher: WebhookSecretCipher,
    private readonly tracking: RepoTrackingEvents,
    private readonly status: RepoStatusRegistry,
  ) {}

  onModuleInit(): void {
    this.tracking.onTracked((e) => this.onTracked(e.repoId, e.userId));
    this.tracking.onUntracked((e) => this.onUntracked(e.repoId));
    this.status.registerWebhookHealth((ids) => this.health(ids));
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const name of [WEBHOOK_REGISTER_QUEUE, WEBHOOK_UNREGISTER_QUEUE]) {
      await ensureQueue(this.boss, name, { retryLimit: 5, retryDelay: 30, retryBackoff: true, expireInSeconds: 300 });
    }
    if (this.env.WEBHOOK_WORKERS === 0) return;
    await this.boss.work<RegisterJob>(WEBHOOK_REGISTER_QUEUE, { pollingIntervalSeconds: 2 }, async (jobs) => {
      for (const { data } of jobs) await this.register(data.repoId, data.userId);
    });
    await this.boss.work<UnregisterJob>(WEBHOOK_UNREGISTER_QUEUE, { pollingIntervalSeconds: 2 }, async (jobs) => {
      for (const { data } of jobs) await this.unregister(data.repoId);
    });
  }

  /** A user started tracking the repo: queue hook registration (no-op if the repo already has a hook). */
  async onTracked(repoId: string, userId: string): Promise<void> {
    await this.boss.send(WEBHOOK_REGISTER_QUEUE, { repoId, userId }, { singletonKey: repoId });
  }

  /** A user stopped tracking the repo (their tracked_repos row is gone): queue removal if nobody tracks it now. */
  async onUntracked(repoId: string): Promise<void> {
    await this.boss.send(WEBHOOK_UNREGISTER_QUEUE, { repoId }, { singletonKey: repoId });
  }

  /** Webhook health per repository, for TrackedRepo.webhook. */
  async health(repoIds: string[]): Promise<Map<string, WebhookHealth>> {
    const rows: Array<RegistrationRow & { ping_overdue: boolean }> = await this.dataSource.query(
      `SELECT repo_id, hook_id, status, registered_by, last_delivery_at, last_error,
              (status = 'pending' AND updated_at < now() - interval '2 minutes') AS ping_overdue
         FROM webhook_registrations WHERE repo_id = ANY($1::uuid[])`,
      [repoIds],
    );
    const map = new Map<string, WebhookHealth>();
    for (const row of rows) {
      let status: WebhookStatus;
      let lastError = row.last_error;
      if (row.status !== 'pending') status = row.status;
      else if (!row.hook_id) status = 'not_registered';
      else if (row.ping_overdue) {
        // Created on GitHub, but its ping never reached us.
        status = 'failing';
        lastError ??= "GitHub's ping did not arrive: is PUBLIC_URL reachable from GitHub?";
      } else status = 'active';
      map.set(row.repo_id, { status, lastDeliveryAt: row.last_delivery_at ? new Date(row.last_delivery_at).toISOString() : null, lastError });
    }
    return map;
  }

  /** The registration job. Exposed for tests. */
  async register(repoId: string, userId: string): Promise<void> {
    const repo = await this.repo(repoId);
    if (!repo) return;
    const existing = await this.registration(repoId);
    if (existing?.hook_id && ['pending', 'active', 'failing'].includes(existing.status)) return;
    const publicUrl = this.env.PUBLIC_URL;
    if (!publicUrl) {
      await this.saveStatus(repoId, 'not_registered', 'PUBLIC_URL is not configured: GitHub cannot reach this instance, the repository is polled only');
      return;
    }
    const client = await this.adminClient(repoId, userId);
    if (!client) {
      await this.saveStatus(repoId, 'not_admin', 'Nobody tracking this repository has admin permission on it; it is polled only');
      return;
    }

    // The secret is stored before the hook exists: GitHub pings a new hook at once, and that ping must verify.
    const secret = WebhookSecretCipher.generateSecret();
    await this.dataSource.query(
      `INSERT INTO webhook_registrations (repo_id, hook_id, status, secret_enc, previous_secret_enc, previous_secret_until, registered_by, events)
       VALUES ($1, NULL, 'pending', $2, NULL, NULL, $3, $4)
       ON CONFLICT (repo_id) DO UPDATE SET hook_id = NULL, status = 'pending', secret_enc = EXCLUDED.secret_enc,
         previous_secret_enc = NULL, previous_secret_until = NULL, registered_by = EXCLUDED.registered_by, events = EXCLUDED.events,
         last_error = NULL, last_error_at = NULL, updated_at = now()`,
      [repoId, this.cipher.encrypt(secret, repoId), client.userId, [...SUBSCRIBED_EVENTS]],
    );

    const url = `${publicUrl.replace(/\/+$/, '')}${WEBHOOK_RECEIVER_PATH}`;
    const config = { url, content_type: 'json', secret, insecure_ssl: '0' };
    let hookId: number;
    try {
      const { data } = await client.octokit.rest.repos.createWebhook({ owner: repo.owner, repo: repo.name, name: 'web', active: true, events: [...SUBSCRIBED_EVENTS], config });
      hookId = data.id;
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 422) {
        // A hook with our URL already exists (an earlier registration whose row was lost): take it over.
        const { data: hooks } = await client.octokit.rest.repos.listWebhooks({ owner: repo.owner, repo: repo.name, per_page: 100 });
        const ours = hooks.find((h) => h.config?.url === url);
        if (!ours) throw err;
        await client.octokit.rest.repos.updateWebhook({ owner: repo.owner, repo: repo.name, hook_id: ours.id, active: true, events: [...SUBSCRIBED_EVENTS], config });
        hookId = ours.id;
      } else if (status === 403 || status === 404) {
        await this.saveStatus(repoId, 'not_admin', 'GitHub refused to create the webhook (admin permission needed); the repository is polled only');
        return;
      } else {
        await this.saveError(repoId, `creating the webhook failed: ${(err as Error).message}`);
        throw err;
      }
    }
    await this.dataSource.query(`UPDATE webhook_registrations SET hook_id = $2, updated_at = now() WHERE repo_id = $1`, [repoId, hookId]);
    try {
      await client.octokit.rest.repos.pingWebhook({ owner: repo.owner, repo: repo.name, hook_id: hookId });
    } catch (err) {
      await this.saveError(repoId, `the webhook was created but the ping failed: ${(err as Error).message}`);
    }
    this.logger.log(`registered webhook ${hookId} on ${repo.full_name}`);
  }

  /** The removal job: deletes the hook on GitHub once nobody tracks the repo. Exposed for tests. */
  async unregister(repoId: string): Promise<void> {
    const stillTracked = (await this.dataSource.query('SELECT 1 FROM tracked_repos WHERE repo_id = $1 LIMIT 1', [repoId])) as unknown[];
    if (stillTracked.length) return;
    const registration = await this.registration(repoId);
    if (!registration) return;
    const repo = await this.repo(repoId);
    if (registration.hook_id && repo && registration.registered_by) {
      try {
        const octokit: TrackeepOctokit = await this.github.forUser(registration.registered_by, { mode: 'background' });
        await octokit.rest.repos.deleteWebhook({ owner: repo.owner, repo: repo.name, hook_id: Number(registration.hook_id) });
      } catch (err) {
        if ((err as { status?: number }).status !== 404) {
          this.logger.warn(`could not delete webhook ${registration.hook_id} of ${repo.full_name}: ${(err as Error).message}`);
          await this.saveError(repoId, `removing the webhook failed: ${(err as Error).message}`);
          return;
        }
      }
    }
    // The row stays (disabled, secret kept) so deliveries GitHub already sent still verify and are stored as ignored.
    await this.saveStatus(repoId, 'disabled', null);
  }

  /** A client of a tracker with admin permission: the user who tracked it first, else any admin tracker. */
  private async adminClient(repoId: string, userId: string): Promise<{ userId: string; octokit: TrackeepOctokit } | null> {
    const rows = (await this.dataSource.query(`SELECT permission FROM repo_access WHERE user_id = $1 AND repo_id = $2`, [userId, repoId])) as Array<{ permission: string }>;
    if (rows[0]?.permission === 'admin') {
      try {
        return { userId, octokit: await this.github.forUser(userId, { mode: 'background' }) };
      } catch {
        // no usable token for this user: try the other trackers
      }
    }
    return this.github.forRepo(repoId, { minPermission: 'admin', mode: 'background' });
  }

  private async repo(repoId: string): Promise<RepoRow | null> {
    const rows: RepoRow[] = await this.dataSource.query('SELECT owner, name, full_name FROM repositories WHERE id = $1', [repoId]);
    return rows[0] ?? null;
  }

  private async registration(repoId: string): Promise<RegistrationRow | null> {
    const rows: RegistrationRow[] = await this.dataSource.query(
      'SELECT repo_id, hook_id, status, registered_by, last_delivery_at, last_error FROM webhook_registrations WHERE repo_id = $1',
      [repoId],
    );
    return rows[0] ?? null;
  }

  private async saveStatus(repoId: string, status: RegistrationRow['status'], error: string | null): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO webhook_registrations (repo_id, status, last_error, last_error_at) VALUES ($1, $2, $3, CASE WHEN $3::text IS NULL THEN NULL ELSE now() END)
       ON CONFLICT (repo_id) DO UPDATE SET status = EXCLUDED.status, last_error = EXCLUDED.last_error, last_error_at = EXCLUDED.last_error_at, updated_at = now()`,
      [repoId, status, error],
    );
  }

  private async saveError(repoId: string, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_registrations SET last_error = $2, last_error_at = now(), updated_at = now() WHERE repo_id = $1`,
      [repoId, error.slice(0, 500)],
    );
  }
}
