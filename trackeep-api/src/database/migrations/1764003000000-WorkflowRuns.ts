import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GitHub Actions workflow runs on a repository's default branch (keyed by GitHub's run id): workflow, head commit,
 * status and conclusion, times. Written by the `workflow_run` webhook and the sync; a copy replaces the stored
 * one unless its `updated_at` is older, so a late `requested` delivery never undoes a `completed` one. The insights
 * count a named workflow's successful runs as deployments when a repository's rule says so.
 */
export class WorkflowRuns1764003000000 implements MigrationInterface {
  name = 'WorkflowRuns1764003000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE workflow_runs (
        repo_id uuid NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        run_id bigint NOT NULL,
        workflow_id bigint,
        name text NOT NULL,
        head_branch text,
        head_sha text NOT NULL,
        event text,
        status text NOT NULL,
        conclusion text,
        run_number integer,
        run_attempt integer,
        actor_login text,
        html_url text,
        created_at timestamptz NOT NULL,
        run_started_at timestamptz,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (repo_id, run_id)
      )`);
    await q.query(`CREATE INDEX workflow_runs_repo_created_idx ON workflow_runs (repo_id, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE workflow_runs`);
  }
}
