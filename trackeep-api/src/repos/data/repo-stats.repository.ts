import type { SqlExecutor } from '@trackeep/server-core';
import { sql } from 'kysely';
import type { DB } from '../../database/db.types';
import type { Counters } from './github-data.types';

/** repo_stats_snapshots: the counters' history for the stats chart. */
export class RepoStatsRepository {
  static async latest(
    db: SqlExecutor<DB>,
    repoId: string,
  ): Promise<(Counters & { captured_at: Date }) | null> {
    const row = await db
      .selectFrom('repo_stats_snapshots')
      .select(['captured_at', 'stars', 'forks', 'watchers', 'open_issues'])
      .where('repo_id', '=', repoId)
      .orderBy('captured_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ?? null;
  }

  static async insert(db: SqlExecutor<DB>, repoId: string, c: Counters): Promise<void> {
    await db
      .insertInto('repo_stats_snapshots')
      .values({
        repo_id: repoId,
        stars: c.stars,
        forks: c.forks,
        watchers: c.watchers,
        open_issues: c.open_issues,
      })
      .execute();
  }

  /**
   * At most one snapshot per repository per minute, the latest values winning, so a starring spree does not
   * flood the chart.
   */
  static async record(db: SqlExecutor<DB>, repoId: string, c: Counters): Promise<void> {
    const updated = await sql`
      UPDATE repo_stats_snapshots SET stars = ${c.stars}, forks = ${c.forks}, watchers = ${c.watchers}, open_issues = ${c.open_issues}
       WHERE id = (SELECT id FROM repo_stats_snapshots WHERE repo_id = ${repoId}::uuid ORDER BY captured_at DESC LIMIT 1)
         AND captured_at > now() - interval '1 minute'`.execute(db);
    if (!updated.numAffectedRows) await this.insert(db, repoId, c);
  }
}
