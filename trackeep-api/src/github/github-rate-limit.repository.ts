import { Injectable } from '@nestjs/common';
import { prepared } from '@trackeep/server-core';
import { Kysely, sql, type RawBuilder } from 'kysely';
import type { DB } from '../database/db.types';

/** PostgreSQL's foreign_key_violation: the user row is gone. */
const FOREIGN_KEY_VIOLATION = '23503';

export interface Budget {
  limit: number;
  remaining: number;
  resetAt: Date;
}

export interface StoredBudget extends Budget {
  resource: string;
}

/** Whose budget: a user's token, or a GitHub App installation's. */
export type BudgetOwner = { userId: string } | { host: string; installationId: number };

/** A budget with the installation it belongs to. */
export interface InstallationBudget extends StoredBudget {
  installationId: number;
  accountLogin: string;
}

/**
 * github_rate_limits and github_installation_rate_limits: the last budget GitHub reported per credential and
 * resource, shared by every replica.
 */
@Injectable()
export class GithubRateLimitRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Every GitHub answer saves its budget. Skipped when the owner is gone (a sync may still be using its token). */
  async save(owner: BudgetOwner, resource: string, b: Budget): Promise<void> {
    try {
      if ('userId' in owner) {
        await prepared(sql`
          INSERT INTO github_rate_limits (user_id, resource, "limit", remaining, reset_at)
          VALUES (${owner.userId}::uuid, ${resource}, ${b.limit}::int, ${b.remaining}::int, ${b.resetAt}::timestamptz)
          ON CONFLICT (user_id, resource) DO UPDATE
            SET "limit" = EXCLUDED."limit", remaining = EXCLUDED.remaining, reset_at = EXCLUDED.reset_at,
                updated_at = now()`).execute(this.db);
        return;
      }
      await prepared(sql`
        INSERT INTO github_installation_rate_limits (github_host, installation_id, resource, "limit", remaining, reset_at)
        VALUES (${owner.host}, ${String(owner.installationId)}::bigint, ${resource}, ${b.limit}::int,
                ${b.remaining}::int, ${b.resetAt}::timestamptz)
        ON CONFLICT (github_host, installation_id, resource) DO UPDATE
          SET "limit" = EXCLUDED."limit", remaining = EXCLUDED.remaining, reset_at = EXCLUDED.reset_at,
              updated_at = now()`).execute(this.db);
    } catch (err) {
      if ((err as { code?: string }).code !== FOREIGN_KEY_VIOLATION) throw err;
    }
  }

  async load(owner: BudgetOwner, resources: string[]): Promise<StoredBudget[]> {
    const rows =
      'userId' in owner
        ? await this.db
            .selectFrom('github_rate_limits')
            .select(['resource', 'limit', 'remaining', 'reset_at'])
            .where('user_id', '=', owner.userId)
            .where('resource', 'in', resources)
            .orderBy('resource')
            .execute()
        : await this.db
            .selectFrom('github_installation_rate_limits')
            .select(['resource', 'limit', 'remaining', 'reset_at'])
            .where('github_host', '=', owner.host)
            .where('installation_id', '=', String(owner.installationId))
            .where('resource', 'in', resources)
            .orderBy('resource')
            .execute();
    return rows.map(toBudget);
  }

  /** The budgets of the installations on `host` (only `installationId`'s when given), by account then resource. */
  async installationBudgets(
    host: string,
    resources: string[],
    installationId?: number,
  ): Promise<InstallationBudget[]> {
    const only =
      installationId === undefined ? sql`true` : sql`b.installation_id = ${String(installationId)}::bigint`;
    const { rows } = await prepared(sql<InstallationBudgetRow>`
      ${this.installationBudgetsWhere(host, resources, only)}
      ORDER BY lower(i.account_login), b.installation_id, b.resource`).execute(this.db);
    return rows.map(toInstallationBudget);
  }

  /**
   * In one statement, for the sync page: the budgets of `userId`'s token (installationId null), then those of the
   * active installations that cover repositories they track (those repositories sync with them, not the token).
   */
  async budgetsOfTracker(
    host: string,
    userId: string,
    resources: string[],
  ): Promise<Array<StoredBudget & { installationId: number | null; accountLogin: string | null }>> {
    const installations = this.installationBudgetsWhere(
      host,
      resources,
      sql`EXISTS (SELECT 1 FROM tracked_repos t
                    JOIN repositories r ON r.id = t.repo_id
                    JOIN active_installation_repos c
                      ON c.github_host = r.github_host AND c.repo_github_id = r.github_id
                   WHERE t.user_id = ${userId}::uuid AND c.github_host = i.github_host
                     AND c.installation_id = i.installation_id AND c.access_error IS NULL)`,
    );
    const { rows } = await prepared(sql<InstallationBudgetRow>`
      SELECT * FROM (
        SELECT NULL::bigint AS installation_id, NULL::text AS account_login, resource, "limit", remaining, reset_at
          FROM github_rate_limits WHERE user_id = ${userId}::uuid AND resource = ANY(${resources}::text[])
        UNION ALL ${installations}
      ) b
      ORDER BY installation_id IS NOT NULL, lower(account_login), installation_id, resource`).execute(
      this.db,
    );
    return rows.map((r) => ({
      ...toBudget(r),
      installationId: r.installation_id === null ? null : Number(r.installation_id),
      accountLogin: r.account_login,
    }));
  }

  private installationBudgetsWhere(host: string, resources: string[], where: RawBuilder<unknown>) {
    return sql<InstallationBudgetRow>`
      SELECT b.installation_id, i.account_login, b.resource, b."limit", b.remaining, b.reset_at
        FROM github_installation_rate_limits b
        JOIN github_installations i ON i.github_host = b.github_host AND i.installation_id = b.installation_id
       WHERE b.github_host = ${host} AND b.resource = ANY(${resources}::text[]) AND ${where}`;
  }
}

interface InstallationBudgetRow {
  installation_id: string | null;
  account_login: string | null;
  resource: string;
  limit: number;
  remaining: number;
  reset_at: Date;
}

function toInstallationBudget(r: InstallationBudgetRow): InstallationBudget {
  return { ...toBudget(r), installationId: Number(r.installation_id), accountLogin: r.account_login ?? '' };
}

function toBudget(r: {
  resource: string;
  limit: number;
  remaining: number;
  reset_at: Date | string;
}): StoredBudget {
  return { resource: r.resource, limit: r.limit, remaining: r.remaining, resetAt: new Date(r.reset_at) };
}
