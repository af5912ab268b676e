import { prepared, type SqlExecutor } from '@trackeep/server-core';
import { sql } from 'kysely';
import { pgJson } from '../../common/pg-text.util';
import type { DB } from '../../database/db.types';
import { chunks } from './recordset.util';

/** One issue, as every source writes it (states and reasons lowercase, as REST and webhooks send them). */
export interface IssueWrite {
  number: number;
  issue_id: number | null;
  node_id: string | null;
  title: string;
  state: 'open' | 'closed';
  state_reason: string | null;
  author_login: string | null;
  labels: string[];
  assignees: string[];
  html_url: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  closed_at: Date | string | null;
  /** The pull request that closed it; null when the source does not say (a webhook never does). */
  closed_by_pull: number | null;
}

/**
 * issues, whatever the source (the sync's issue pages, the `issues` webhook). One row per number; a copy replaces
 * the stored one unless GitHub's `updated_at` says it is older, so deliveries and pages may come in any order.
 */
export class IssuesRepository {
  static async upsert(db: SqlExecutor<DB>, repoId: string, rows: IssueWrite[]): Promise<void> {
    const unique = [...new Map(rows.map((r) => [r.number, r])).values()];
    for (const batch of chunks(unique)) {
      await prepared(sql`
        INSERT INTO issues AS t
               (repo_id, number, issue_id, node_id, title, state, state_reason, author_login, labels, assignees,
                html_url, created_at, updated_at, closed_at, closed_by_pull)
        SELECT ${repoId}::uuid, x.number, x.issue_id, x.node_id, x.title, x.state, x.state_reason, x.author_login,
               x.labels, x.assignees, x.html_url, x.created_at, x.updated_at, x.closed_at, x.closed_by_pull
          FROM jsonb_to_recordset(${pgJson(batch)}::jsonb)
               AS x(number int, issue_id bigint, node_id text, title text, state text, state_reason text,
                    author_login text, labels text[], assignees text[], html_url text, created_at timestamptz,
                    updated_at timestamptz, closed_at timestamptz, closed_by_pull int)
        ON CONFLICT (repo_id, number) DO UPDATE
          SET issue_id = coalesce(EXCLUDED.issue_id, t.issue_id),
              node_id = coalesce(EXCLUDED.node_id, t.node_id),
              title = EXCLUDED.title,
              state = EXCLUDED.state,
              state_reason = EXCLUDED.state_reason,
              author_login = coalesce(EXCLUDED.author_login, t.author_login),
              labels = EXCLUDED.labels,
              assignees = EXCLUDED.assignees,
              html_url = coalesce(EXCLUDED.html_url, t.html_url),
              updated_at = EXCLUDED.updated_at,
              closed_at = EXCLUDED.closed_at,
              -- A reopened issue was not closed by anything; a source that does not know keeps what is stored.
              closed_by_pull = CASE WHEN EXCLUDED.state = 'open' THEN NULL
                                    ELSE coalesce(EXCLUDED.closed_by_pull, t.closed_by_pull) END
          WHERE EXCLUDED.updated_at >= t.updated_at`).execute(db);
    }
  }

  /**
   * A merged pull request closed these issues (its closing keywords). The issue's own copies keep it, and a
   * reopening clears it.
   */
  static async setClosedBy(
    db: SqlExecutor<DB>,
    repoId: string,
    numbers: number[],
    pull: number,
  ): Promise<void> {
    if (!numbers.length) return;
    await db
      .updateTable('issues')
      .set({ closed_by_pull: pull })
      .where('repo_id', '=', repoId)
      .where('number', 'in', numbers)
      .execute();
  }

  /** Deleted on GitHub or transferred away: kept as a tombstone so no late copy of it comes back. */
  static async markGone(db: SqlExecutor<DB>, repoId: string, row: IssueWrite, at: Date): Promise<void> {
    await IssuesRepository.upsert(db, repoId, [row]);
    await db
      .updateTable('issues')
      .set({ deleted_at: at })
      .where('repo_id', '=', repoId)
      .where('number', '=', row.number)
      .where('deleted_at', 'is', null)
      .execute();
  }
}
