import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How delivery insights detect deployments and incidents: a repository's own settings, and an organization's
 * default for its repositories without their own. `settings` holds the contract's InsightsSettings, validated by
 * the API before it is written; updated_by is who last changed them (kept when that account goes).
 */
export class InsightsSettings1764002000000 implements MigrationInterface {
  name = 'InsightsSettings1764002000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE insights_repo_settings (
        repo_id uuid PRIMARY KEY REFERENCES repositories(id) ON DELETE CASCADE,
        settings jsonb NOT NULL,
        updated_by uuid REFERENCES users(id) ON DELETE SET NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE insights_org_settings (
        org_id uuid PRIMARY KEY REFERENCES github_orgs(id) ON DELETE CASCADE,
        settings jsonb NOT NULL,
        updated_by uuid REFERENCES users(id) ON DELETE SET NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE insights_org_settings`);
    await q.query(`DROP TABLE insights_repo_settings`);
  }
}
