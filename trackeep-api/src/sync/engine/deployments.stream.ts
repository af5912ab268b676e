import { inTransaction, type SqlExecutor } from '@trackeep/server-core';
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../database/db.types';
import type { ActivityWrite } from '../../repos/data/github-data.types';
import {
  deploymentActivity,
  deploymentState,
  DeploymentsRepository,
  type DeploymentStatusWrite,
  type DeploymentWrite,
} from '../../repos/data/deployments.repository';
import { UnexpectedGithubAnswerError } from '../github/sync-github.errors';
import type { SyncGithubGateway } from '../github/sync-github.gateway';
import { DEPLOYMENTS_PAGE, SYNC_DEPLOYMENTS_QUERY } from '../github/sync-graphql.queries';
import type { DeploymentsPageData, GqlDeployment, GqlDeploymentStatus } from '../github/sync-graphql.types';
import { emptyCursor, type CursorRow, type SyncStore } from './sync-store.repository';

export const DEPLOYMENTS_STREAM = 'deployments';

/** The rows one deployment of a GraphQL page becomes (null: GitHub gave no id or environment to key it by). */
export function deploymentRows(
  d: GqlDeployment,
): { deployment: DeploymentWrite; statuses: DeploymentStatusWrite[] } | null {
  if (d.databaseId === null || !d.environment) return null;
  const deployment: DeploymentWrite = {
    deployment_id: d.databaseId,
    node_id: d.id,
    environment: d.environment,
    sha: d.commitOid,
    ref: d.ref?.name ?? null,
    task: d.task,
    description: d.description,
    creator_login: d.creator?.login ?? null,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
  };
  const statuses: DeploymentStatusWrite[] = [];
  for (const s of [...(d.statuses?.nodes ?? []), d.latestStatus]) {
    const row = s && statusRow(d.databaseId, s);
    if (row) statuses.push(row);
  }
  return { deployment, statuses };
}

function statusRow(deploymentId: number, s: GqlDeploymentStatus): DeploymentStatusWrite | null {
  const state = deploymentState(s.state);
  if (!state) return null;
  return {
    node_id: s.id,
    deployment_id: deploymentId,
    state,
    description: s.description,
    environment_url: s.environmentUrl || null,
    log_url: s.logUrl || null,
    creator_login: s.creator?.login ?? null,
    created_at: s.createdAt,
  };
}

export interface DeploymentsPassOptions {
  db: Kysely<DB>;
  store: SyncStore;
  gateway: SyncGithubGateway;
  repoId: string;
  nodeId: string;
  cursor: CursorRow | undefined;
  /** Inside each page's transaction (heartbeat, progress). */
  onPage(tx: Transaction<DB>): Promise<void>;
  shouldYield?(): boolean;
}

/**
 * A repository's deployments, newest first, one point per page. The first read walks back through all of them
 * (resumable: the cursor commits with each page); later reads stop at the first page where nothing is new and
 * no latest status moved, which is usually the first. Statuses that arrive later come by webhook or at the next
 * read. Returns false when it stopped early to yield.
 */
export async function readDeployments(o: DeploymentsPassOptions): Promise<boolean> {
  const cursor = o.cursor ?? emptyCursor(DEPLOYMENTS_STREAM);
  const backfilled = !!cursor.state['backfilledAt'];
  let after = backfilled ? null : cursor.end_cursor;
  for (;;) {
    const answer = await o.gateway.graphql<DeploymentsPageData>(
      SYNC_DEPLOYMENTS_QUERY,
      { id: o.nodeId, first: DEPLOYMENTS_PAGE, after },
      { deployments: 1 + DEPLOYMENTS_PAGE },
    );
    const conn = answer.data?.node?.deployments;
    if (!conn)
      throw new UnexpectedGithubAnswerError(
        `GitHub answered the deployments query without them${answer.errors[0] ? `: ${answer.errors[0].message}` : ''}`,
      );
    const rows = conn.nodes.flatMap((d) => {
      const r = d && deploymentRows(d);
      return r ? [r] : [];
    });
    const done = await inTransaction(o.db, async (tx) => {
      const moved = await changedOnGithub(tx, o.repoId, rows);
      await DeploymentsRepository.upsert(
        tx,
        o.repoId,
        rows.map((r) => r.deployment),
        rows.flatMap((r) => r.statuses),
      );
      await o.store.insertActivity(tx, o.repoId, rows.flatMap(activityOf));
      const end = !conn.pageInfo.hasNextPage || !conn.pageInfo.endCursor;
      // Once backfilled, a page that brought nothing new means the older ones have not changed either.
      const stop = end || (backfilled && !moved);
      cursor.end_cursor = stop ? null : conn.pageInfo.endCursor;
      if (stop) cursor.state = { ...cursor.state, backfilledAt: new Date().toISOString() };
      cursor.state = { ...cursor.state, checkedAt: new Date().toISOString() };
      await o.store.saveCursor(tx, o.repoId, DEPLOYMENTS_STREAM, cursor);
      await o.onPage(tx);
      return stop;
    });
    if (done) return true;
    if (o.shouldYield?.()) return false;
    after = cursor.end_cursor;
  }
}

/** True when a row of the page is not stored yet or its latest status differs from the stored one. */
async function changedOnGithub(
  db: SqlExecutor<DB>,
  repoId: string,
  rows: Array<{ deployment: DeploymentWrite; statuses: DeploymentStatusWrite[] }>,
): Promise<boolean> {
  const stored = await DeploymentsRepository.latestStates(
    db,
    repoId,
    rows.map((r) => r.deployment.deployment_id),
  );
  return rows.some((r) => {
    if (!stored.has(r.deployment.deployment_id)) return true;
    const latest = [...r.statuses].sort(
      (a, b) => Date.parse(String(b.created_at)) - Date.parse(String(a.created_at)),
    )[0];
    return (latest?.state ?? null) !== stored.get(r.deployment.deployment_id);
  });
}

function activityOf(r: { deployment: DeploymentWrite; statuses: DeploymentStatusWrite[] }): ActivityWrite[] {
  return r.statuses.flatMap((s) => {
    const e = deploymentActivity(r.deployment, s);
    return e
      ? [
          {
            type: 'deployment',
            actor: e.actor,
            title: e.title,
            url: e.url,
            occurred_at: e.occurredAt.toISOString(),
            data: e.data,
            dedupe_key: e.dedupeKey,
          },
        ]
      : [];
  });
}
