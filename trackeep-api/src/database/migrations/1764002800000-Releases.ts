import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GitHub releases (keyed by GitHub's id): tag, the tagged commit when known (GraphQL names it; a webhook only names
 * the target branch or commit-ish), draft and pre-release flags, publication. A deleted release stays as a
 * tombstone so a late copy of an earlier delivery cannot bring it back. Written by the `release` webhook (and the
 * sync); the insights count published releases as deployments when a repository's rule says so.
 */
export class Releases1764002800000 implements MigrationInterface {
  name = 'Releases1764002800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE releases (
        repo_id uuid NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        release_id bigint NOT NULL,
        node_id text,
        tag_name text NOT NULL,
        name text,
        target_commitish text,
        sha text,
        draft boolean NOT NULL DEFAULT false,
        prerelease boolean NOT NULL DEFAULT false,
        author_login text,
        html_url text,
        created_at timestamptz NOT NULL,
        published_at timestamptz,
        updated_at timestamptz,
        deleted_at timestamptz,
        PRIMARY KEY (repo_id, release_id)
      )`);
    await q.query(`CREATE INDEX releases_repo_published_idx ON releases (repo_id, published_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE releases`);
  }
}
