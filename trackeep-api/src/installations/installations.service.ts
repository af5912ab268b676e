import { Injectable, Logger } from '@nestjs/common';
import PgBoss from 'pg-boss';
import type { SqlExecutor } from '@trackeep/server-core';
import type { DB } from '../database/db.types';
import { GithubClientFactory } from '../github/github-client.factory';
import type { TrackeepOctokit } from '../github/github-octokit';
import { GithubSettings } from '../github/github-settings';
import { githubMessage, statusOf } from './github-app-client';
import { GithubAppSettings } from './github-app-settings';
import { INSTALLATIONS_REFRESH_QUEUE } from './installations-refresh.constants';
import { readInstallation, readRepos, readRepositoryValues } from './installation-payload.util';
import { InstallationTokenService, InstallationUnavailableError } from './installation-token.service';
import {
  InstallationsRepository,
  type GithubRepositoryValues,
  type InstallationRow,
} from './installations.repository';

/** What applying an App webhook did (the inbox records it). */
export type InstallationEventOutcome = { status: 'processed' } | { status: 'ignored'; reason: string };

const OWNER_CHECK_TTL_MS = 60_000;

/**
 * The App's installations, kept as GitHub reports them: re-read from GET /app/installations (at start and on a
 * schedule) with each one's repositories from GET /installation/repositories, and changed at once by the
 * `installation` and `installation_repositories` webhooks (applied from the inbox, in its transaction).
 */
@Injectable()
export class InstallationsService {
  private readonly logger = new Logger(InstallationsService.name);
  private readonly ownerChecks = new Map<string, { at: number; orgs: Set<string> }>();
  private readonly reposStored = new Set<(installation: InstallationRow) => Promise<void>>();
  private readonly membershipChanged = new Set<() => Promise<void>>();

  constructor(
    private readonly settings: GithubAppSettings,
    private readonly github: GithubSettings,
    private readonly installations: InstallationsRepository,
    private readonly tokens: InstallationTokenService,
    private readonly clients: GithubClientFactory,
    private readonly boss: PgBoss,
  ) {}

  get enabled(): boolean {
    return this.settings.app !== null;
  }

  /** Which of `repoIds` the App's webhook reports on: covered by an active installation, with a webhook secret set. */
  async servedByAppWebhook(repoIds: string[]): Promise<Set<string>> {
    if (!this.settings.app?.webhookSecret) return new Set();
    return this.installations.covering(this.github.host, repoIds);
  }

  /** Runs `listener` after an auto-tracking installation's repositories were read and stored (failures logged). */
  onReposStored(listener: (installation: InstallationRow) => Promise<void>): void {
    this.reposStored.add(listener);
  }

  /** Runs `listener` after a `member`, `membership` or `organization` webhook changed who belongs where. */
  onMembershipChanged(listener: () => Promise<void>): void {
    this.membershipChanged.add(listener);
  }

  /** Someone joined or left an organization or a repository: what people may see through installations changed. */
  noteMembershipChange(): void {
    if (!this.enabled) return;
    for (const listener of this.membershipChanged)
      void listener().catch((err: Error) => this.logger.warn(`after a membership change: ${err.message}`));
  }

  /** Re-reads every installation of the App and their repositories; an installation GitHub no longer lists is marked removed. */
  async refreshAll(): Promise<{ installations: number; removed: number }> {
    const client = this.tokens.app();
    const app = this.settings.app;
    if (!client || !app) return { installations: 0, removed: 0 };
    const listed = await client.paginate('GET /app/installations', { per_page: 100 });
    const ids: number[] = [];
    for (const raw of listed) {
      const values = readInstallation(raw);
      if (!values || values.appId !== app.appId) continue;
      await this.installations.upsert(this.github.host, values, undefined, this.settings.autoTrackNew);
      ids.push(values.installationId);
    }
    const removed = await this.installations.markRemovedExcept(this.github.host, app.appId, ids);
    for (const id of removed) this.tokens.forget(id);
    for (const row of await this.installations.list(this.github.host)) {
      if (row.removedAt || row.suspendedAt) continue;
      try {
        await this.refreshRepos(row.installationId);
      } catch (err) {
        // A refusal has been recorded on the installation; anything else is retried next run.
        if (!(err instanceof InstallationUnavailableError))
          this.logger.warn(
            `installation ${row.installationId}: repositories not refreshed: ${githubMessage(err)}`,
          );
      }
    }
    return { installations: ids.length, removed: removed.length };
  }

