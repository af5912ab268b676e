import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The pull request that closed an issue (GitHub's closing reference), when one did. */
export class IssueClosedBy1764003200000 implements MigrationInterface {
  name = 'IssueClosedBy1764003200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE issues ADD COLUMN closed_by_pull integer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE issues DROP COLUMN closed_by_pull`);
  }
}
