import type { MigrationInterface, QueryRunner } from 'typeorm';

const REGISTRATION_STATUSES = `'pending', 'active', 'failing', 'not_admin', 'not_registered', 'disabled'`;

/**
 * What GitHub's failure shapes leave behind: an organization policy (SSO, OAuth App restrictions) blocking a
 * repository or its hook management, 404s counted before access is revoked, and commit or pull request
 * figures GitHub refused in a partial answer (fetched again, then given up on).
 */
export class GithubFailureShapes1764001000000 implements MigrationInterface {
  name = 'GithubFailureShapes1764001000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE repositories ADD COLUMN github_block jsonb`);
    await q.query(`ALTER TABLE repo_access ADD COLUMN not_found_strikes smallint NOT NULL DEFAULT 0`);
    for (const table of ['commits', 'pull_requests']) {
      await q.query(
        `ALTER TABLE ${table} ADD COLUMN figures_status text CHECK (figures_status IN ('pending', 'unavailable'))`,
      );
      await q.query(`ALTER TABLE ${table} ADD COLUMN figures_refusals smallint NOT NULL DEFAULT 0`);
      await q.query(
        `CREATE INDEX ${table}_figures_pending_idx ON ${table} (repo_id) WHERE figures_status = 'pending'`,
      );
    }
    await q.query(`ALTER TABLE webhook_registrations ADD COLUMN block jsonb`);
    await q.query(`ALTER TABLE webhook_registrations DROP CONSTRAINT webhook_registrations_status_check`);
    await q.query(
      `ALTER TABLE webhook_registrations ADD CONSTRAINT webhook_registrations_status_check
       CHECK (status IN (${REGISTRATION_STATUSES}, 'needs_sso', 'oauth_app_blocked'))`,
    );
  }

  // Rows already in a new state keep it (NOT VALID): a migration changes structure, never data.
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_registrations DROP CONSTRAINT webhook_registrations_status_check`);
    await q.query(
      `ALTER TABLE webhook_registrations ADD CONSTRAINT webhook_registrations_status_check CHECK (status IN (${REGISTRATION_STATUSES})) NOT VALID`,
    );
    await q.query(`ALTER TABLE webhook_registrations DROP COLUMN block`);
    for (const table of ['commits', 'pull_requests']) {
      await q.query(`DROP INDEX IF EXISTS ${table}_figures_pending_idx`);
      await q.query(`ALTER TABLE ${table} DROP COLUMN figures_refusals`);
      await q.query(`ALTER TABLE ${table} DROP COLUMN figures_status`);
    }
    await q.query(`ALTER TABLE repo_access DROP COLUMN not_found_strikes`);
    await q.query(`ALTER TABLE repositories DROP COLUMN github_block`);
  }
}
