import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * A version per repository that changes whenever anything delivery insights read of it changes: its commits
 * and their branches, pull requests and reviews, deployments and their statuses, releases, tags, workflow runs,
 * issues, and its default branch or name. A computed figure is reused while the versions of its repositories
 * are the ones it was computed at.
 *
 * As with the activity rollups, writers only append: statement triggers queue the repositories a statement
 * touched in `fact_changes`, and `fact_fold()` (one folder at a time) gives each queued repository a new
 * version from a sequence. Readers fold before they read the versions, so every change committed before the
 * read is counted; versions only grow, so a set's sum of versions changes whenever one of them does.
 */

export const FACT_TABLES = [
  'commits',
  'branch_commits',
  'pull_requests',
  'pull_request_reviews',
  'deployments',
  'deployment_statuses',
  'releases',
  'tags',
  'workflow_runs',
  'issues',
] as const;

const ROWS = {
  insert: { referencing: 'NEW TABLE AS new_rows', select: 'SELECT repo_id FROM new_rows' },
  update: {
    referencing: 'OLD TABLE AS old_rows NEW TABLE AS new_rows',
    select: 'SELECT repo_id FROM new_rows UNION SELECT repo_id FROM old_rows',
  },
  delete: { referencing: 'OLD TABLE AS old_rows', select: 'SELECT repo_id FROM old_rows' },
} as const;

const FOLD_LOCK = `pg_advisory_xact_lock(hashtext('trackeep.fact_versions'))`;

export class FactVersions1764003900000 implements MigrationInterface {
  name = 'FactVersions1764003900000';

  async up(q: QueryRunner): Promise<void> {
    // Appended by writers, emptied by the folder: no key, no index.
    await q.query(`CREATE TABLE fact_changes (repo_id uuid NOT NULL)`);
    // No foreign key: a removed repository's row is never read again, and the folder must not wait on removals.
    await q.query(`
      CREATE TABLE repo_fact_versions (
        repo_id uuid PRIMARY KEY,
        version bigint NOT NULL
      )`);
    await q.query(`CREATE SEQUENCE fact_version_seq`);
    await q.query(`
      CREATE FUNCTION fact_fold() RETURNS void LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM ${FOLD_LOCK};
        WITH moved AS (DELETE FROM fact_changes RETURNING repo_id)
        INSERT INTO repo_fact_versions AS v (repo_id, version)
        SELECT m.repo_id, nextval('fact_version_seq') FROM (SELECT DISTINCT repo_id FROM moved) m
        ORDER BY m.repo_id
        ON CONFLICT (repo_id) DO UPDATE SET version = EXCLUDED.version;
      END
      $fn$`);
    // One function per event serves every table (PL/pgSQL keeps a compiled copy per table it fires on).
    for (const op of ['insert', 'update', 'delete'] as const) {
      await q.query(`
        CREATE FUNCTION fact_changed_${op}() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
          INSERT INTO fact_changes (repo_id) SELECT DISTINCT x.repo_id FROM (${ROWS[op].select}) x;
          RETURN NULL;
        END
        $fn$`);
      // Transition tables are allowed only on single-event triggers.
      for (const table of FACT_TABLES)
        await q.query(
          `CREATE TRIGGER ${table}_fact_${op} AFTER ${op.toUpperCase()} ON ${table} REFERENCING ${ROWS[op].referencing} FOR EACH STATEMENT EXECUTE FUNCTION fact_changed_${op}()`,
        );
    }
    // The default branch decides which commits count; the full name labels every figure.
    await q.query(`
      CREATE FUNCTION fact_repository_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        INSERT INTO fact_changes (repo_id) VALUES (NEW.id);
        RETURN NULL;
      END
      $fn$`);
    await q.query(`
      CREATE TRIGGER repositories_fact_changed AFTER UPDATE OF default_branch, full_name ON repositories FOR EACH ROW
        WHEN (OLD.default_branch IS DISTINCT FROM NEW.default_branch OR OLD.full_name IS DISTINCT FROM NEW.full_name)
        EXECUTE FUNCTION fact_repository_changed()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER repositories_fact_changed ON repositories`);
    await q.query(`DROP FUNCTION fact_repository_changed()`);
    for (const op of ['insert', 'update', 'delete'] as const) {
      for (const table of FACT_TABLES) await q.query(`DROP TRIGGER ${table}_fact_${op} ON ${table}`);
      await q.query(`DROP FUNCTION fact_changed_${op}()`);
    }
    await q.query(`DROP FUNCTION fact_fold()`);
    await q.query(`DROP SEQUENCE fact_version_seq`);
    await q.query(`DROP TABLE repo_fact_versions`);
    await q.query(`DROP TABLE fact_changes`);
  }
}
