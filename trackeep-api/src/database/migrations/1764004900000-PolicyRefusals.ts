import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When an organization policy (SSO not authorized, OAuth App restrictions) last refused the user's token for the
 * repository: credentials refused lately are asked last, so a policy costs a refused request per repository now
 * and then, not one per sync.
 */
export class PolicyRefusals1764004900000 implements MigrationInterface {
  name = 'PolicyRefusals1764004900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE repo_access ADD COLUMN policy_refused_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE repo_access DROP COLUMN policy_refused_at`);
  }
}
