import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When the redelivery job last finished a run (one row): a replica that starts after no run for longer than the
 * schedule's interval (every replica was down) runs it at once instead of waiting for the schedule.
 */
export class RedeliveryRuns1764003800000 implements MigrationInterface {
  name = 'RedeliveryRuns1764003800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_redelivery_runs (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        finished_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_redelivery_runs`);
  }
}
