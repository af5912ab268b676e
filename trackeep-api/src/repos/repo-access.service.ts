import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { RepoPermission } from '@trackeep/contracts';
import { DataSource } from 'typeorm';
import { ApiException } from '../common/api-exception';
import { RepositoryEntity, type RepositoryRow } from './repository.entity';

/**
 * The single answer to "may this user see this repository's data?": the user tracks it AND GitHub granted
 * them access when last checked (a repo_access row, written at track time and by every sync). Every repo data
 * endpoint goes through here; anything else is reported as "not found" so existence never leaks.
 */
@Injectable()
export class RepoAccessService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The repository `owner/name` if the user may read it; otherwise 404 `repo_not_found`. */
  async findReadable(userId: string, owner: string, name: string): Promise<RepositoryRow> {
    const repo = await this.dataSource
      .getRepository(RepositoryEntity)
      .createQueryBuilder('r')
      .innerJoin('tracked_repos', 't', 't.repo_id = r.id AND t.user_id = :userId', { userId })
      .innerJoin('repo_access', 'a', 'a.repo_id = r.id AND a.user_id = :userId', { userId })
      .innerJoin('users', 'u', 'u.id = :userId AND u.github_host = r.github_host', { userId })
      .where('lower(r.full_name) = lower(:fullName)', { fullName: `${owner}/${name}` })
      .getOne();
    if (!repo) throw ApiException.repoNotFound(owner, name);
    return repo;
  }

  /** Same rule by id (e.g. for filtering live events). */
  async canRead(userId: string, repoId: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `SELECT 1 FROM tracked_repos t JOIN repo_access a ON a.user_id = t.user_id AND a.repo_id = t.repo_id
       WHERE t.user_id = $1 AND t.repo_id = $2`,
      [userId, repoId],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Ids of every repository whose data the user may read. */
  async readableRepoIds(userId: string): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `SELECT t.repo_id FROM tracked_repos t JOIN repo_access a ON a.user_id = t.user_id AND a.repo_id = t.repo_id
       WHERE t.user_id = $1`,
      [userId],
    )) as Array<{ repo_id: string }>;
    return rows.map((r) => r.repo_id);
  }

  /** Records what GitHub said just now: the user has `permission` on the repo (track time and every sync). */
  async recordAccess(userId: string, repoId: string, permission: RepoPermission): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO repo_access (user_id, repo_id, permission, checked_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (user_id, repo_id) DO UPDATE SET permission = EXCLUDED.permission, checked_at = now()`,
      [userId, repoId, permission],
    );
  }

  /** GitHub said 404/403 for this user: they lose visibility of the repo's data at once (tracking stays). */
  async revokeAccess(userId: string, repoId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM repo_access WHERE user_id = $1 AND repo_id = $2`, [userId, repoId]);
  }
}

/** GitHub's `permissions` object (REST) → the highest permission it grants; public repos default to pull. */
export function highestPermission(permissions: Partial<Record<RepoPermission, boolean>> | undefined): RepoPermission {
  for (const p of ['admin', 'maintain', 'push', 'triage', 'pull'] as const) if (permissions?.[p]) return p;
  return 'pull';
}
