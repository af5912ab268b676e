import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The heads a branch had before a rewrite, waiting for the sync's check of the commits the branch lost, move from
 * the branch's commit cursor (`state.rewritten`) to the branch itself: the webhook and the sync both note them,
 * and the sync's cursor writes no longer have to keep what a webhook noted meanwhile.
 */
export class ReplacedHeads1764005000000 implements MigrationInterface {
  name = 'ReplacedHeads1764005000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE branches ADD COLUMN replaced_heads text[] NOT NULL DEFAULT '{}'`);
    // Heads noted before the upgrade are still checked after it.
    await q.query(`
      UPDATE branches b
         SET replaced_heads = ARRAY(SELECT jsonb_array_elements_text(c.state -> 'rewritten'))
        FROM sync_cursors c
       WHERE c.repo_id = b.repo_id AND c.stream = 'commits:' || b.name
         AND jsonb_typeof(c.state -> 'rewritten') = 'array'`);
    await q.query(`UPDATE sync_cursors SET state = state - 'rewritten' WHERE state ? 'rewritten'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE sync_cursors c
         SET state = c.state || jsonb_build_object('rewritten', to_jsonb(b.replaced_heads))
        FROM branches b
       WHERE c.repo_id = b.repo_id AND c.stream = 'commits:' || b.name AND cardinality(b.replaced_heads) > 0`);
    await q.query(`ALTER TABLE branches DROP COLUMN replaced_heads`);
  }
}
