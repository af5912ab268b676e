import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The last budget GitHub reported per GitHub App installation and resource (core, graphql), shared by every
 * replica as github_rate_limits is for users: repositories an installation covers sync with its budget.
 * It replaces the installation's REST-only columns, which only the repository listing wrote.
 */
export class InstallationRateLimits1764004400000 implements MigrationInterface {
  name = 'InstallationRateLimits1764004400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE github_installation_rate_limits (
        github_host text NOT NULL,
        installation_id bigint NOT NULL,
        resource text NOT NULL,
        "limit" integer NOT NULL,
        remaining integer NOT NULL,
        reset_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (github_host, installation_id, resource),
        FOREIGN KEY (github_host, installation_id)
          REFERENCES github_installations (github_host, installation_id) ON DELETE CASCADE
      )`);
    await q.query(
      `ALTER TABLE github_installations DROP COLUMN rate_limit, DROP COLUMN rate_remaining, DROP COLUMN rate_reset_at`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE github_installations ADD COLUMN rate_limit int, ADD COLUMN rate_remaining int,
         ADD COLUMN rate_reset_at timestamptz`,
    );
    await q.query(`DROP TABLE github_installation_rate_limits`);
  }
}
