import { prepared, type SqlExecutor } from '@trackeep/server-core';
import { sql } from 'kysely';
import { pgJson } from '../../common/pg-text.util';
import type { DB } from '../../database/db.types';
import { chunks } from './recordset.util';

/** One GitHub Actions workflow run, as every source writes it (REST and webhooks share the shape). */
export interface WorkflowRunWrite {
  run_id: number;
  workflow_id: number | null;
  name: string;
  head_branch: string | null;
  head_sha: string;
  event: string | null;
  status: string;
  conclusion: string | null;
  run_number: number | null;
  run_attempt: number | null;
  actor_login: string | null;
  html_url: string | null;
  created_at: Date | string;
  run_started_at: Date | string | null;
  updated_at: Date | string;
}

/**
 * workflow_runs, whatever the source. A copy replaces the stored one unless GitHub's `updated_at` says it is
 * older, so a late `requested` or `in_progress` delivery never undoes a `completed` one.
 */
export class WorkflowRunsRepository {
  static async upsert(db: SqlExecutor<DB>, repoId: string, rows: WorkflowRunWrite[]): Promise<void> {
    const unique = [...new Map(rows.map((r) => [r.run_id, r])).values()];
    for (const batch of chunks(unique)) {
      await prepared(sql`
        INSERT INTO workflow_runs AS t
               (repo_id, run_id, workflow_id, name, head_branch, head_sha, event, status, conclusion, run_number,
                run_attempt, actor_login, html_url, created_at, run_started_at, updated_at)
        SELECT ${repoId}::uuid, x.run_id, x.workflow_id, x.name, x.head_branch, x.head_sha, x.event, x.status,
               x.conclusion, x.run_number, x.run_attempt, x.actor_login, x.html_url, x.created_at, x.run_started_at,
               x.updated_at
          FROM jsonb_to_recordset(${pgJson(batch)}::jsonb)
               AS x(run_id bigint, workflow_id bigint, name text, head_branch text, head_sha text, event text,
                    status text, conclusion text, run_number int, run_attempt int, actor_login text, html_url text,
                    created_at timestamptz, run_started_at timestamptz, updated_at timestamptz)
        ON CONFLICT (repo_id, run_id) DO UPDATE
          SET workflow_id = coalesce(EXCLUDED.workflow_id, t.workflow_id),
              name = EXCLUDED.name,
              head_branch = coalesce(EXCLUDED.head_branch, t.head_branch),
              head_sha = EXCLUDED.head_sha,
              event = coalesce(EXCLUDED.event, t.event),
              status = EXCLUDED.status,
              conclusion = EXCLUDED.conclusion,
              run_number = coalesce(EXCLUDED.run_number, t.run_number),
              run_attempt = coalesce(EXCLUDED.run_attempt, t.run_attempt),
              actor_login = coalesce(EXCLUDED.actor_login, t.actor_login),
              html_url = coalesce(EXCLUDED.html_url, t.html_url),
              run_started_at = coalesce(EXCLUDED.run_started_at, t.run_started_at),
              updated_at = EXCLUDED.updated_at
          WHERE EXCLUDED.updated_at >= t.updated_at`).execute(db);
    }
  }

  /** The stored status, conclusion and `updated_at` of each of these runs, as one comparable text (absent: not stored). */
  static async versions(db: SqlExecutor<DB>, repoId: string, runIds: number[]): Promise<Map<number, string>> {
    if (!runIds.length) return new Map();
    const rows = await db
      .selectFrom('workflow_runs')
      .select(['run_id', 'status', 'conclusion', 'updated_at'])
      .where('repo_id', '=', repoId)
      .where('run_id', 'in', runIds.map(String))
      .execute();
    return new Map(
      rows.map((r) => [
        Number(r.run_id),
        runVersion({ status: r.status, conclusion: r.conclusion, updated_at: r.updated_at }),
      ]),
    );
  }
}

/** What says a run changed on GitHub: its status, conclusion and update time. */
export function runVersion(r: Pick<WorkflowRunWrite, 'status' | 'conclusion' | 'updated_at'>): string {
  return `${r.status}:${r.conclusion ?? ''}:${new Date(r.updated_at).toISOString()}`;
}

/**
 * A run as GitHub's REST API and the `workflow_run` webhook both spell it (one shape, `workflow-run` in GitHub's
 * OpenAPI description); null when it lacks what keys or orders it.
 */
export function workflowRunFromGithub(run: unknown): WorkflowRunWrite | null {
  if (!run || typeof run !== 'object') return null;
  const r = run as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' && v ? v : null);
  const whole = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) ? v : null);
  const time = (v: unknown) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? v : null);
  const id = whole(r['id']);
  const headSha = text(r['head_sha']);
  const status = text(r['status']);
  const createdAt = time(r['created_at']);
  const updatedAt = time(r['updated_at']);
  if (id === null || !headSha || !status || !createdAt || !updatedAt) return null;
  const actor = r['actor'] && typeof r['actor'] === 'object' ? (r['actor'] as Record<string, unknown>) : null;
  return {
    run_id: id,
    workflow_id: whole(r['workflow_id']),
    name: text(r['name']) ?? text(r['display_title']) ?? 'workflow',
    head_branch: text(r['head_branch']),
    head_sha: headSha,
    event: text(r['event']),
    status,
    conclusion: text(r['conclusion']),
    run_number: whole(r['run_number']),
    run_attempt: whole(r['run_attempt']),
    actor_login: text(actor?.['login']),
    html_url: text(r['html_url']),
    created_at: createdAt,
    run_started_at: time(r['run_started_at']),
    updated_at: updatedAt,
  };
}