  /** The repositories the installation covers now (the client records the budget GitHub reports). */
  async refreshRepos(installationId: number): Promise<void> {
    const repos = await this.withInstallation(installationId, (client) =>
      client.paginate('GET /installation/repositories', { per_page: 100 }),
    );
    await this.installations.replaceRepos(this.github.host, installationId, readRepos(repos));
    const row = await this.installations.get(this.github.host, installationId);
    if (!row?.autoTrack) return;
    await this.installations.storeRepositories(
      this.github.host,
      repos.map(readRepositoryValues).filter((r): r is GithubRepositoryValues => r !== null),
    );
    for (const listener of this.reposStored)
      await listener(row).catch((err: Error) =>
        this.logger.warn(`after storing repositories: ${err.message}`),
      );
  }

  /**
   * Runs `fn` with a client acting as the installation. A 401 (the token was revoked: uninstalled, or replaced
   * on another replica) drops the token and tries once more with a new one, whose creation tells what happened
   * (InstallationUnavailableError when GitHub refuses, and the installation is marked).
   */
  async withInstallation<T>(installationId: number, fn: (client: TrackeepOctokit) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const { token } = await this.tokens.token(installationId);
      try {
        return await fn(this.clients.forInstallation(installationId, token, { mode: 'background' }));
      } catch (err) {
        if (statusOf(err) !== 401 || attempt >= 2) throw err;
        await this.tokens.rejected(installationId, token);
      }
    }
  }

  /**
   * Applies an `installation` or `installation_repositories` delivery in the inbox's transaction. Only a
   * delivery signed with the App's webhook secret, about this App, changes anything.
   */
  async applyWebhook(
    tx: SqlExecutor<DB>,
    delivery: { event: string; action: string | null; signed_with: string },
    payload: Record<string, unknown>,
  ): Promise<InstallationEventOutcome> {
    const app = this.settings.app;
    if (!app) return { status: 'ignored', reason: 'GitHub App mode is not configured' };
    if (delivery.signed_with !== 'app')
      return {
        status: 'ignored',
        reason: "installation events count only when signed with the App's webhook secret",
      };
    const installation = readInstallation(payload['installation']);
    if (!installation) return { status: 'ignored', reason: 'payload has no complete installation' };
    if (installation.appId !== app.appId) return { status: 'ignored', reason: 'installation of another App' };
    const host = this.github.host;
    const id = installation.installationId;
    if (delivery.event === 'installation') {
      switch (delivery.action) {
        case 'deleted':
          await this.installations.upsert(host, installation, tx, this.settings.autoTrackNew);
          await this.installations.markRemoved(host, id, null, tx);
          this.tokens.forget(id);
          return { status: 'processed' };
        case 'suspend':
          await this.installations.upsert(host, installation, tx, this.settings.autoTrackNew);
          await this.installations.setSuspended(host, id, installation.suspendedAt ?? new Date(), null, tx);
          this.tokens.forget(id);
          return { status: 'processed' };
        case 'unsuspend':
          await this.installations.upsert(host, { ...installation, suspendedAt: null }, tx);
          await this.installations.setSuspended(host, id, null, null, tx);
          return { status: 'processed' };
        case 'created':
        case 'new_permissions_accepted':
          await this.installations.upsert(host, installation, tx, this.settings.autoTrackNew);
          if (delivery.action === 'created') {
            await this.installations.addRepos(host, id, readRepos(payload['repositories']), tx);
            // Auto-tracked from the start: read its repositories in full (and store them) soon.
            if (this.settings.autoTrackNew) await this.boss.send(INSTALLATIONS_REFRESH_QUEUE, {});
          }
          return { status: 'processed' };
        default:
          return { status: 'ignored', reason: `installation action "${delivery.action}" is not used` };
      }
    }
    if (delivery.event === 'installation_repositories') {
      const selection = payload['repository_selection'];
      await this.installations.upsert(
        host,
        {
          ...installation,
          repositorySelection:
            selection === 'all'
              ? 'all'
              : selection === 'selected'
                ? 'selected'
                : installation.repositorySelection,
        },
        tx,
      );
      const added = readRepos(payload['repositories_added']);
      await this.installations.addRepos(host, id, added, tx);
      await this.installations.removeRepos(
        host,
        id,
        readRepos(payload['repositories_removed']).map((r) => r.githubId),
        tx,
      );
      if (added.length) await this.refreshIfAutoTracking(id);
      return { status: 'processed' };
    }
    return { status: 'ignored', reason: `event "${delivery.event}" is not an installation event` };
  }

  /**
   * `repository` from the App's webhook about a repository nobody tracks yet: one created in an account whose
   * installation covers all repositories joins it (GitHub sends no `installation_repositories` then).
   */
  async applyRepositoryEvent(
    tx: SqlExecutor<DB>,
    delivery: { action: string | null; signed_with: string },
    payload: Record<string, unknown>,
  ): Promise<InstallationEventOutcome> {
    const installationId = (payload['installation'] as { id?: unknown } | undefined)?.id;
    if (delivery.signed_with !== 'app' || typeof installationId !== 'number' || delivery.action !== 'created')
      return { status: 'ignored', reason: 'repository is not tracked by Trackeep' };
    const row = await this.installations.get(this.github.host, installationId);
    if (!row || row.removedAt || row.repositorySelection !== 'all')
      return { status: 'ignored', reason: 'repository is not covered by an installation Trackeep knows' };
    await this.installations.addRepos(
      this.github.host,
      installationId,
      readRepos([payload['repository']]),
      tx,
    );
    await this.refreshIfAutoTracking(installationId);
    return { status: 'processed' };
  }

  /** An auto-tracking installation gained repositories: read them in full (and store them) soon. */
  private async refreshIfAutoTracking(installationId: number): Promise<void> {
    const row = await this.installations.get(this.github.host, installationId);
    if (!row?.autoTrack) return;
    await this.boss.send(INSTALLATIONS_REFRESH_QUEUE, {});
  }

  /**
   * Whether the person administers installations: a login in TRACKEEP_ADMINS, or an owner (admin member) of
   * an organization the App is installed on, as their own token says (asked at most once a minute).
   */
  async canManage(user: { id: string; login: string }): Promise<boolean> {
    if (this.settings.admins.has(user.login.toLowerCase())) return true;
    if (!this.enabled) return false;
    const installedOrgs = (await this.installations.list(this.github.host))
      .filter((i) => !i.removedAt && i.accountType === 'Organization')
      .map((i) => i.accountLogin.toLowerCase());
    if (!installedOrgs.length) return false;
    const owned = await this.ownedOrgs(user.id);
    return installedOrgs.some((org) => owned.has(org));
  }

  private async ownedOrgs(userId: string): Promise<Set<string>> {
    const cached = this.ownerChecks.get(userId);
    if (cached && Date.now() - cached.at < OWNER_CHECK_TTL_MS) return cached.orgs;
    let orgs = new Set<string>();
    try {
      const client = await this.clients.forUserIfUsable(userId);
      if (client) {
        const memberships = await client.paginate('GET /user/memberships/orgs', {
          state: 'active',
          per_page: 100,
        });
        orgs = new Set(
          memberships.filter((m) => m.role === 'admin').map((m) => m.organization.login.toLowerCase()),
        );
      }
    } catch (err) {
      // Not knowing is not being an owner; asked again after the TTL.
      this.logger.warn(`user ${userId}: organization memberships not readable: ${githubMessage(err)}`);
    }
    if (this.ownerChecks.size > 10_000) this.ownerChecks.clear();
    this.ownerChecks.set(userId, { at: Date.now(), orgs });
    return orgs;
  }

  /**
   * Stored repositories that active installations with auto-track cover (the sync cycle includes them); only
   * `installationId`'s when given.
   */
  async autoTrackedRepos(installationId?: number): Promise<Array<{ repoId: string; githubState: string }>> {
    if (!this.enabled) return [];
    return this.installations.autoTrackedRepos(this.github.host, installationId);
  }

  list(): Promise<InstallationRow[]> {
    return this.installations.list(this.github.host);
  }

  /** Turning auto-track on stores the covered repositories at once (the next sync cycle syncs them). */
  async setAutoTrack(installationId: number, autoTrack: boolean): Promise<InstallationRow | null> {
    if (!(await this.installations.setAutoTrack(this.github.host, installationId, autoTrack))) return null;
    if (autoTrack)
      await this.refreshRepos(installationId).catch((err: unknown) =>
        this.logger.warn(`installation ${installationId}: repositories not read now: ${githubMessage(err)}`),
      );
    return this.installations.get(this.github.host, installationId);
  }
}
