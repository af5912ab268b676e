import type { MigrationInterface, QueryRunner } from 'typeorm';

// The PKCE verifier for GitHub, generated per sign-in by passport-oauth2, waits with the pending sign-in so any
// replica can finish it. It is sealed (AES-GCM) under a key derived from the browser's sign-in cookie, which
// the database never holds, so a database reader cannot use it. Rows from before this column have none and
// are refused at the callback (they live at most 10 minutes).
export class PendingPkceVerifier1764100000001 implements MigrationInterface {
  name = 'PendingPkceVerifier1764100000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE pending_authorizations ADD COLUMN pkce_verifier_sealed text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE pending_authorizations DROP COLUMN pkce_verifier_sealed`);
  }
}
