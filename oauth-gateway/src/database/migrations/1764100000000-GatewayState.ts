import type { MigrationInterface, QueryRunner } from 'typeorm';

// Everything a replica must share: the sign-ins in flight, the one-time codes and the gateway access tokens.
// Secrets are stored only as SHA-256 hashes; the GitHub token waits in `github_token_sealed` (AES-GCM under a
// key derived from the code, which is not stored) for at most the code's lifetime and is erased on redemption.
export class GatewayState1764100000000 implements MigrationInterface {
  name = 'GatewayState1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE pending_authorizations (
        state_hash            char(64) PRIMARY KEY,
        browser_binding_hash  char(64) NOT NULL,
        client_id             text NOT NULL,
        redirect_uri          text NOT NULL,
        client_state          text NOT NULL,
        code_challenge        text NOT NULL,
        nonce                 text,
        scope                 text NOT NULL,
        github_scope          text NOT NULL,
        created_at            timestamptz NOT NULL DEFAULT now(),
        expires_at            timestamptz NOT NULL,
        consumed_at           timestamptz
      )`);
    await q.query(
      `CREATE INDEX pending_authorizations_expires_at_idx ON pending_authorizations (expires_at)`,
    );

    await q.query(`
      CREATE TABLE authorization_codes (
        code_hash             char(64) PRIMARY KEY,
        client_id             text NOT NULL,
        redirect_uri          text NOT NULL,
        code_challenge        text NOT NULL,
        nonce                 text,
        scope                 text NOT NULL,
        subject               text NOT NULL,
        identity              jsonb NOT NULL,
        github_token_sealed   text,
        auth_time             timestamptz NOT NULL,
        created_at            timestamptz NOT NULL DEFAULT now(),
        expires_at            timestamptz NOT NULL,
        used_at               timestamptz
      )`);
    await q.query(`CREATE INDEX authorization_codes_expires_at_idx ON authorization_codes (expires_at)`);

    await q.query(`
      CREATE TABLE access_tokens (
        token_hash            char(64) PRIMARY KEY,
        client_id             text NOT NULL,
        subject               text NOT NULL,
        identity              jsonb NOT NULL,
        scope                 text NOT NULL,
        code_hash             char(64) NOT NULL,
        created_at            timestamptz NOT NULL DEFAULT now(),
        expires_at            timestamptz NOT NULL,
        revoked_at            timestamptz
      )`);
    await q.query(`CREATE INDEX access_tokens_code_hash_idx ON access_tokens (code_hash)`);
    await q.query(`CREATE INDEX access_tokens_expires_at_idx ON access_tokens (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE access_tokens`);
    await q.query(`DROP TABLE authorization_codes`);
    await q.query(`DROP TABLE pending_authorizations`);
  }
}
