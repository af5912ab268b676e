import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which two heads a branch's ahead/behind counts were computed for: the branch's own and the default branch's.
 * The counts are shown only while both are still the current heads, so a push seen later never shows old counts.
 */
export class BranchComparison1764004600000 implements MigrationInterface {
  name = 'BranchComparison1764004600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE branches ADD COLUMN compared_sha text, ADD COLUMN compared_to_sha text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE branches DROP COLUMN compared_sha, DROP COLUMN compared_to_sha`);
  }
}
