import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { RepoPermission } from '@trackeep/contracts';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';

/** One repo_access row of a tracked repository, with what the re-check needs to know. */
export interface AccessRow {
  repoId: string;
  fullName: string;
  visibility: string;
  checkedAt: Date;
}

/** Far enough in the past that the next use of the row re-checks it with GitHub. */
const STALE = `'epoch'::timestamptz`;

/** The SQL of repo_access: who GitHub said may read which tracked repository, and when it was last asked. */
@Injectable()
export class RepoAccessRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The user's readable tracked repositories (all, or only `repoIds`). */
  async readable(userId: string, repoIds?: string[]): Promise<AccessRow[]> {
    const rows = (await this.dataSource.query(
      `SELECT r.id, r.full_name, r.visibility, a.checked_at
         FROM tracked_repos t
         JOIN repo_access a ON a.user_id = t.user_id AND a.repo_id = t.repo_id
         JOIN repositories r ON r.id = t.repo_id
        WHERE t.user_id = $1 AND ($2::uuid[] IS NULL OR t.repo_id = ANY($2::uuid[]))`,
      [userId, repoIds ?? null],
    )) as Array<{ id: string; full_name: string; visibility: string; checked_at: Date }>;
    return rows.map((r) => ({
      repoId: r.id,
      fullName: r.full_name,
      visibility: r.visibility,
      checkedAt: new Date(r.checked_at),
    }));
  }

  /** Inserts or refreshes the row (track time and every sync: GitHub said so just now). */
  async record(userId: string, repoId: string, permission: RepoPermission): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO repo_access (user_id, repo_id, permission, checked_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (user_id, repo_id) DO UPDATE SET permission = EXCLUDED.permission, checked_at = now()`,
      [userId, repoId, permission],
    );
  }

  /**
   * A re-check confirmed access: refreshes an existing row only, so a check that was under way while a webhook
   * revoked the access never brings it back (only tracking and sync grant access).
   */
  async confirm(userId: string, repoId: string, permission: RepoPermission): Promise<void> {
    await this.dataSource.query(
      `UPDATE repo_access SET permission = $3, checked_at = now() WHERE user_id = $1 AND repo_id = $2`,
      [userId, repoId, permission],
    );
  }

  async revoke(userId: string, repoId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM repo_access WHERE user_id = $1 AND repo_id = $2`, [
      userId,
      repoId,
    ]);
  }

  // --- webhook side: run inside the delivery's transaction -------------------------------------------------

  /** Removes the access of the GitHub user `githubUserId` to the repository `repoGithubId`; rows removed. */
  static async revokeGithubUser(
    client: PoolClient,
    githubHost: string,
    githubUserId: number,
    repoGithubId: number,
  ): Promise<number> {
    const { rowCount } = await client.query(
      `DELETE FROM repo_access a USING users u, repositories r
        WHERE a.user_id = u.id AND a.repo_id = r.id AND u.github_host = $1 AND u.github_id = $2
          AND r.github_host = $1 AND r.github_id = $3`,
      [githubHost, githubUserId, repoGithubId],
    );
    return rowCount ?? 0;
  }

  /** The GitHub user's access to the repository `repoGithubId` is asked again at its next use; rows marked. */
  static async markRepoUserStale(
    client: PoolClient,
    githubHost: string,
    githubUserId: number,
    repoGithubId: number,
  ): Promise<number> {
    const { rowCount } = await client.query(
      `UPDATE repo_access a SET checked_at = ${STALE} FROM users u, repositories r
        WHERE a.user_id = u.id AND a.repo_id = r.id AND u.github_host = $1 AND u.github_id = $2
          AND r.github_host = $1 AND r.github_id = $3`,
      [githubHost, githubUserId, repoGithubId],
    );
    return rowCount ?? 0;
  }

  /** Nobody reads the repository (`repoId`, Trackeep's id) any more. */
  static async revokeAll(client: PoolClient, repoId: string): Promise<void> {
    await client.query(`DELETE FROM repo_access WHERE repo_id = $1`, [repoId]);
  }

  /** Everyone's access to the repository (`repoId`, Trackeep's id) is asked again at its next use. */
  static async markAllStale(client: PoolClient, repoId: string): Promise<void> {
    await client.query(`UPDATE repo_access SET checked_at = ${STALE} WHERE repo_id = $1`, [repoId]);
  }

  /** Every user's access to the repository `repoGithubId` is asked again at its next use; rows marked. */
  static async markRepoStale(client: PoolClient, githubHost: string, repoGithubId: number): Promise<number> {
    const { rowCount } = await client.query(
      `UPDATE repo_access a SET checked_at = ${STALE} FROM repositories r
        WHERE a.repo_id = r.id AND r.github_host = $1 AND r.github_id = $2`,
      [githubHost, repoGithubId],
    );
    return rowCount ?? 0;
  }

  /** The GitHub user's access to every repository of `ownerLogin` (an organization) is asked again; rows marked. */
  static async markUserStaleForOwner(
    client: PoolClient,
    githubHost: string,
    githubUserId: number,
    ownerLogin: string,
  ): Promise<number> {
    const { rowCount } = await client.query(
      `UPDATE repo_access a SET checked_at = ${STALE} FROM users u, repositories r
        WHERE a.user_id = u.id AND a.repo_id = r.id AND u.github_host = $1 AND u.github_id = $2
          AND r.github_host = $1 AND lower(r.owner) = lower($3)`,
      [githubHost, githubUserId, ownerLogin],
    );
    return rowCount ?? 0;
  }

  /** Every user's access to every repository of `ownerLogin` (an organization) is asked again; rows marked. */
  static async markOwnerStale(client: PoolClient, githubHost: string, ownerLogin: string): Promise<number> {
    const { rowCount } = await client.query(
      `UPDATE repo_access a SET checked_at = ${STALE} FROM repositories r
        WHERE a.repo_id = r.id AND r.github_host = $1 AND lower(r.owner) = lower($2)`,
      [githubHost, ownerLogin],
    );
    return rowCount ?? 0;
  }
}
