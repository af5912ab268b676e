import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Background sync bookkeeping: one row per sync run, resumable cursors per (repo, stream) written
 * in the same transaction as each page of rows, and one row per scheduled cycle so several replicas firing the
 * same cron start it once. Rate-limit budgets and ETags live in github_rate_limits / github_etags (AuthAndAccess).
 */
export class SyncState1764000200000 implements MigrationInterface {
  name = 'SyncState1764000200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sync_cycles (
        slot timestamptz PRIMARY KEY,
        started_at timestamptz NOT NULL DEFAULT now(),
        repos integer NOT NULL DEFAULT 0,
        detection_points integer NOT NULL DEFAULT 0,
        finished_at timestamptz
      )`);

    await q.query(`
      CREATE TABLE sync_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        repo_id uuid NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        trigger text NOT NULL CHECK (trigger IN ('schedule', 'manual', 'webhook', 'track')),
        status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'partial')),
        cycle_slot timestamptz REFERENCES sync_cycles(slot) ON DELETE SET NULL,
        requested_by uuid,
        job_id uuid,
        credential_user_id uuid,
        attempts integer NOT NULL DEFAULT 0,
        queued_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        heartbeat_at timestamptz,
        paused_until timestamptz,
        progress smallint,
        items jsonb NOT NULL DEFAULT '{}',
        graphql_points integer NOT NULL DEFAULT 0,
        rest_requests integer NOT NULL DEFAULT 0,
        not_modified integer NOT NULL DEFAULT 0,
        error text,
        worker text
      )`);
    // GET /sync/runs (newest first, keyset on (queued_at, id)) and per-repo history.
    await q.query(`CREATE INDEX sync_runs_time_idx ON sync_runs (queued_at DESC, id DESC)`);
    await q.query(`CREATE INDEX sync_runs_repo_time_idx ON sync_runs (repo_id, queued_at DESC, id DESC)`);
    await q.query(
      `CREATE INDEX sync_runs_open_idx ON sync_runs (status, heartbeat_at) WHERE status IN ('queued', 'running')`,
    );
    // A scheduled cycle syncs each repository at most once, whichever replica enqueues it.
    await q.query(
      `CREATE UNIQUE INDEX sync_runs_cycle_repo_key ON sync_runs (cycle_slot, repo_id) WHERE cycle_slot IS NOT NULL`,
    );

    // Where each stream of a repository stands. `stream` is 'repo', 'pulls' or 'commits:<branch>'.
    await q.query(`
      CREATE TABLE sync_cursors (
        repo_id uuid NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        stream text NOT NULL,
        -- GitHub's own time (PR updatedAt, commit date): the high-water mark of the last completed walk.
        high_water timestamptz,
        -- Highest value seen by the walk in progress; becomes high_water when the walk completes.
        pending_high_water timestamptz,
        -- Commit walks: head synced completely, head being walked.
        head_sha text,
        pending_head text,
        -- GraphQL end cursor of the last page saved (null: walk not started or finished).
        end_cursor text,
        state jsonb NOT NULL DEFAULT '{}',
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (repo_id, stream)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['sync_cursors', 'sync_runs', 'sync_cycles']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
