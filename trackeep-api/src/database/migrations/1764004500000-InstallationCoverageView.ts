import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The one definition of "an active GitHub App installation covers this repository": the installation is neither
 * removed nor suspended. Sync, webhook processing and the rate-limit pages read coverage through it; `auto_track`
 * and `access_error` come along for those that also need the installation to track, or to be usable for tokens.
 */
export class InstallationCoverageView1764004500000 implements MigrationInterface {
  name = 'InstallationCoverageView1764004500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE VIEW active_installation_repos AS
      SELECT ir.github_host, ir.installation_id, ir.repo_github_id, i.auto_track, i.access_error
        FROM github_installation_repos ir
        JOIN github_installations i
          ON i.github_host = ir.github_host AND i.installation_id = ir.installation_id
       WHERE i.removed_at IS NULL AND i.suspended_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW active_installation_repos`);
  }
}
