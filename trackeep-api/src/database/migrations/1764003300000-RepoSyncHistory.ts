import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A repository's own history window for its deployments, releases, tags, issues and workflow runs: a first day,
 * or everything; neither means the instance's default (SYNC_HISTORY_DAYS).
 */
export class RepoSyncHistory1764003300000 implements MigrationInterface {
  name = 'RepoSyncHistory1764003300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE repositories ADD COLUMN history_since date`);
    await q.query(`ALTER TABLE repositories ADD COLUMN history_all boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE repositories DROP COLUMN history_all`);
    await q.query(`ALTER TABLE repositories DROP COLUMN history_since`);
  }
}
