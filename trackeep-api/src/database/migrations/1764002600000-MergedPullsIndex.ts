import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pull requests merged in a period, per repository: the delivery insights and the organization and team pages
 * read them by merge time, which no index served (only state and update time did).
 */
export class MergedPullsIndex1764002600000 implements MigrationInterface {
  name = 'MergedPullsIndex1764002600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX pull_requests_repo_merged_idx ON pull_requests (repo_id, merged_at) WHERE merged_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX pull_requests_repo_merged_idx`);
  }
}
