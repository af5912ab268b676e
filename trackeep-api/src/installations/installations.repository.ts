import { Injectable } from '@nestjs/common';
import { inTransaction, type SqlExecutor } from '@trackeep/server-core';
import { Kysely, sql, type Transaction } from 'kysely';
import type { DB } from '../database/db.types';
import { RepositoriesRepository } from '../repos/data/repositories.repository';
import type { RepositoryWrite } from '../repos/data/github-data.types';

/** An installation as GitHub describes it (REST `installation` object, or a webhook's `installation`). */
export interface GithubInstallationValues {
  installationId: number;
  appId: number;
  accountId: number;
  accountLogin: string;
  accountType: string;
  repositorySelection: 'all' | 'selected';
  permissions: Record<string, string>;
  events: string[];
  suspendedAt: Date | null;
}

/** GitHub's repository object, as the repositories table's write model takes it. */
export type GithubRepositoryValues = RepositoryWrite & {
  github_id: number;
  node_id: string;
  owner: string;
  name: string;
  full_name: string;
  html_url: string;
};

export interface InstallationRepoValues {
  githubId: number;
  fullName: string;
  private: boolean;
}

export interface InstallationRow extends GithubInstallationValues {
  removedAt: Date | null;
  accessError: string | null;
  autoTrack: boolean;
  refreshedAt: Date | null;
  repositoryCount: number;
}

export interface StoredInstallationToken {
  tokenEnc: string;
  expiresAt: Date;
}

