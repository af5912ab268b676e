import type { MigrationInterface, QueryRunner } from 'typeorm';

// The GitHub refresh tokens the gateway handed to instances, as SHA-256 hashes only (the tokens themselves
// stay with the instances). A row binds its token to the client it was issued to and records its single use,
// so a second use or a use by another client is refused without asking GitHub. All tokens descended from one
// sign-in share a family_id, so a detected reuse can revoke the whole chain.
export class GithubRefreshTokens1764100000100 implements MigrationInterface {
  name = 'GithubRefreshTokens1764100000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE github_refresh_tokens (
        token_hash   char(64) PRIMARY KEY,
        family_id    uuid NOT NULL,
        client_id    text NOT NULL,
        subject      text NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        expires_at   timestamptz NOT NULL,
        used_at      timestamptz,
        revoked_at   timestamptz
      )`);
    await q.query(`CREATE INDEX github_refresh_tokens_family_id_idx ON github_refresh_tokens (family_id)`);
    await q.query(`CREATE INDEX github_refresh_tokens_expires_at_idx ON github_refresh_tokens (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE github_refresh_tokens`);
  }
}
