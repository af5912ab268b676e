import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Where a sync run's GraphQL points went, per stream (commits, pulls, refs, ...), split by GitHub's own cost rule. */
export class SyncPointsBreakdown1764000200100 implements MigrationInterface {
  name = 'SyncPointsBreakdown1764000200100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sync_runs ADD COLUMN points_by_stream jsonb NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sync_runs DROP COLUMN IF EXISTS points_by_stream`);
  }
}
