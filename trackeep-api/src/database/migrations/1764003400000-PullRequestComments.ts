import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How many comments a pull request received (conversation and review comments; GraphQL's `totalCommentsCount`, a
 * webhook's `comments` + `review_comments`): the review depth of the delivery insights. Null until a source says.
 */
export class PullRequestComments1764003400000 implements MigrationInterface {
  name = 'PullRequestComments1764003400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE pull_requests ADD COLUMN comments_count integer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE pull_requests DROP COLUMN comments_count`);
  }
}
