import { Injectable } from '@nestjs/common';
import type { RepoPermission } from '@trackeep/contracts';
import { inTransaction, preparedQuery } from '@trackeep/server-core';
import { Kysely, sql } from 'kysely';
import type { DB } from '../database/db.types';
import { RepositoriesRepository } from './data/repositories.repository';
import type { RepositoryWrite } from './data/github-data.types';
import { RepoAccessRepository } from './repo-access.repository';
import { isoText } from '../common/cursor.util';
import { toGithubState, toTrackedRepoRow, type RepoGithubState, type TrackedRepoRow } from './repository-row';

/** GitHub's repository object as tracking stores it (every column GitHub answers for). */
export type GithubRepositoryValues = RepositoryWrite & {
  github_host: string;
  github_id: number | bigint;
  node_id: string;
  owner: string;
  name: string;
  full_name: string;
  html_url: string;
};

/** The SQL of tracked_repos: which user follows which repository (visibility of its data also needs repo_access). */
@Injectable()
export class TrackedReposRepository {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly access: RepoAccessRepository,
  ) {}

  /**
   * In one transaction: merges GitHub's answer about the repository through the write model (the row is shared
   * by every user who tracks it, and GitHub just answered, so its state is ok again), records the user's
   * access, and tracks it for the user.
   * `created` is false when the user already tracked it.
   */
  track(
    userId: string,
    repo: GithubRepositoryValues,
    permission: RepoPermission,
  ): Promise<{ repoId: string; created: boolean }> {
    return inTransaction(this.db, async (tx) => {
      const { github_host, github_id, ...copy } = repo;
      const id = await RepositoriesRepository.upsert(tx, github_host, github_id, copy, {
        value: 'ok',
        when: 'always',
      });
      await this.access.record(userId, id, permission, tx);
      const inserted = await tx
        .insertInto('tracked_repos')
        .values({ user_id: userId, repo_id: id })
        .onConflict((oc) => oc.doNothing())
        .returning('repo_id')
        .execute();
      return { repoId: id, created: inserted.length > 0 };
    });
  }

  /**
   * Stops tracking `fullName` (any case) on `githubHost` for the user and removes their access row; the
   * repository stopped, or null when the user did not track it.
   */
  async untrack(
    userId: string,
    githubHost: string,
    fullName: string,
  ): Promise<{ repoId: string; fullName: string } | null> {
    // One statement, so the access row goes exactly when the tracking row does.
    const { rows } = await sql<{ repo_id: string; full_name: string }>`
      WITH target AS (
        SELECT t.repo_id, r.full_name FROM tracked_repos t JOIN repositories r ON r.id = t.repo_id
         WHERE t.user_id = ${userId} AND r.github_host = ${githubHost} AND lower(r.full_name) = lower(${fullName})
      ), gone AS (
        DELETE FROM tracked_repos t USING target
         WHERE t.user_id = ${userId} AND t.repo_id = target.repo_id RETURNING t.repo_id
      ), access AS (
        DELETE FROM repo_access a USING target WHERE a.user_id = ${userId} AND a.repo_id = target.repo_id
      )
      SELECT gone.repo_id, target.full_name FROM gone JOIN target USING (repo_id)`.execute(this.db);
    const row = rows[0];
    return row ? { repoId: row.repo_id, fullName: row.full_name } : null;
  }

  /**
   * The user's tracked repositories they can read (GitHub's last answer granted access), by lower-cased full
   * name then id: those after the keyset `after` (lower-cased name, id), at most `limit`; only `onlyRepoId`
   * when given.
   */
  async listReadable(
    userId: string,
    options: { onlyRepoId?: string; after?: { name: string; id: string }; limit?: number } = {},
  ): Promise<Array<TrackedRepoRow & { sortName: string }>> {
    // The page is chosen on the sort key alone, then its rows are read: sorting every tracked repository's
    // full row to keep a hundred cost more than the rest of the statement.
    let page = this.db
      .selectFrom('repositories as r')
      .innerJoin('tracked_repos as t', (join) =>
        join.onRef('t.repo_id', '=', 'r.id').on('t.user_id', '=', userId),
      )
      .innerJoin('repo_access as a', (join) =>
        join.onRef('a.repo_id', '=', 'r.id').on('a.user_id', '=', userId),
      )
      .select(['r.id', 't.tracked_at', sql<string>`lower(r.full_name)`.as('sort_name')])
      .orderBy(sql`lower(r.full_name)`, 'asc')
      .orderBy('r.id', 'asc');
    const { onlyRepoId, after, limit } = options;
    if (onlyRepoId !== undefined) page = page.where('r.id', '=', onlyRepoId);
    if (after !== undefined)
      page = page.where(sql<boolean>`(lower(r.full_name), r.id) > (${after.name}, ${after.id}::uuid)`);
    if (limit !== undefined) page = page.limit(limit);
    // Eight texts at most (the options present), each planned once per connection.
    const { rows } = await this.db.executeQuery(
      preparedQuery(
        this.db
          .with('page', () => page)
          .selectFrom('page')
          .innerJoin('repositories as r', 'r.id', 'page.id')
          .select(TRACKED_COLUMNS)
          .select([isoText('page.tracked_at').$castTo<string>().as('tracked_at'), 'page.sort_name'])
          .orderBy('page.sort_name', 'asc')
          .orderBy('page.id', 'asc'),
      ),
    );
    return rows.map((r) => Object.assign(toTrackedRepoRow(r), { sortName: r.sort_name }));
  }

  /** One repository as each of these users reads it (tracking it, with access); users who cannot are absent. */
  async readableBy(repoId: string, userIds: string[]): Promise<Array<TrackedRepoRow & { userId: string }>> {
    if (!userIds.length) return [];
    const rows = await this.db
      .selectFrom('repositories as r')
      .innerJoin('tracked_repos as t', 't.repo_id', 'r.id')
      .innerJoin('repo_access as a', (join) =>
        join.onRef('a.repo_id', '=', 'r.id').onRef('a.user_id', '=', 't.user_id'),
      )
      .select(TRACKED_COLUMNS)
      .select([isoText('t.tracked_at').$castTo<string>().as('tracked_at'), 't.user_id'])
      .where('r.id', '=', repoId)
      .where('t.user_id', '=', sql<string>`ANY(${userIds}::uuid[])`)
      .execute();
    return rows.map((r) => Object.assign(toTrackedRepoRow(r), { userId: r.user_id }));
  }

  /** Tracks stored repositories for the user (already tracked ones are left as they are); the new ones' ids. */
  async trackExisting(userId: string, repoIds: string[]): Promise<string[]> {
    if (!repoIds.length) return [];
    const { rows } = await sql<{ repo_id: string }>`
      INSERT INTO tracked_repos (user_id, repo_id) SELECT ${userId}::uuid, unnest(${repoIds}::uuid[])
      ON CONFLICT DO NOTHING RETURNING repo_id`.execute(this.db);
    return rows.map((r) => r.repo_id);
  }

  /** The repository's names and whether anyone tracks it; null when there is no such row. */
  async findWithTracking(
    repoId: string,
  ): Promise<{ owner: string; name: string; fullName: string; tracked: boolean } | null> {
    const row = await this.db
      .selectFrom('repositories as r')
      .select(['r.owner', 'r.name', 'r.full_name'])
      .select(({ exists, selectFrom }) =>
        exists(selectFrom('tracked_repos as t').select('t.repo_id').whereRef('t.repo_id', '=', 'r.id')).as(
          'tracked',
        ),
      )
      .where('r.id', '=', repoId)
      .executeTakeFirst();
    return row
      ? { owner: row.owner, name: row.name, fullName: row.full_name, tracked: Boolean(row.tracked) }
      : null;
  }

  /** Every (user, repository) tracking pair, by user then repository. */
  async allTracking(): Promise<
    Array<{ userId: string; repoId: string; nodeId: string; githubState: RepoGithubState }>
  > {
    const rows = await this.db
      .selectFrom('tracked_repos as t')
      .innerJoin('repositories as r', 'r.id', 't.repo_id')
      .select(['t.user_id', 'r.id', 'r.node_id', 'r.github_state'])
      .orderBy('t.user_id')
      .orderBy('r.id')
      .execute();
    return rows.map((r) => ({
      userId: r.user_id,
      repoId: r.id,
      nodeId: r.node_id,
      githubState: toGithubState(r.github_state),
    }));
  }

  /** The GitHub ids, among `githubIds` on `githubHost`, of repositories `userId` tracks. */
  async trackedGithubIds(userId: string, githubHost: string, githubIds: number[]): Promise<Set<number>> {
    if (!githubIds.length) return new Set();
    const rows = await this.db
      .selectFrom('tracked_repos as t')
      .innerJoin('repositories as r', 'r.id', 't.repo_id')
      .select('r.github_id')
      .where('t.user_id', '=', userId)
      .where('r.github_host', '=', githubHost)
      .where('r.github_id', '=', sql<string>`ANY(${githubIds.map(String)}::bigint[])`)
      .execute();
    return new Set(rows.map((r) => Number(r.github_id)));
  }
}

const TRACKED_COLUMNS = [
  'r.id',
  'r.github_id',
  'r.owner',
  'r.name',
  'r.full_name',
  'r.description',
  'r.language',
  'r.languages',
  'r.topics',
  'r.visibility',
  'r.default_branch',
  'r.archived',
  'r.stars',
  'r.forks',
  'r.watchers',
  'r.open_issues',
  'r.size_kb',
  isoText('r.pushed_at').as('pushed_at'),
  isoText('r.github_updated_at').as('github_updated_at'),
  'r.html_url',
  'r.github_state',
  'r.github_block',
] as const;
