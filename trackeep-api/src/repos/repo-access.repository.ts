import { Injectable } from '@nestjs/common';
import type { RepoPermission } from '@trackeep/contracts';
import { prepared, preparedQuery, type SqlExecutor } from '@trackeep/server-core';
import { Kysely, sql, type RawBuilder } from 'kysely';
import type { DB } from '../database/db.types';
import { toRepoPermission } from './repo-permission.util';
import { toRepositoryRow, type RepositoryRow } from './repository-row';

/** One repo_access row of a tracked repository, with what the re-check needs to know. */
export interface AccessRow {
  repoId: string;
  fullName: string;
  visibility: string;
  checkedAt: Date;
}

/**
 * The repositories a list covers: given ones, or every one the user may read (tracked, and GitHub granted access
 * when last asked), decided inside the list's own statement instead of by passing every id in.
 */
export type RepoScope = { repoIds: readonly string[] } | { readableBy: string };

/** `column` is one of the scope's repositories (a condition for another table's list). */
export function inRepoScope(column: string, scope: RepoScope): RawBuilder<boolean> {
  if ('repoIds' in scope) return sql<boolean>`${sql.ref(column)} = ANY(${[...scope.repoIds]}::uuid[])`;
  return sql<boolean>`${sql.ref(column)} IN (${readableBy(scope.readableBy)})`;
}

/** Which repositories the user may read, as an SQL expression (text): the md5 of their sorted ids. */
export function readableDigestSql(userId: string): RawBuilder<string> {
  return sql<string>`(SELECT md5(coalesce(${idList('x.repo_id')}, '')) FROM (${readableBy(userId)}) x)`;
}

/** The aggregate of `column`'s repository ids as one sorted, comma-separated text. */
function idList(column: string): RawBuilder<string | null> {
  return sql`string_agg(${sql.ref(column)}::text, ',' ORDER BY ${sql.ref(column)})`;
}

/** The rule in SQL: the user tracks the repository and GitHub's last answer granted them access. */
function readableBy(userId: string): RawBuilder<{ repo_id: string }> {
  return sql`SELECT t.repo_id FROM tracked_repos t
               JOIN repo_access ra ON ra.user_id = t.user_id AND ra.repo_id = t.repo_id
              WHERE t.user_id = ${userId}::uuid`;
}

/** Far enough in the past that the next use of the row re-checks it with GitHub. */
const STALE = sql<Date>`'epoch'::timestamptz`;

