import { prepared, type SqlExecutor } from '@trackeep/server-core';
import { sql, type RawBuilder } from 'kysely';
import { pgJson } from '../../common/pg-text.util';
import type { DB } from '../../database/db.types';
import type { TimelineEntry } from './github-data.types';
import { chunks } from './recordset.util';

/**
 * A deployment status's stage, to order statuses of one second: GitHub's times are whole seconds and a CD system
 * often posts queued, in_progress and its outcome within one, while node ids do not sort by creation. Later
 * stages rank higher (queued/pending 0, in_progress 1, an outcome 2, inactive 3). `statuses` is the table alias.
 */
export function statusStage(statuses: string): RawBuilder<number> {
  return sql<number>`CASE ${sql.ref(`${statuses}.state`)} WHEN 'inactive' THEN 3 WHEN 'success' THEN 2
    WHEN 'failure' THEN 2 WHEN 'error' THEN 2 WHEN 'in_progress' THEN 1 ELSE 0 END`;
}

/** GitHub's deployment status states, lowercase as REST and webhooks send them (GraphQL's enum is mapped). */
export const DEPLOYMENT_STATES = [
  'error',
  'failure',
  'inactive',
  'in_progress',
  'queued',
  'pending',
  'success',
] as const;
export type DeploymentState = (typeof DEPLOYMENT_STATES)[number];

/** A status state in either shape (`success` by REST or webhook, `SUCCESS` by GraphQL), or null. */
export function deploymentState(value: unknown): DeploymentState | null {
  const lower = typeof value === 'string' ? value.toLowerCase() : '';
  return (DEPLOYMENT_STATES as readonly string[]).includes(lower) ? (lower as DeploymentState) : null;
}

/** One deployment, as every source writes it. */
export interface DeploymentWrite {
  deployment_id: number;
  node_id: string | null;
  environment: string;
  sha: string;
  ref: string | null;
  task: string | null;
  description: string | null;
  creator_login: string | null;
  created_at: Date | string;
  updated_at: Date | string | null;
}

/** One status of a deployment. GitHub never changes a status once created; it adds new ones. */
export interface DeploymentStatusWrite {
  node_id: string;
  deployment_id: number;
  state: DeploymentState;
  description: string | null;
  environment_url: string | null;
  log_url: string | null;
  creator_login: string | null;
  created_at: Date | string;
}

/**
 * deployments and deployment_statuses, whatever the source (the sync's deployments query, the `deployment` and
 * `deployment_status` webhooks). A deployment is one row by GitHub's id; a later copy refreshes it without losing
 * what an earlier one knew. Each write recomputes the latest status of the deployments it touched, so the order
 * in which statuses arrive does not matter.
 */
