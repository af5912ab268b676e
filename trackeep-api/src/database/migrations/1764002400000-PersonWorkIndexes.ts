import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A person's work across every repository they appear in (the person page, and a team's figures, which count
 * its members' work): found by login, newest first, without reading every repository's commits. GitHub logins
 * are case-insensitive, so the key is lower(login).
 */
export class PersonWorkIndexes1764002400000 implements MigrationInterface {
  name = 'PersonWorkIndexes1764002400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX commits_author_lower_idx ON commits (lower(author_login), committed_at DESC)`,
    );
    await q.query(
      `CREATE INDEX pull_requests_author_lower_idx ON pull_requests (lower(author_login), created_at DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX pull_requests_author_lower_idx`);
    await q.query(`DROP INDEX commits_author_lower_idx`);
  }
}
