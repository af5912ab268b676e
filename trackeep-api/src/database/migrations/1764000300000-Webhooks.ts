import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook ingestion: the durable inbox of every verified delivery, the hooks Trackeep registered
 * on repositories (with their secrets encrypted), and the outbox for live events too big for a NOTIFY.
 */
export class Webhooks1764000300000 implements MigrationInterface {
  name = 'Webhooks1764000300000';

  async up(q: QueryRunner): Promise<void> {
    // One row per X-GitHub-Delivery, written before we answer 202 and never twice (GitHub's redeliveries
    // reuse the id). repo_id is resolved when processed; the payload stays for replay and audit.
    await q.query(`
      CREATE TABLE webhook_deliveries (
        delivery_id text PRIMARY KEY,
        event text NOT NULL,
        action text,
        repo_github_id bigint,
        repo_full_name text,
        repo_id uuid REFERENCES repositories(id) ON DELETE SET NULL,
        hook_id bigint,
        installation_id bigint,
        signed_with text NOT NULL CHECK (signed_with IN ('hook', 'hook_previous', 'global', 'global_previous')),
        payload jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'processed', 'ignored', 'failed')),
        ignored_reason text,
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        processed_at timestamptz,
        -- How many times the payload was applied: 1 per processing plus 1 per replay, never more.
        applied_count integer NOT NULL DEFAULT 0,
        replays integer NOT NULL DEFAULT 0
      )`);
    // Payloads are written once per delivery on the hot path and rarely read. Measured here, default pglz
    // compression of a 7.7 KB payload cost more database CPU than the rest of the insert together; lz4 (when
    // the server is built with it) is far cheaper, and without it the payload is stored uncompressed (more
    // disk, much less CPU at ingest).
    await q.query(`
      DO $$ BEGIN
        ALTER TABLE webhook_deliveries ALTER COLUMN payload SET COMPRESSION lz4;
      EXCEPTION WHEN OTHERS THEN
        ALTER TABLE webhook_deliveries ALTER COLUMN payload SET STORAGE EXTERNAL;
      END $$`);
    await q.query(
      `CREATE INDEX webhook_deliveries_received_idx ON webhook_deliveries (received_at DESC, delivery_id DESC)`,
    );
    await q.query(
      `CREATE INDEX webhook_deliveries_repo_idx ON webhook_deliveries (repo_id, received_at DESC, delivery_id DESC)`,
    );
    await q.query(
      `CREATE INDEX webhook_deliveries_open_idx ON webhook_deliveries (status, received_at) WHERE status IN ('pending', 'processing', 'failed')`,
    );

    // The hook Trackeep created on a repository (one per repo, shared by every user who tracks it).
    // Secrets: '<key version>:<iv>:<tag>:<ciphertext>' (AES-256-GCM, TOKEN_ENCRYPTION_KEYS); the previous one
    // keeps verifying until previous_secret_until, for rotation without lost deliveries.
    await q.query(`
      CREATE TABLE webhook_registrations (
        repo_id uuid PRIMARY KEY REFERENCES repositories(id) ON DELETE CASCADE,
        hook_id bigint,
        status text NOT NULL CHECK (status IN ('pending', 'active', 'failing', 'not_admin', 'not_registered', 'disabled')),
        secret_enc text,
        previous_secret_enc text,
        previous_secret_until timestamptz,
        registered_by uuid REFERENCES users(id) ON DELETE SET NULL,
        events text[] NOT NULL DEFAULT '{}',
        last_delivery_at timestamptz,
        last_ping_at timestamptz,
        last_error text,
        last_error_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX webhook_registrations_hook_idx ON webhook_registrations (hook_id) WHERE hook_id IS NOT NULL`,
    );

    // Live events larger than a NOTIFY payload travel by id through here; rows live a few minutes.
    await q.query(`
      CREATE TABLE live_event_outbox (
        id bigserial PRIMARY KEY,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['live_event_outbox', 'webhook_registrations', 'webhook_deliveries']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