export class DeploymentsRepository {
  static async upsert(
    db: SqlExecutor<DB>,
    repoId: string,
    deployments: DeploymentWrite[],
    statuses: DeploymentStatusWrite[] = [],
  ): Promise<void> {
    const unique = [...new Map(deployments.map((d) => [d.deployment_id, d])).values()];
    for (const batch of chunks(unique)) {
      await prepared(sql`
        INSERT INTO deployments AS t
               (repo_id, deployment_id, node_id, environment, sha, ref, task, description, creator_login,
                created_at, updated_at)
        SELECT ${repoId}::uuid, x.deployment_id, x.node_id, x.environment, x.sha, x.ref, x.task, x.description,
               x.creator_login, x.created_at, x.updated_at
          FROM jsonb_to_recordset(${pgJson(batch)}::jsonb)
               AS x(deployment_id bigint, node_id text, environment text, sha text, ref text, task text,
                    description text, creator_login text, created_at timestamptz, updated_at timestamptz)
        ON CONFLICT (repo_id, deployment_id) DO UPDATE
          SET node_id = coalesce(EXCLUDED.node_id, t.node_id),
              environment = EXCLUDED.environment,
              sha = EXCLUDED.sha,
              ref = coalesce(EXCLUDED.ref, t.ref),
              task = coalesce(EXCLUDED.task, t.task),
              description = coalesce(EXCLUDED.description, t.description),
              creator_login = coalesce(EXCLUDED.creator_login, t.creator_login),
              updated_at = greatest(EXCLUDED.updated_at, t.updated_at)
          -- The newest copy wins, whatever order copies arrive in (webhooks come out of order).
          WHERE t.updated_at IS NULL OR EXCLUDED.updated_at IS NULL OR EXCLUDED.updated_at >= t.updated_at`).execute(
        db,
      );
    }
    const known = new Set(unique.map((d) => d.deployment_id));
    const rows = [...new Map(statuses.map((s) => [s.node_id, s])).values()];
    for (const batch of chunks(rows)) {
      // A status of a deployment this write does not carry is only stored if the deployment is.
      await prepared(sql`
        INSERT INTO deployment_statuses
               (repo_id, node_id, deployment_id, state, description, environment_url, log_url, creator_login,
                created_at)
        SELECT ${repoId}::uuid, x.node_id, x.deployment_id, x.state, x.description, x.environment_url, x.log_url,
               x.creator_login, x.created_at
          FROM jsonb_to_recordset(${pgJson(batch)}::jsonb)
               AS x(node_id text, deployment_id bigint, state text, description text, environment_url text,
                    log_url text, creator_login text, created_at timestamptz)
          JOIN deployments d ON d.repo_id = ${repoId}::uuid AND d.deployment_id = x.deployment_id
        ON CONFLICT (repo_id, node_id) DO UPDATE
          SET state = EXCLUDED.state,
              description = EXCLUDED.description,
              environment_url = EXCLUDED.environment_url,
              log_url = EXCLUDED.log_url,
              creator_login = coalesce(EXCLUDED.creator_login, deployment_statuses.creator_login),
              created_at = EXCLUDED.created_at
          WHERE EXCLUDED.created_at > deployment_statuses.created_at`).execute(db);
    }
    const touched = [...new Set([...known, ...rows.map((s) => s.deployment_id)])];
    if (!touched.length) return;
    await prepared(sql`
      UPDATE deployments d
         SET latest_state = s.state, latest_state_at = s.created_at
        FROM (SELECT DISTINCT ON (deployment_id) deployment_id, state, created_at
                FROM deployment_statuses ds
               WHERE repo_id = ${repoId}::uuid AND deployment_id = ANY(${touched.map(String)}::bigint[])
               ORDER BY deployment_id, created_at DESC, ${statusStage('ds')} DESC, node_id DESC) s
       WHERE d.repo_id = ${repoId}::uuid AND d.deployment_id = s.deployment_id`).execute(db);
  }

  /** The stored latest state of each of these deployments (absent: not stored; null: no status yet). */
  static async latestStates(
    db: SqlExecutor<DB>,
    repoId: string,
    deploymentIds: number[],
  ): Promise<Map<number, string | null>> {
    if (!deploymentIds.length) return new Map();
    const rows = await db
      .selectFrom('deployments')
      .select(['deployment_id', 'latest_state'])
      .where('repo_id', '=', repoId)
      .where('deployment_id', 'in', deploymentIds.map(String))
      .execute();
    return new Map(rows.map((r) => [Number(r.deployment_id), r.latest_state]));
  }
}

/** A timeline entry for a deployment that finished (succeeded or failed), the same from every source. */
export function deploymentActivity(
  d: Pick<DeploymentWrite, 'deployment_id' | 'environment' | 'sha' | 'creator_login'>,
  s: Pick<DeploymentStatusWrite, 'state' | 'created_at' | 'environment_url' | 'log_url' | 'creator_login'>,
): TimelineEntry | null {
  if (s.state !== 'success' && s.state !== 'failure' && s.state !== 'error') return null;
  const sha = d.sha.slice(0, 7);
  return {
    actor: d.creator_login ?? s.creator_login,
    title:
      s.state === 'success'
        ? `deployed ${sha} to ${d.environment}`
        : `deployment of ${sha} to ${d.environment} failed`,
    url: s.environment_url ?? s.log_url,
    occurredAt: new Date(s.created_at),
    data: { deploymentId: d.deployment_id, environment: d.environment, sha: d.sha, state: s.state },
    // One entry per outcome: a deployment that failed and was then retried successfully shows both.
    dedupeKey: `deployment:${d.deployment_id}:${s.state === 'success' ? 'success' : 'failed'}`,
  };
}
