import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Missed deliveries of the GitHub App's webhook are recovered too: its delivery log (`GET /app/hook/deliveries`)
 * has a cursor of its own per App, and a redelivery asked of GitHub belongs either to a repository hook or to the
 * App (`app_id`, with no repository or hook).
 */
export class AppHookRedelivery1764003700000 implements MigrationInterface {
  name = 'AppHookRedelivery1764003700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_app_redelivery_cursors (
        app_id bigint PRIMARY KEY,
        last_delivery_id bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`ALTER TABLE webhook_redeliveries ALTER COLUMN repo_id DROP NOT NULL`);
    await q.query(`ALTER TABLE webhook_redeliveries ALTER COLUMN hook_id DROP NOT NULL`);
    await q.query(`ALTER TABLE webhook_redeliveries ADD COLUMN app_id bigint`);
    await q.query(`
      ALTER TABLE webhook_redeliveries ADD CONSTRAINT webhook_redeliveries_one_hook
        CHECK ((app_id IS NULL AND repo_id IS NOT NULL AND hook_id IS NOT NULL)
            OR (app_id IS NOT NULL AND repo_id IS NULL AND hook_id IS NULL))`);
    await q.query(`CREATE INDEX webhook_redeliveries_app_due ON webhook_redeliveries (app_id) WHERE due`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM webhook_redeliveries WHERE app_id IS NOT NULL`);
    await q.query(`DROP INDEX webhook_redeliveries_app_due`);
    await q.query(`ALTER TABLE webhook_redeliveries DROP CONSTRAINT webhook_redeliveries_one_hook`);
    await q.query(`ALTER TABLE webhook_redeliveries DROP COLUMN app_id`);
    await q.query(`ALTER TABLE webhook_redeliveries ALTER COLUMN hook_id SET NOT NULL`);
    await q.query(`ALTER TABLE webhook_redeliveries ALTER COLUMN repo_id SET NOT NULL`);
    await q.query(`DROP TABLE webhook_app_redelivery_cursors`);
  }
}