/** The SQL of repo_access: who GitHub said may read which tracked repository, and when it was last asked. */
@Injectable()
export class RepoAccessRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** The user's readable tracked repositories (all, or only `repoIds`; only `owner`'s when given). */
  async readable(userId: string, repoIds?: readonly string[], owner?: string): Promise<AccessRow[]> {
    if (repoIds?.length === 0) return [];
    let query = this.readableRows(userId);
    if (repoIds) query = query.where('t.repo_id', 'in', repoIds);
    if (owner !== undefined) query = query.where(sql`lower(r.owner)`, '=', owner.toLowerCase());
    return toAccessRows(await query.execute());
  }

  /**
   * The ids of the user's readable tracked repositories (only `owner`'s when given), sorted: one array, not a
   * row per repository, for pages that only pass them on.
   */
  async readableIds(userId: string, owner?: string): Promise<string[]> {
    const byOwner =
      owner === undefined
        ? sql``
        : sql`JOIN repositories r ON r.id = x.repo_id AND lower(r.owner) = ${owner.toLowerCase()}`;
    // As one comma-separated text: splitting it is several times cheaper than parsing a uuid[] of 1,000 ids.
    const { rows } = await prepared(sql<{ ids: string | null }>`
      SELECT ${idList('x.repo_id')} AS ids
        FROM (${readableBy(userId)}) x ${byOwner}`).execute(this.db);
    const ids = rows[0]?.ids;
    return ids ? ids.split(',') : [];
  }

  /**
   * readableIds for many users in one statement (the live streams of a replica): each user's sorted ids; a user
   * who may read nothing has an empty list.
   */
  async readableIdsOfUsers(userIds: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(userIds.map((id) => [id, []]));
    if (userIds.length === 0) return out;
    const { rows } = await prepared(sql<{ user_id: string; ids: string }>`
      SELECT t.user_id, ${idList('t.repo_id')} AS ids
        FROM tracked_repos t
        JOIN repo_access ra ON ra.user_id = t.user_id AND ra.repo_id = t.repo_id
       WHERE t.user_id = ANY(${[...userIds]}::uuid[])
       GROUP BY t.user_id`).execute(this.db);
    for (const row of rows) out.set(row.user_id, row.ids.split(','));
    return out;
  }

  /** Of `userIds`, those with a readable private repository whose answer is at least `windowMs` old. */
  async usersWithStaleReadable(userIds: readonly string[], windowMs: number): Promise<string[]> {
    if (userIds.length === 0) return [];
    const { rows } = await prepared(sql<{ user_id: string }>`
      SELECT DISTINCT t.user_id
        FROM tracked_repos t
        JOIN repo_access a ON a.user_id = t.user_id AND a.repo_id = t.repo_id
        JOIN repositories r ON r.id = t.repo_id
       WHERE t.user_id = ANY(${[...userIds]}::uuid[])
         AND r.visibility <> 'public'
         AND a.checked_at <= now() - make_interval(secs => ${windowMs / 1000})`).execute(this.db);
    return rows.map((r) => r.user_id);
  }

  /**
   * The user's readable private repositories whose answer is at least `windowMs` old, the oldest first, at most
   * `limit` (public ones are never asked about again); only `owner`'s when given.
   */
  async staleReadable(userId: string, windowMs: number, limit: number, owner?: string): Promise<AccessRow[]> {
    let query = this.readableRows(userId);
    if (owner !== undefined) query = query.where(sql`lower(r.owner)`, '=', owner.toLowerCase());
    // Asked before every page that lists readable repositories: parsed and planned once per connection.
    const { rows } = await this.db.executeQuery(
      preparedQuery(
        query
          .where('r.visibility', '<>', 'public')
          .where('a.checked_at', '<=', sql<Date>`now() - make_interval(secs => ${windowMs / 1000})`)
          .orderBy('a.checked_at')
          .limit(limit),
      ),
    );
    return toAccessRows(rows);
  }

  /** The user's tracked repositories with GitHub's last answer granting access. */
  private readableRows(userId: string) {
    return (
      this.db
        .selectFrom('tracked_repos as t')
        .innerJoin('repo_access as a', (join) =>
          join.onRef('a.user_id', '=', 't.user_id').onRef('a.repo_id', '=', 't.repo_id'),
        )
        .innerJoin('repositories as r', 'r.id', 't.repo_id')
        // Epoch milliseconds: a number is far cheaper to read than a timestamp, on every list of every request.
        .select([
          'r.id',
          'r.full_name',
          'r.visibility',
          sql<number>`extract(epoch from a.checked_at) * 1000`.as('checked_ms'),
        ])
        .where('t.user_id', '=', userId)
    );
  }

  /**
   * The tracked repository `fullName` (any case) the user can read on their own GitHub host, with when
   * GitHub was last asked; null otherwise.
   */
  async findReadableByName(
    userId: string,
    fullName: string,
  ): Promise<{ repo: RepositoryRow; checkedAt: Date } | null> {
    const {
      rows: [row],
    } = await this.db.executeQuery(
      preparedQuery(
        this.db
          .selectFrom('repositories as r')
          .innerJoin('tracked_repos as t', (join) =>
            join.onRef('t.repo_id', '=', 'r.id').on('t.user_id', '=', userId),
          )
          .innerJoin('repo_access as a', (join) =>
            join.onRef('a.repo_id', '=', 'r.id').on('a.user_id', '=', userId),
          )
          .innerJoin('users as u', (join) =>
            join.on('u.id', '=', userId).onRef('u.github_host', '=', 'r.github_host'),
          )
          .selectAll('r')
          .select('a.checked_at as access_checked_at')
          .where(sql<string>`lower(r.full_name)`, '=', sql<string>`lower(${fullName})`),
      ),
    );
    return row ? { repo: toRepositoryRow(row), checkedAt: row.access_checked_at } : null;
  }

  /** What GitHub granted the user when last asked, or null when they have no access. */
  async permission(userId: string, repoId: string): Promise<RepoPermission | null> {
    return (await this.standing(userId, repoId))?.permission ?? null;
  }

  /** The user's permission (see permission) and when an organization policy last refused their token for it. */
  async standing(
    userId: string,
    repoId: string,
  ): Promise<{ permission: RepoPermission; policyRefusedAt: Date | null } | null> {
    const row = await this.db
      .selectFrom('repo_access')
      .select(['permission', 'policy_refused_at'])
      .where('user_id', '=', userId)
      .where('repo_id', '=', repoId)
      .executeTakeFirst();
    return row
      ? {
          permission: toRepoPermission(row.permission),
          policyRefusedAt: row.policy_refused_at ? new Date(row.policy_refused_at) : null,
        }
      : null;
  }

  /** How many users GitHub last said may read the repository. */
  async readerCount(repoId: string): Promise<number> {
    const { n } = await this.db
      .selectFrom('repo_access')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('repo_id', '=', repoId)
      .executeTakeFirstOrThrow();
    return n;
  }

  /**
   * Users who track the repository and GitHub last said may read it; the latest checked first. `policyRefusedAt`:
   * when an organization policy last refused their token for it.
   */
  async trackersWithAccess(
    repoId: string,
  ): Promise<Array<{ userId: string; permission: RepoPermission; policyRefusedAt: Date | null }>> {
    const rows = await this.db
      .selectFrom('tracked_repos as t')
      .innerJoin('repo_access as a', (join) =>
        join.onRef('a.user_id', '=', 't.user_id').onRef('a.repo_id', '=', 't.repo_id'),
      )
      .select(['a.user_id', 'a.permission', 'a.policy_refused_at'])
      .where('t.repo_id', '=', repoId)
      .orderBy('a.checked_at', 'desc')
      .execute();
    return rows.map((r) => ({
      userId: r.user_id,
      permission: toRepoPermission(r.permission),
      policyRefusedAt: r.policy_refused_at ? new Date(r.policy_refused_at) : null,
    }));
  }

  /** Inserts or refreshes the row (track time and every sync: GitHub said so just now). */
  async record(
    userId: string,
    repoId: string,
    permission: RepoPermission,
    db: SqlExecutor<DB> = this.db,
  ): Promise<void> {
    await db
      .insertInto('repo_access')
      .values({ user_id: userId, repo_id: repoId, permission, checked_at: sql<Date>`now()` })
      .onConflict((oc) =>
        oc.columns(['user_id', 'repo_id']).doUpdateSet((eb) => ({
          permission: eb.ref('excluded.permission'),
          checked_at: sql<Date>`now()`,
        })),
      )
      .execute();
  }

  /**
   * A re-check confirmed access: refreshes an existing row only, so a check that was under way while a webhook
   * revoked the access never brings it back (only tracking and sync grant access).
   */
  async confirm(userId: string, repoId: string, permission: RepoPermission): Promise<void> {
    await this.db
      .updateTable('repo_access')
      .set({ permission, checked_at: sql<Date>`now()` })
      .where('user_id', '=', userId)
      .where('repo_id', '=', repoId)
      .execute();
  }

  /** One more 404 in a row for this user on this repository (sync); how many in a row so far. */
  async strikeNotFound(userId: string, repoId: string): Promise<number> {
    const row = await this.db
      .updateTable('repo_access')
      .set((eb) => ({ not_found_strikes: eb('not_found_strikes', '+', 1) }))
      .where('user_id', '=', userId)
      .where('repo_id', '=', repoId)
      .returning('not_found_strikes')
      .executeTakeFirst();
    return row?.not_found_strikes ?? 0;
  }

  /** The user's token read the repository: its 404s in a row and any policy refusal for it are over. */
  async noteReadable(userId: string, repoId: string): Promise<void> {
    await this.db
      .updateTable('repo_access')
      .set({ not_found_strikes: 0, policy_refused_at: null })
      .where('user_id', '=', userId)
      .where('repo_id', '=', repoId)
      .where((eb) => eb.or([eb('not_found_strikes', '<>', 0), eb('policy_refused_at', 'is not', null)]))
      .execute();
  }

  async clearPolicyRefusal(userId: string, repoId: string): Promise<void> {
    await this.db
      .updateTable('repo_access')
      .set({ policy_refused_at: null })
      .where('user_id', '=', userId)
      .where('repo_id', '=', repoId)
      .where('policy_refused_at', 'is not', null)
      .execute();
  }

  /**
   * An organization policy refused the user's token for the repository. SAML SSO and OAuth App restrictions are
   * the organization's, so the refusal is noted on every repository of the same owner the user can read: a token
   * refused for one of 1,000 is not asked first for the 999 others. A repository the token then reads is cleared
   * on its own (a token without SSO can still read public repositories).
   */
  async notePolicyRefusal(userId: string, repoId: string): Promise<void> {
    await sql`
      UPDATE repo_access a SET policy_refused_at = now()
        FROM repositories r, repositories o
       WHERE a.user_id = ${userId}::uuid AND r.id = a.repo_id AND o.id = ${repoId}::uuid
         AND r.github_host = o.github_host AND lower(r.owner) = lower(o.owner)`.execute(this.db);
  }

  async revoke(userId: string, repoId: string): Promise<void> {
    await this.db
      .deleteFrom('repo_access')
      .where('user_id', '=', userId)
      .where('repo_id', '=', repoId)
      .execute();
  }

  // --- webhook side: run on the delivery's transaction, as the write model's statics do ----

  /** Removes the access of the GitHub user `githubUserId` to the repository `repoGithubId`; rows removed. */
  static async revokeGithubUser(
    db: SqlExecutor<DB>,
    githubHost: string,
    githubUserId: number,
    repoGithubId: number,
  ): Promise<number> {
    const result = await db
      .deleteFrom('repo_access as a')
      .using(['users as u', 'repositories as r'])
      .whereRef('a.user_id', '=', 'u.id')
      .whereRef('a.repo_id', '=', 'r.id')
      .where('u.github_host', '=', githubHost)
      .where('u.github_id', '=', String(githubUserId))
      .where('r.github_host', '=', githubHost)
      .where('r.github_id', '=', String(repoGithubId))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** The GitHub user's access to the repository `repoGithubId` is asked again at its next use; rows marked. */
  static markRepoUserStale(
    db: SqlExecutor<DB>,
    githubHost: string,
    githubUserId: number,
    repoGithubId: number,
  ): Promise<number> {
    return markStale(db, githubHost, { githubUserId, repoGithubId });
  }

  /** Nobody reads the repository (`repoId`, Trackeep's id) any more. */
  static async revokeAll(db: SqlExecutor<DB>, repoId: string): Promise<void> {
    await db.deleteFrom('repo_access').where('repo_id', '=', repoId).execute();
  }

  /** Everyone's access to the repository (`repoId`, Trackeep's id) is asked again at its next use. */
  static async markAllStale(db: SqlExecutor<DB>, repoId: string): Promise<void> {
    await db.updateTable('repo_access').set({ checked_at: STALE }).where('repo_id', '=', repoId).execute();
  }

  /** Every user's access to the repository `repoGithubId` is asked again at its next use; rows marked. */
  static markRepoStale(db: SqlExecutor<DB>, githubHost: string, repoGithubId: number): Promise<number> {
    return markStale(db, githubHost, { repoGithubId });
  }

  /** The GitHub user's access to every repository of `ownerLogin` (an organization) is asked again; rows marked. */
  static markUserStaleForOwner(
    db: SqlExecutor<DB>,
    githubHost: string,
    githubUserId: number,
    ownerLogin: string,
  ): Promise<number> {
    return markStale(db, githubHost, { githubUserId, ownerLogin });
  }

  /** Every user's access to every repository of `ownerLogin` (an organization) is asked again; rows marked. */
  static markOwnerStale(db: SqlExecutor<DB>, githubHost: string, ownerLogin: string): Promise<number> {
    return markStale(db, githubHost, { ownerLogin });
  }
}

