import { prepared, type SqlExecutor } from '@trackeep/server-core';
import { sql } from 'kysely';
import { pgJson } from '../../common/pg-text.util';
import type { DB } from '../../database/db.types';
import { chunks } from './recordset.util';

/** GitHub's GraphQL states of a submitted review; the webhook's lowercase ones are mapped onto them. */
export const REVIEW_STATES = ['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

/** One submitted review, as every source writes it. */
export interface ReviewWrite {
  review_id: number;
  pull_number: number;
  reviewer_login: string | null;
  reviewer_is_bot: boolean;
  state: ReviewState;
  submitted_at: Date | string;
}

/** The review state GitHub reports in either shape (`approved` by webhook, `APPROVED` by GraphQL), or null. */
export function reviewState(value: unknown): ReviewState | null {
  const upper = typeof value === 'string' ? value.toUpperCase() : '';
  return (REVIEW_STATES as readonly string[]).includes(upper) ? (upper as ReviewState) : null;
}

/**
 * pull_request_reviews: who reviewed which pull request, how, and when, whatever the source (the sync's
 * pull request pages, the `pull_request_review` webhook). A row is one review by GitHub's id; a later copy
 * updates its state (an approval dismissed) and nothing is counted twice.
 */
export class PullRequestReviewsRepository {
  static async upsert(db: SqlExecutor<DB>, repoId: string, rows: ReviewWrite[]): Promise<void> {
    const unique = [...new Map(rows.map((r) => [r.review_id, r])).values()];
    for (const batch of chunks(unique)) {
      await prepared(sql`
        INSERT INTO pull_request_reviews AS t
               (repo_id, review_id, pull_number, reviewer_login, reviewer_is_bot, state, submitted_at)
        SELECT ${repoId}::uuid, x.review_id, x.pull_number, x.reviewer_login, x.reviewer_is_bot, x.state,
               x.submitted_at
          FROM jsonb_to_recordset(${pgJson(batch)}::jsonb)
               AS x(review_id bigint, pull_number int, reviewer_login text, reviewer_is_bot boolean, state text,
                    submitted_at timestamptz)
        ON CONFLICT (repo_id, review_id) DO UPDATE
          SET state = EXCLUDED.state,
              reviewer_login = coalesce(EXCLUDED.reviewer_login, t.reviewer_login),
              reviewer_is_bot = EXCLUDED.reviewer_is_bot,
              submitted_at = EXCLUDED.submitted_at`).execute(db);
    }
  }
}
