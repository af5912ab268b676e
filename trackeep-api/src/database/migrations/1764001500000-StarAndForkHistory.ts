import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every stargazer and fork of a repository with GitHub's time for it (starredAt, the fork's createdAt), so the
 * stars and forks chart covers the repository's whole life, and an unstar removes exactly its row. Keyed by
 * GitHub's ids (the user's, the fork repository's), which survive renames. confirmed_at is when a source last
 * saw the row: a full re-read removes the rows it did not see again.
 */
export class StarAndForkHistory1764001500000 implements MigrationInterface {
  name = 'StarAndForkHistory1764001500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE repo_stargazers (
        repo_id uuid NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        user_github_id bigint NOT NULL,
        login text NOT NULL,
        starred_at timestamptz NOT NULL,
        confirmed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (repo_id, user_github_id)
      )`);
    await q.query(`CREATE INDEX repo_stargazers_repo_time ON repo_stargazers (repo_id, starred_at)`);
    await q.query(`
      CREATE TABLE repo_forks (
        repo_id uuid NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        fork_github_id bigint NOT NULL,
        full_name text NOT NULL,
        created_at timestamptz NOT NULL,
        confirmed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (repo_id, fork_github_id)
      )`);
    await q.query(`CREATE INDEX repo_forks_repo_time ON repo_forks (repo_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE repo_forks`);
    await q.query(`DROP TABLE repo_stargazers`);
  }
}