/**
 * Marks access rows for a re-check at their next use: those of the repositories named by GitHub id or owner,
 * and of one GitHub user if given. The number of rows marked.
 */
async function markStale(
  db: SqlExecutor<DB>,
  githubHost: string,
  match: { githubUserId?: number } & ({ repoGithubId: number } | { ownerLogin: string }),
): Promise<number> {
  const result = await db
    .updateTable('repo_access as a')
    .from(['users as u', 'repositories as r'])
    .set({ checked_at: STALE })
    .whereRef('a.user_id', '=', 'u.id')
    .whereRef('a.repo_id', '=', 'r.id')
    .where('r.github_host', '=', githubHost)
    .$if(match.githubUserId !== undefined, (q) =>
      q.where('u.github_host', '=', githubHost).where('u.github_id', '=', String(match.githubUserId)),
    )
    .where((eb) =>
      'repoGithubId' in match
        ? eb('r.github_id', '=', String(match.repoGithubId))
        : eb(sql<string>`lower(r.owner)`, '=', sql<string>`lower(${match.ownerLogin})`),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

function toAccessRows(
  rows: Array<{ id: string; full_name: string; visibility: string; checked_ms: number }>,
): AccessRow[] {
  return rows.map((r) => ({
    repoId: r.id,
    fullName: r.full_name,
    visibility: r.visibility,
    checkedAt: new Date(Number(r.checked_ms)),
  }));
}
