import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GitHub issues (pull requests are not issues here): state and its reason, labels, assignees, author, times.
 * Written by the sync (issues updated since the last read) and by the `issues` webhook; the insights take the
 * ones labelled as incidents. A deleted or transferred issue stays as a tombstone (`deleted_at`), so a late copy of
 * an earlier delivery cannot bring it back.
 */
export class Issues1764002900000 implements MigrationInterface {
  name = 'Issues1764002900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE issues (
        repo_id uuid NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        number integer NOT NULL,
        issue_id bigint,
        node_id text,
        title text NOT NULL,
        state text NOT NULL,
        state_reason text,
        author_login text,
        labels text[] NOT NULL DEFAULT '{}',
        assignees text[] NOT NULL DEFAULT '{}',
        html_url text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        closed_at timestamptz,
        deleted_at timestamptz,
        PRIMARY KEY (repo_id, number)
      )`);
    await q.query(`CREATE INDEX issues_repo_created_idx ON issues (repo_id, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE issues`);
  }
}
