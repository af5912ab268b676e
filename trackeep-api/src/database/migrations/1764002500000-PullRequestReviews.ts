import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every submitted review of a pull request (keyed by GitHub's review id): who reviewed, whether a bot, the
 * state (GitHub's GraphQL enum: APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED) and when. Written by the
 * sync (a pull request's first reviews, in the same query) and by the `pull_request_review` webhook. A person's
 * reviews are found by login.
 */
export class PullRequestReviews1764002500000 implements MigrationInterface {
  name = 'PullRequestReviews1764002500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE pull_request_reviews (
        repo_id uuid NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        review_id bigint NOT NULL,
        pull_number integer NOT NULL,
        reviewer_login text,
        reviewer_is_bot boolean NOT NULL DEFAULT false,
        state text NOT NULL,
        submitted_at timestamptz NOT NULL,
        PRIMARY KEY (repo_id, review_id)
      )`);
    await q.query(
      `CREATE INDEX pull_request_reviews_reviewer_idx ON pull_request_reviews (lower(reviewer_login), submitted_at DESC)`,
    );
    await q.query(
      `CREATE INDEX pull_request_reviews_pull_idx ON pull_request_reviews (repo_id, pull_number, submitted_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE pull_request_reviews`);
  }
}
