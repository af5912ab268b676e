import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { RepoPermission } from '@trackeep/contracts';
import type { DataSource } from 'typeorm';

/** Whose credentials may act on a repository (read side of users, tracked_repos and repo_access). */
@Injectable()
export class GithubCredentialRepository {
  constructor(@InjectDataSource() private readonly db: Pick<DataSource, 'query'>) {}

  /** Users who track the repository, still have access and a usable token; the latest checked first. */
  async trackersWithAccess(repoId: string): Promise<Array<{ userId: string; permission: RepoPermission }>> {
    const rows: Array<{ user_id: string; permission: RepoPermission }> = await this.db.query(
      `SELECT a.user_id, a.permission FROM tracked_repos t
         JOIN repo_access a ON a.user_id = t.user_id AND a.repo_id = t.repo_id
         JOIN users u ON u.id = t.user_id
       WHERE t.repo_id = $1 AND NOT u.reauth_required AND u.github_token_enc IS NOT NULL
       ORDER BY a.checked_at DESC`,
      [repoId],
    );
    return rows.map((r) => ({ userId: r.user_id, permission: r.permission }));
  }
}
