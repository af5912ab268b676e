import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook bodies stored compressed by the API (`body_encoding = 'brotli'`): a third to a tenth of the bytes,
 * rows kept inline, far less WAL. Rows stored before keep `identity`. PostgreSQL no longer compresses the column,
 * since what arrives is compressed already.
 */
export class CompressedWebhookBodies1764004800000 implements MigrationInterface {
  name = 'CompressedWebhookBodies1764004800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_deliveries ADD COLUMN body_encoding text NOT NULL DEFAULT 'identity'`);
    // NOT VALID: the rows already there all have the default; checking them would hold intake's lock for a scan.
    await q.query(`
      ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_body_encoding_check
        CHECK (body_encoding IN ('identity', 'brotli')) NOT VALID`);
    await q.query(`ALTER TABLE webhook_deliveries ALTER COLUMN body SET STORAGE EXTERNAL`);
  }

  // Reverting would leave compressed bodies that the older code reads as JSON: it refuses while there are any
  // (delete them first).
  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM webhook_deliveries WHERE body_encoding <> 'identity') THEN
          RAISE EXCEPTION 'webhook_deliveries holds compressed bodies; delete them before reverting';
        END IF;
      END $$`);
    await q.query(`ALTER TABLE webhook_deliveries DROP COLUMN body_encoding`);
    await q.query(`
      DO $$ BEGIN
        ALTER TABLE webhook_deliveries ALTER COLUMN body SET STORAGE EXTENDED;
        ALTER TABLE webhook_deliveries ALTER COLUMN body SET COMPRESSION lz4;
      EXCEPTION WHEN OTHERS THEN
        ALTER TABLE webhook_deliveries ALTER COLUMN body SET STORAGE EXTERNAL;
      END $$`);
  }
}
