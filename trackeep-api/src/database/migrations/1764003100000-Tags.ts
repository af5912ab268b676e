import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Git tags (keyed by name): the tagged commit, the tagger's date for an annotated tag, and the tagged commit's
 * date. Written by the sync (the repository's tag refs) and by `push` and `delete` webhooks for `refs/tags/*`;
 * a deleted tag stays as a tombstone until a later push recreates it. The insights count tags matching a pattern
 * as deployments when a repository's rule says so.
 */
export class Tags1764003100000 implements MigrationInterface {
  name = 'Tags1764003100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tags (
        repo_id uuid NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        name text NOT NULL,
        sha text NOT NULL,
        tagged_at timestamptz,
        commit_at timestamptz,
        seen_at timestamptz NOT NULL,
        deleted_at timestamptz,
        PRIMARY KEY (repo_id, name)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE tags`);
  }
}
