import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Recovering deliveries GitHub failed to make (it never retries): per hook, the newest delivery of GitHub's
 * delivery log already read (so old pages are not read again), and per delivery GUID what Trackeep asked GitHub
 * to redeliver (so no run or replica asks twice, and a redelivery that failed too is asked again a bounded
 * number of times).
 */
export class WebhookRedelivery1764001200000 implements MigrationInterface {
  name = 'WebhookRedelivery1764001200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_redelivery_cursors (
        repo_id uuid PRIMARY KEY REFERENCES repositories(id) ON DELETE CASCADE,
        hook_id bigint NOT NULL,
        last_delivery_id bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE webhook_redeliveries (
        guid text PRIMARY KEY,
        repo_id uuid NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        hook_id bigint NOT NULL,
        github_delivery_id bigint NOT NULL,
        event text NOT NULL,
        action text,
        delivered_at timestamptz NOT NULL,
        due boolean NOT NULL DEFAULT true,
        requests int NOT NULL DEFAULT 0,
        requested_at timestamptz,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX webhook_redeliveries_due ON webhook_redeliveries (repo_id, hook_id) WHERE due`,
    );
    await q.query(
      `CREATE INDEX webhook_redeliveries_requested ON webhook_redeliveries (repo_id, requested_at) WHERE requested_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_redeliveries`);
    await q.query(`DROP TABLE webhook_redelivery_cursors`);
  }
}
