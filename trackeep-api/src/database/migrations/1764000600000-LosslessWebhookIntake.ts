import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lossless webhook intake and shared rate limits: each delivery keeps the exact bytes GitHub signed (`body`)
 * and the signature header, so a replay can be verified again; `payload` (jsonb) is no longer written, because
 * valid JSON that jsonb refuses (a lone surrogate, `\u0000`, very deep nesting) must still be stored. Deliveries
 * the processor cannot apply are `parked` with the reason. Rate-limit counters live in one table so every
 * replica counts the same hits.
 */
export class LosslessWebhookIntake1764000600000 implements MigrationInterface {
  name = 'LosslessWebhookIntake1764000600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE webhook_deliveries ADD COLUMN body bytea, ADD COLUMN signature text, ALTER COLUMN payload DROP NOT NULL`,
    );
    // Same trade-off as the payload column had: lz4 when the server has it, else uncompressed (cheap at ingest).
    await q.query(`
      DO $$ BEGIN
        ALTER TABLE webhook_deliveries ALTER COLUMN body SET COMPRESSION lz4;
      EXCEPTION WHEN OTHERS THEN
        ALTER TABLE webhook_deliveries ALTER COLUMN body SET STORAGE EXTERNAL;
      END $$`);
    await q.query(`ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_status_check`);
    await q.query(`
      ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status_check
        CHECK (status IN ('pending', 'processing', 'processed', 'ignored', 'failed', 'parked'))`);
    await q.query(`DROP INDEX webhook_deliveries_open_idx`);
    await q.query(
      `CREATE INDEX webhook_deliveries_open_idx ON webhook_deliveries (status, received_at) WHERE status IN ('pending', 'processing', 'failed', 'parked')`,
    );

    // Fixed-window counters with a block (sign-in throttling, bad webhook signatures). Unlogged: a crash may
    // forget a minute of counts, which is cheaper than WAL for every hit.
    await q.query(`
      CREATE UNLOGGED TABLE rate_limit_counters (
        key text PRIMARY KEY,
        hits integer NOT NULL,
        window_ends_at timestamptz NOT NULL,
        blocked_until timestamptz
      )`);
    await q.query(`CREATE INDEX rate_limit_counters_expiry_idx ON rate_limit_counters (window_ends_at)`);
  }

  // Reverting needs every row to have its jsonb payload again: rows stored with only their raw body must be
  // deleted (or converted) first, or the last statement fails.
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS rate_limit_counters`);
    await q.query(`DROP INDEX webhook_deliveries_open_idx`);
    await q.query(
      `CREATE INDEX webhook_deliveries_open_idx ON webhook_deliveries (status, received_at) WHERE status IN ('pending', 'processing', 'failed')`,
    );
    await q.query(`ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_status_check`);
    await q.query(`
      ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status_check
        CHECK (status IN ('pending', 'processing', 'processed', 'ignored', 'failed')) NOT VALID`);
    await q.query(`ALTER TABLE webhook_deliveries DROP COLUMN body, DROP COLUMN signature`);
    await q.query(`ALTER TABLE webhook_deliveries ALTER COLUMN payload SET NOT NULL`);
  }
}
