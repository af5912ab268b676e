import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GitHub App mode: the App's installations as GitHub last reported them (kept current by webhooks and a
 * scheduled re-read), the repositories each one covers, and each installation's access token, encrypted like
 * user tokens and shared by every replica. Deliveries signed with the App's webhook secret are recorded as such.
 */
export class GithubAppInstallations1764001300000 implements MigrationInterface {
  name = 'GithubAppInstallations1764001300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE github_installations (
        github_host text NOT NULL,
        installation_id bigint NOT NULL,
        app_id bigint NOT NULL,
        account_id bigint NOT NULL,
        account_login text NOT NULL,
        account_type text NOT NULL,
        repository_selection text NOT NULL CHECK (repository_selection IN ('all', 'selected')),
        permissions jsonb NOT NULL DEFAULT '{}',
        events text[] NOT NULL DEFAULT '{}',
        suspended_at timestamptz,
        removed_at timestamptz,
        -- Why GitHub last refused this installation a token (suspended, uninstalled, App credentials), or null.
        access_error text,
        auto_track boolean NOT NULL DEFAULT false,
        rate_limit int,
        rate_remaining int,
        rate_reset_at timestamptz,
        refreshed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (github_host, installation_id)
      )`);
    await q.query(`
      CREATE TABLE github_installation_repos (
        github_host text NOT NULL,
        installation_id bigint NOT NULL,
        repo_github_id bigint NOT NULL,
        full_name text NOT NULL,
        private boolean NOT NULL DEFAULT false,
        added_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (github_host, installation_id, repo_github_id),
        FOREIGN KEY (github_host, installation_id)
          REFERENCES github_installations (github_host, installation_id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX github_installation_repos_repo_idx ON github_installation_repos (github_host, repo_github_id)`,
    );
    // No foreign key: a token may be asked for before the installation list was first read.
    await q.query(`
      CREATE TABLE github_installation_tokens (
        github_host text NOT NULL,
        installation_id bigint NOT NULL,
        -- '<key version>:<iv>:<tag>:<ciphertext>' (TokenCipher), bound to the installation.
        token_enc text NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (github_host, installation_id)
      )`);
    await q.query(`ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_signed_with_check`);
    await q.query(`
      ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_signed_with_check
        CHECK (signed_with IN ('hook', 'hook_previous', 'global', 'global_previous', 'app'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM webhook_deliveries WHERE signed_with = 'app'`);
    await q.query(`ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_signed_with_check`);
    await q.query(`
      ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_signed_with_check
        CHECK (signed_with IN ('hook', 'hook_previous', 'global', 'global_previous'))`);
    await q.query(`DROP TABLE github_installation_tokens`);
    await q.query(`DROP TABLE github_installation_repos`);
    await q.query(`DROP TABLE github_installations`);
  }
}
