import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Until when GitHub said a stored answer may be reused without asking again (its `Cache-Control: max-age`).
 * Only reads that opt in honour it; null means ask again (conditionally) before using the answer.
 */
export class EtagFreshness1764004200000 implements MigrationInterface {
  name = 'EtagFreshness1764004200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE github_etags ADD COLUMN fresh_until timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE github_etags DROP COLUMN fresh_until`);
  }
}
