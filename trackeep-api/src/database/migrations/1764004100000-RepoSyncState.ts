import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Each repository's sync state (newest run's status, last success, the error since it, the run in progress),
 * so the status page and the repository list read one row per repository instead of probing years of runs.
 *
 * As with the fact versions, writers only append: triggers queue the repositories whose runs changed in
 * `sync_state_changes`, and `sync_state_fold()` (one folder at a time) recomputes their state from their newest
 * runs. Readers read a still-queued repository from its runs. Heartbeats and page counters are not queued: the state does not show them.
 */

const STATE_OF = `
  SELECT m.repo_id, latest.status AS latest_status, ok.finished_at AS last_success_at, err.error AS last_error,
         cur.status AS current_status, cur.progress, cur.paused_until
    FROM moved m
    JOIN repositories r ON r.id = m.repo_id
    LEFT JOIN LATERAL (SELECT l.status FROM sync_runs l WHERE l.repo_id = m.repo_id
                        ORDER BY l.queued_at DESC, l.id DESC LIMIT 1) latest ON true
    LEFT JOIN LATERAL (SELECT x.finished_at, x.queued_at FROM sync_runs x
                        WHERE x.repo_id = m.repo_id AND x.status = 'succeeded'
                        ORDER BY x.queued_at DESC, x.id DESC LIMIT 1) ok ON true
    LEFT JOIN LATERAL (SELECT e.error FROM sync_runs e
                        WHERE e.repo_id = m.repo_id AND e.status IN ('failed', 'partial')
                          AND e.queued_at > COALESCE(ok.queued_at, '-infinity')
                        ORDER BY e.queued_at DESC, e.id DESC LIMIT 1) err ON true
    LEFT JOIN LATERAL (SELECT c.status, c.progress, c.paused_until FROM sync_runs c
                        WHERE c.repo_id = m.repo_id AND c.status IN ('queued', 'running')
                        ORDER BY (c.status = 'running') DESC, c.queued_at DESC LIMIT 1) cur ON true
   ORDER BY m.repo_id`;

const FOLD_LOCK = `pg_advisory_xact_lock(hashtext('trackeep.sync_state'))`;

export class RepoSyncState1764004100000 implements MigrationInterface {
  name = 'RepoSyncState1764004100000';

  async up(q: QueryRunner): Promise<void> {
    // Appended by writers, emptied by the folder: no key, no index.
    await q.query(`CREATE TABLE sync_state_changes (repo_id uuid NOT NULL)`);
    // No foreign key: the folder must not wait on a repository's removal (its row goes at the next fold).
    await q.query(`
      CREATE TABLE repo_sync_state (
        repo_id uuid PRIMARY KEY,
        latest_status text,
        last_success_at timestamptz,
        last_error text,
        current_status text,
        progress smallint,
        paused_until timestamptz
      )`);
    await q.query(`
      CREATE FUNCTION sync_state_fold() RETURNS void LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM ${FOLD_LOCK};
        WITH taken AS (DELETE FROM sync_state_changes RETURNING repo_id),
        moved AS (SELECT DISTINCT repo_id FROM taken),
        gone AS (DELETE FROM repo_sync_state s USING moved m
                  WHERE s.repo_id = m.repo_id AND NOT EXISTS (SELECT 1 FROM repositories r WHERE r.id = m.repo_id))
        INSERT INTO repo_sync_state AS s
               (repo_id, latest_status, last_success_at, last_error, current_status, progress, paused_until)
        ${STATE_OF}
        ON CONFLICT (repo_id) DO UPDATE SET
          latest_status = EXCLUDED.latest_status, last_success_at = EXCLUDED.last_success_at,
          last_error = EXCLUDED.last_error, current_status = EXCLUDED.current_status,
          progress = EXCLUDED.progress, paused_until = EXCLUDED.paused_until;
      END
      $fn$`);
    await q.query(`
      CREATE FUNCTION sync_state_changed_rows() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          INSERT INTO sync_state_changes (repo_id) SELECT DISTINCT repo_id FROM old_rows;
        ELSE
          INSERT INTO sync_state_changes (repo_id) SELECT DISTINCT repo_id FROM new_rows;
        END IF;
        RETURN NULL;
      END
      $fn$`);
    // Transition tables are allowed only on single-event triggers, and not with a column list.
    await q.query(`
      CREATE TRIGGER sync_runs_state_insert AFTER INSERT ON sync_runs REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION sync_state_changed_rows()`);
    await q.query(`
      CREATE TRIGGER sync_runs_state_delete AFTER DELETE ON sync_runs REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION sync_state_changed_rows()`);
    await q.query(`
      CREATE FUNCTION sync_state_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        INSERT INTO sync_state_changes (repo_id) VALUES (NEW.repo_id);
        RETURN NULL;
      END
      $fn$`);
    await q.query(`
      CREATE TRIGGER sync_runs_state_update AFTER UPDATE ON sync_runs FOR EACH ROW
        WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.progress IS DISTINCT FROM NEW.progress
              OR OLD.paused_until IS DISTINCT FROM NEW.paused_until OR OLD.error IS DISTINCT FROM NEW.error
              OR OLD.finished_at IS DISTINCT FROM NEW.finished_at OR OLD.queued_at IS DISTINCT FROM NEW.queued_at)
        EXECUTE FUNCTION sync_state_changed()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER sync_runs_state_update ON sync_runs`);
    await q.query(`DROP TRIGGER sync_runs_state_delete ON sync_runs`);
    await q.query(`DROP TRIGGER sync_runs_state_insert ON sync_runs`);
    await q.query(`DROP FUNCTION sync_state_changed()`);
    await q.query(`DROP FUNCTION sync_state_changed_rows()`);
    await q.query(`DROP FUNCTION sync_state_fold()`);
    await q.query(`DROP TABLE repo_sync_state`);
    await q.query(`DROP TABLE sync_state_changes`);
  }
}
