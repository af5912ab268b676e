import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Expiring GitHub user tokens (GitHub Apps, OAuth Apps with expiration on): when the access token expires,
 * and its single-use refresh token, encrypted like the access token, with its own expiry. All NULL for a
 * token that never expires.
 */
export class ExpiringGithubTokens1764001100000 implements MigrationInterface {
  name = 'ExpiringGithubTokens1764001100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN github_token_expires_at timestamptz`);
    await q.query(`ALTER TABLE users ADD COLUMN github_refresh_token_enc text`);
    await q.query(`ALTER TABLE users ADD COLUMN github_refresh_expires_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP COLUMN github_refresh_expires_at`);
    await q.query(`ALTER TABLE users DROP COLUMN github_refresh_token_enc`);
    await q.query(`ALTER TABLE users DROP COLUMN github_token_expires_at`);
  }
}
