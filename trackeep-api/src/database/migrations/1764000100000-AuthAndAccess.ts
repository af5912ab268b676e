import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who signed in (users, keyed by GitHub host + numeric id, never by login or email), their sessions (so
 * logout and revocation take effect at once), which repositories each user tracks, and what GitHub last said
 * about each user's access to them. The GitHub token is stored only as AES-256-GCM ciphertext.
 */
export class AuthAndAccess1764000100000 implements MigrationInterface {
  name = 'AuthAndAccess1764000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        github_host text NOT NULL,
        github_id bigint NOT NULL,
        login text NOT NULL,
        name text,
        email text,
        avatar_url text,
        scopes text[] NOT NULL DEFAULT '{}',
        -- '<key version>:<base64 iv>:<base64 tag>:<base64 ciphertext>', user id bound as associated data.
        github_token_enc text,
        token_updated_at timestamptz,
        reauth_required boolean NOT NULL DEFAULT false,
        last_login_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_github_key UNIQUE (github_host, github_id)
      )`);

    await q.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        user_agent text
      )`);
    await q.query(`CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL`);

    await q.query(`
      CREATE TABLE tracked_repos (
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        repo_id uuid NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        tracked_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, repo_id)
      )`);
    await q.query(`CREATE INDEX tracked_repos_repo_idx ON tracked_repos (repo_id)`);

    // A row means GitHub granted this user `permission` on the repo when last checked; no row, no access.
    await q.query(`
      CREATE TABLE repo_access (
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        repo_id uuid NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        permission text NOT NULL CHECK (permission IN ('admin', 'maintain', 'push', 'triage', 'pull')),
        checked_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, repo_id)
      )`);
    await q.query(`CREATE INDEX repo_access_repo_idx ON repo_access (repo_id)`);

    // Conditional-request cache for GitHub REST lists, per user. Cleared when the user's token changes,
    // because GitHub's ETags are only valid under the credential that fetched them.
    await q.query(`
      CREATE TABLE github_etags (
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        url text NOT NULL,
        etag text NOT NULL,
        body jsonb NOT NULL,
        link text,
        fetched_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, url)
      )`);

    // Latest x-ratelimit-* values GitHub reported for each user's token, per resource (core, graphql, ...).
    await q.query(`
      CREATE TABLE github_rate_limits (
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        resource text NOT NULL,
        "limit" integer NOT NULL,
        remaining integer NOT NULL,
        reset_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, resource)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'github_rate_limits',
      'github_etags',
      'repo_access',
      'tracked_repos',
      'sessions',
      'users',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