/** The SQL of github_installations, github_installation_repos and github_installation_tokens. */
@Injectable()
export class InstallationsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Inserts or updates what GitHub says; a listed installation is not removed. Keeps auto_track. */
  async upsert(
    host: string,
    v: GithubInstallationValues,
    db: SqlExecutor<DB> = this.db,
    autoTrackNew = false,
  ): Promise<void> {
    await db
      .insertInto('github_installations')
      .values({
        auto_track: autoTrackNew,
        github_host: host,
        installation_id: v.installationId,
        app_id: v.appId,
        account_id: v.accountId,
        account_login: v.accountLogin,
        account_type: v.accountType,
        repository_selection: v.repositorySelection,
        permissions: JSON.stringify(v.permissions),
        events: v.events,
        suspended_at: v.suspendedAt,
      })
      .onConflict((oc) =>
        oc.columns(['github_host', 'installation_id']).doUpdateSet((eb) => ({
          app_id: eb.ref('excluded.app_id'),
          account_id: eb.ref('excluded.account_id'),
          account_login: eb.ref('excluded.account_login'),
          account_type: eb.ref('excluded.account_type'),
          repository_selection: eb.ref('excluded.repository_selection'),
          permissions: eb.ref('excluded.permissions'),
          events: eb.ref('excluded.events'),
          suspended_at: eb.ref('excluded.suspended_at'),
          removed_at: null,
          updated_at: sql<Date>`now()`,
        })),
      )
      .execute();
  }

  /** GitHub no longer lists these installations of the App: they were uninstalled. Returns their ids. */
  async markRemovedExcept(host: string, appId: number, listed: number[]): Promise<number[]> {
    const rows = await this.db
      .updateTable('github_installations')
      .set({ removed_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
      .where('github_host', '=', host)
      .where('app_id', '=', String(appId))
      .where('removed_at', 'is', null)
      .where('installation_id', '!=', sql<string>`ALL(${listed.map(String)}::bigint[])`)
      .returning('installation_id')
      .execute();
    for (const r of rows) await this.forget(host, Number(r.installation_id));
    return rows.map((r) => Number(r.installation_id));
  }

  /** Uninstalled: marked removed (kept, visible), its repositories and token gone. */
  async markRemoved(
    host: string,
    installationId: number,
    reason: string | null,
    db: SqlExecutor<DB> = this.db,
  ) {
    await db
      .updateTable('github_installations')
      .set({
        removed_at: sql<Date>`coalesce(removed_at, now())`,
        access_error: reason,
        updated_at: sql<Date>`now()`,
      })
      .where('github_host', '=', host)
      .where('installation_id', '=', String(installationId))
      .execute();
    await this.forget(host, installationId, db);
  }

  private async forget(host: string, installationId: number, db: SqlExecutor<DB> = this.db): Promise<void> {
    await db
      .deleteFrom('github_installation_repos')
      .where('github_host', '=', host)
      .where('installation_id', '=', String(installationId))
      .execute();
    await this.deleteToken(host, installationId, db);
  }

  async setSuspended(
    host: string,
    installationId: number,
    suspendedAt: Date | null,
    reason: string | null,
    db: SqlExecutor<DB> = this.db,
  ): Promise<void> {
    await db
      .updateTable('github_installations')
      .set({
        suspended_at:
          suspendedAt === null ? null : sql<Date>`coalesce(suspended_at, ${suspendedAt}::timestamptz)`,
        access_error: reason,
        updated_at: sql<Date>`now()`,
      })
      .where('github_host', '=', host)
      .where('installation_id', '=', String(installationId))
      .execute();
    if (suspendedAt !== null) await this.deleteToken(host, installationId, db);
  }

  async setAccessError(host: string, installationId: number, reason: string | null): Promise<void> {
    let query = this.db
      .updateTable('github_installations')
      .set({ access_error: reason, updated_at: sql<Date>`now()` })
      .where('github_host', '=', host)
      .where('installation_id', '=', String(installationId));
    if (reason === null) query = query.where('access_error', 'is not', null);
    await query.execute();
  }

  async setAutoTrack(host: string, installationId: number, autoTrack: boolean): Promise<boolean> {
    const result = await this.db
      .updateTable('github_installations')
      .set({ auto_track: autoTrack, updated_at: sql<Date>`now()` })
      .where('github_host', '=', host)
      .where('installation_id', '=', String(installationId))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** The installation's repositories are exactly `repos` now (one multi-row upsert and one delete). */
  async replaceRepos(host: string, installationId: number, repos: InstallationRepoValues[]): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      await tx
        .deleteFrom('github_installation_repos')
        .where('github_host', '=', host)
        .where('installation_id', '=', String(installationId))
        .where('repo_github_id', '!=', sql<string>`ALL(${repos.map((r) => String(r.githubId))}::bigint[])`)
        .execute();
      await this.addRepos(host, installationId, repos, tx);
      await tx
        .updateTable('github_installations')
        .set({ refreshed_at: sql<Date>`now()` })
        .where('github_host', '=', host)
        .where('installation_id', '=', String(installationId))
        .execute();
    });
  }

  async addRepos(
    host: string,
    installationId: number,
    repos: InstallationRepoValues[],
    db: SqlExecutor<DB> = this.db,
  ): Promise<void> {
    if (!repos.length) return;
    await db
      .insertInto('github_installation_repos')
      .values(
        repos.map((r) => ({
          github_host: host,
          installation_id: installationId,
          repo_github_id: r.githubId,
          full_name: r.fullName,
          private: r.private,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['github_host', 'installation_id', 'repo_github_id']).doUpdateSet((eb) => ({
          full_name: eb.ref('excluded.full_name'),
          private: eb.ref('excluded.private'),
        })),
      )
      .execute();
  }

  async removeRepos(
    host: string,
    installationId: number,
    githubIds: number[],
    db: SqlExecutor<DB> = this.db,
  ): Promise<void> {
    if (!githubIds.length) return;
    await db
      .deleteFrom('github_installation_repos')
      .where('github_host', '=', host)
      .where('installation_id', '=', String(installationId))
      .where('repo_github_id', '=', sql<string>`ANY(${githubIds.map(String)}::bigint[])`)
      .execute();
  }

  async repoNames(host: string, installationId: number): Promise<InstallationRepoValues[]> {
    const rows = await this.db
      .selectFrom('github_installation_repos')
      .select(['repo_github_id', 'full_name', 'private'])
      .where('github_host', '=', host)
      .where('installation_id', '=', String(installationId))
      .orderBy('full_name')
      .execute();
    return rows.map((r) => ({
      githubId: Number(r.repo_github_id),
      fullName: r.full_name,
      private: r.private,
    }));
  }

  /**
   * Stores the repositories an auto-tracking installation covers, through the write model (GitHub just
   * answered for them, so their state is ok). Not a hot path: runs per installation refresh.
   */
  async storeRepositories(host: string, repos: GithubRepositoryValues[]): Promise<void> {
    if (!repos.length) return;
    // Rows already stored are kept current by the sync; only new ones are written here.
    const stored = await this.db
      .selectFrom('repositories')
      .select('github_id')
      .where('github_host', '=', host)
      .where('github_id', '=', sql<string>`ANY(${repos.map((r) => String(r.github_id))}::bigint[])`)
      .execute();
    const known = new Set(stored.map((r) => Number(r.github_id)));
    const fresh = repos.filter((r) => !known.has(r.github_id));
    if (!fresh.length) return;
    await inTransaction(this.db, async (tx) => {
      for (const { github_id, ...copy } of fresh)
        await RepositoriesRepository.upsert(tx, host, github_id, copy, { value: 'ok', when: 'always' });
    });
  }

  /** An active installation covering the stored repository `repoId`, or null. */
  async coveringRepo(repoId: string): Promise<number | null> {
    const row = await this.activeCoverage()
      .select('c.installation_id')
      .where('r.id', '=', repoId)
      .where('c.access_error', 'is', null)
      .orderBy('c.installation_id')
      .executeTakeFirst();
    return row ? Number(row.installation_id) : null;
  }

  /** The installation no longer covers the stored repository `repoId`. */
  async uncoverRepo(installationId: number, repoId: string): Promise<void> {
    await sql`
      DELETE FROM github_installation_repos ir USING repositories r
       WHERE r.id = ${repoId} AND ir.github_host = r.github_host AND ir.repo_github_id = r.github_id
         AND ir.installation_id = ${String(installationId)}::bigint`.execute(this.db);
  }

  /**
   * The active installation on the organization `login` whose permissions include `permission` (an
   * organization permission such as `members`), or null.
   */
  async activeOnOrganization(host: string, login: string, permission: string): Promise<number | null> {
    const row = await this.db
      .selectFrom('github_installations')
      .select('installation_id')
      .where('github_host', '=', host)
      .where(sql`lower(account_login)`, '=', login.toLowerCase())
      .where('account_type', '=', 'Organization')
      .where('removed_at', 'is', null)
      .where('suspended_at', 'is', null)
      .where('access_error', 'is', null)
      .where(sql<boolean>`permissions ? ${permission}`)
      .orderBy('installation_id')
      .executeTakeFirst();
    return row ? Number(row.installation_id) : null;
  }

  /** Which of `repoIds` an active (not suspended, not removed) installation covers. */
  async covering(host: string, repoIds: string[]): Promise<Set<string>> {
    if (!repoIds.length) return new Set();
    const rows = await this.activeCoverage()
      .select('r.id')
      .distinct()
      .where('r.github_host', '=', host)
      .where('r.id', '=', sql<string>`ANY(${repoIds}::uuid[])`)
      .execute();
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Stored repositories an active installation with auto-track covers (the sync cycle includes them); only
   * `installationId`'s when given.
   */
  async autoTrackedRepos(
    host: string,
    installationId?: number,
  ): Promise<Array<{ repoId: string; githubId: number; githubState: string }>> {
    let query = this.activeCoverage()
      .select(['r.id', 'r.github_id', 'r.github_state'])
      .distinct()
      .where('c.github_host', '=', host)
      .where('c.auto_track', '=', true);
    if (installationId !== undefined) query = query.where('c.installation_id', '=', String(installationId));
    const rows = await query.execute();
    return rows.map((r) => ({ repoId: r.id, githubId: Number(r.github_id), githubState: r.github_state }));
  }

  /** Stored repositories with the active installations that cover them (`active_installation_repos`). */
  private activeCoverage() {
    return this.db
      .selectFrom('repositories as r')
      .innerJoin('active_installation_repos as c', (join) =>
        join.onRef('c.github_host', '=', 'r.github_host').onRef('c.repo_github_id', '=', 'r.github_id'),
      );
  }

  async list(host: string): Promise<InstallationRow[]> {
    return this.select(host);
  }

  async get(host: string, installationId: number): Promise<InstallationRow | null> {
    return (await this.select(host, installationId))[0] ?? null;
  }

  private async select(host: string, installationId?: number): Promise<InstallationRow[]> {
    let query = this.db
      .selectFrom('github_installations as i')
      .selectAll('i')
      .select((eb) =>
        eb
          .selectFrom('github_installation_repos as ir')
          .select(sql<number>`count(*)::int`.as('n'))
          .whereRef('ir.github_host', '=', 'i.github_host')
          .whereRef('ir.installation_id', '=', 'i.installation_id')
          .as('repository_count'),
      )
      .where('i.github_host', '=', host)
      .orderBy(sql`i.removed_at IS NOT NULL`)
      .orderBy(sql`lower(i.account_login)`);
    if (installationId !== undefined) query = query.where('i.installation_id', '=', String(installationId));
    const rows = await query.execute();
    return rows.map((r) => ({
      installationId: Number(r.installation_id),
      appId: Number(r.app_id),
      accountId: Number(r.account_id),
      accountLogin: r.account_login,
      accountType: r.account_type,
      repositorySelection: r.repository_selection === 'all' ? 'all' : 'selected',
      permissions: (r.permissions ?? {}) as Record<string, string>,
      events: r.events,
      suspendedAt: r.suspended_at,
      removedAt: r.removed_at,
      accessError: r.access_error,
      autoTrack: r.auto_track,
      refreshedAt: r.refreshed_at,
      repositoryCount: Number(r.repository_count ?? 0),
    }));
  }

  /**
   * Runs `fn` holding the installation's token lock (transaction-scoped advisory lock, so every replica waits
   * for one holder), with the token stored now, read after the lock was taken.
   */
  withTokenLock<T>(
    host: string,
    installationId: number,
    fn: (stored: StoredInstallationToken | null, tx: Transaction<DB>) => Promise<T>,
  ): Promise<T> {
    return inTransaction(this.db, async (tx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`trackeep:installation-token:${host}:${installationId}`}, 0))`.execute(
        tx,
      );
      const row = await tx
        .selectFrom('github_installation_tokens')
        .select(['token_enc', 'expires_at'])
        .where('github_host', '=', host)
        .where('installation_id', '=', String(installationId))
        .executeTakeFirst();
      return fn(row ? { tokenEnc: row.token_enc, expiresAt: row.expires_at } : null, tx);
    });
  }

  async storeToken(
    tx: SqlExecutor<DB>,
    host: string,
    installationId: number,
    token: StoredInstallationToken,
  ): Promise<void> {
    await tx
      .insertInto('github_installation_tokens')
      .values({
        github_host: host,
        installation_id: installationId,
        token_enc: token.tokenEnc,
        expires_at: token.expiresAt,
      })
      .onConflict((oc) =>
        oc.columns(['github_host', 'installation_id']).doUpdateSet((eb) => ({
          token_enc: eb.ref('excluded.token_enc'),
          expires_at: eb.ref('excluded.expires_at'),
          created_at: sql<Date>`now()`,
        })),
      )
      .execute();
  }

  async deleteToken(host: string, installationId: number, db: SqlExecutor<DB> = this.db): Promise<void> {
    await db
      .deleteFrom('github_installation_tokens')
      .where('github_host', '=', host)
      .where('installation_id', '=', String(installationId))
      .execute();
  }
}
