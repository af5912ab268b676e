import { Injectable } from '@nestjs/common';
import { Kysely } from 'kysely';
import type { DB } from '../database/db.types';

/** What the "repositories on GitHub" list needs from Trackeep's own tables: which of them the user tracks. */
@Injectable()
export class GithubReposRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** The GitHub ids, among `githubIds` on `githubHost`, of repositories `userId` tracks. */
  async trackedGithubIds(userId: string, githubHost: string, githubIds: number[]): Promise<Set<number>> {
    if (!githubIds.length) return new Set();
    const rows = await this.db
      .selectFrom('tracked_repos as t')
      .innerJoin('repositories as r', 'r.id', 't.repo_id')
      .select('r.github_id')
      .where('t.user_id', '=', userId)
      .where('r.github_host', '=', githubHost)
      .where('r.github_id', 'in', githubIds.map(String))
      .execute();
    return new Set(rows.map((r) => Number(r.github_id)));
  }
}
