import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When the first commit of a pull request was written, as GitHub lists its commits (oldest first): the start of
 * its coding time and lead time when it was squash- or rebase-merged, which leaves no merge commit to read it from.
 */
export class PullRequestFirstCommit1764004300000 implements MigrationInterface {
  name = 'PullRequestFirstCommit1764004300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE pull_requests ADD COLUMN first_commit_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE pull_requests DROP COLUMN first_commit_at`);
  }
}
