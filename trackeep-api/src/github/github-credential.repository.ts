import { Injectable } from '@nestjs/common';
import type { RepoPermission } from '@trackeep/contracts';
import { Kysely } from 'kysely';
import type { DB } from '../database/db.types';

const PERMISSIONS: ReadonlySet<string> = new Set<RepoPermission>([
  'pull',
  'triage',
  'push',
  'maintain',
  'admin',
]);

function isPermission(value: string): value is RepoPermission {
  return PERMISSIONS.has(value);
}

/** Whose credentials may act on a repository (read side of users, tracked_repos and repo_access). */
@Injectable()
export class GithubCredentialRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Users who track the repository, still have access and a usable token; the latest checked first. */
  async trackersWithAccess(repoId: string): Promise<Array<{ userId: string; permission: RepoPermission }>> {
    const rows = await this.db
      .selectFrom('tracked_repos as t')
      .innerJoin('repo_access as a', (join) =>
        join.onRef('a.user_id', '=', 't.user_id').onRef('a.repo_id', '=', 't.repo_id'),
      )
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select(['a.user_id', 'a.permission'])
      .where('t.repo_id', '=', repoId)
      .where('u.reauth_required', '=', false)
      .where('u.github_token_enc', 'is not', null)
      .orderBy('a.checked_at', 'desc')
      .execute();
    return rows.flatMap((r) =>
      isPermission(r.permission) ? [{ userId: r.user_id, permission: r.permission }] : [],
    );
  }
}
