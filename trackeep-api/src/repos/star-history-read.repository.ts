import { Injectable } from '@nestjs/common';
import { Kysely, sql } from 'kysely';
import type { DB } from '../database/db.types';

/** New stars and forks of one UTC day (bigint counts as text). */
export interface HistoryDayRow {
  day: string;
  stars: string;
  forks: string;
}

/** Reads the stars and forks history (repo_stargazers, repo_forks) for the stats chart. */
@Injectable()
export class StarHistoryReadRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** New stars and forks per UTC day, oldest first (days with neither are left out). */
  async perDay(repoId: string): Promise<HistoryDayRow[]> {
    const { rows } = await sql<HistoryDayRow>`
      SELECT to_char(day, 'YYYY-MM-DD') AS day, sum(stars)::text AS stars, sum(forks)::text AS forks
        FROM (
          SELECT date_trunc('day', starred_at AT TIME ZONE 'UTC') AS day, count(*) AS stars, 0::bigint AS forks
            FROM repo_stargazers WHERE repo_id = ${repoId}::uuid GROUP BY 1
          UNION ALL
          SELECT date_trunc('day', created_at AT TIME ZONE 'UTC'), 0::bigint, count(*)
            FROM repo_forks WHERE repo_id = ${repoId}::uuid GROUP BY 1
        ) d
       GROUP BY day ORDER BY day`.execute(this.db);
    return rows;
  }

  /** When the repository's first stats snapshot was taken (tracking began), or null. */
  async firstSnapshotAt(repoId: string): Promise<Date | null> {
    const row = await this.db
      .selectFrom('repo_stats_snapshots')
      .select((eb) => eb.fn.min('captured_at').as('first'))
      .where('repo_id', '=', repoId)
      .executeTakeFirst();
    return row?.first ? new Date(row.first) : null;
  }
}
