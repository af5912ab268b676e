import { prepared, type SqlExecutor } from '@trackeep/server-core';
import { sql } from 'kysely';
import type { DB } from '../../database/db.types';
import { pgJson } from '../../common/pg-text.util';
import { repeatsLatestBranchEvent } from '../activity-dedupe';
import type { ActivityWrite } from './github-data.types';
import { chunks } from './recordset.util';

const MAX_TITLE = 500;

/**
 * The timeline (activity_events). An entry is written once: every source keys the same happening by the same
 * dedupe key, and a branch created or deleted is not repeated (see activity-dedupe).
 */
export class ActivityRepository {
  /** Inserts the entries not recorded yet; returns the ids of the new ones, in the order given. */
  static async insert(db: SqlExecutor<DB>, repoId: string, rows: ActivityWrite[]): Promise<string[]> {
    const ids: string[] = [];
    for (const batch of chunks(rows)) {
      const entries = batch.map((r) => ({ ...r, title: r.title.slice(0, MAX_TITLE) }));
      const { rows: inserted } = await prepared(sql<{ id: string }>`
        INSERT INTO activity_events (repo_id, type, actor, title, url, occurred_at, data, dedupe_key)
        SELECT r.id, x.type, x.actor, x.title, x.url, x.occurred_at, x.data, x.dedupe_key
          FROM (SELECT ${repoId}::uuid AS id) r,
               jsonb_to_recordset(${pgJson(entries)}::jsonb)
               AS x(type text, actor text, title text, url text, occurred_at timestamptz, data jsonb, dedupe_key text)
         WHERE NOT ${sql.raw(repeatsLatestBranchEvent('r.id', 'x.type', "x.data->>'ref'"))}
        ON CONFLICT (repo_id, dedupe_key) DO NOTHING
        RETURNING id::text`).execute(db);
      ids.push(...inserted.map((r) => r.id));
    }
    return ids;
  }
}
