import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The latest branch event per (repository, branch), read before sync or a webhook adds another (see activity-dedupe.ts). */
export class BranchActivityIndex1764000400000 implements MigrationInterface {
  name = 'BranchActivityIndex1764000400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX activity_events_branch_ref_idx ON activity_events (repo_id, (data->>'ref'), id DESC)
       WHERE type IN ('branch_created', 'branch_deleted')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS activity_events_branch_ref_idx`);
  }
}
