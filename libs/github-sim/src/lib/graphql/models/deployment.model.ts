import { iso, nodeId } from '../../rest/serializers';
import type { SimDeployment, SimDeploymentStatus, SimRepo, SimUser } from '../../world/world.types';
import { listConnection, type PageArgs } from '../connection';
import { GqlModel, sortBy, type Obj, type OrderArg } from './gql-model';

/** GraphQL's DeploymentState of a deployment, from its latest status (ACTIVE once it succeeded). */
function deploymentState(d: SimDeployment): string {
  const latest = d.statuses[d.statuses.length - 1];
  if (!latest) return 'PENDING';
  if (latest.state === 'success') return 'ACTIVE';
  return latest.state.toUpperCase();
}

/** Deployment and DeploymentStatus (a status's GraphQL id is the REST node_id; it has no databaseId). */
export class DeploymentModel extends GqlModel {
  of(repo: SimRepo, d: SimDeployment): Obj {
    const m = this.m;
    const w = this.w;
    return {
      __typename: 'Deployment',
      id: nodeId('Deployment', d.id),
      databaseId: d.id,
      environment: d.environment,
      originalEnvironment: d.originalEnvironment ?? d.environment,
      latestEnvironment: d.statuses.at(-1)?.environment ?? d.environment,
      task: d.task,
      description: d.description,
      // GraphQL hands the payload over as JSON text.
      payload: typeof d.payload === 'string' ? d.payload : JSON.stringify(d.payload ?? {}),
      createdAt: iso(d.createdAt),
      updatedAt: iso(d.updatedAt),
      commitOid: d.sha,
      state: deploymentState(d),
      creator: () => m.user.of(w.users.get(d.creatorId) as SimUser),
      repository: () => m.repository.of(repo),
      commit: () => {
        const c = w.graph(repo).get(d.sha);
        return c ? m.commit.of(repo, c) : null;
      },
      ref: () => {
        const b = w.detail(repo).branches.get(d.ref);
        return b ? m.ref.of(repo, b.name, b.tip) : null;
      },
      latestStatus: () => {
        const s = d.statuses[d.statuses.length - 1];
        return s ? this.status(repo, d, s) : null;
      },
      // GitHub lists a deployment's statuses newest first.
      statuses: (a: PageArgs) =>
        listConnection(
          [...d.statuses].sort((x, y) => y.createdAt - x.createdAt || y.id - x.id),
          a,
          (s) => this.status(repo, d, s),
        ),
    };
  }

  status(repo: SimRepo, d: SimDeployment, s: SimDeploymentStatus): Obj {
    const m = this.m;
    const w = this.w;
    return {
      __typename: 'DeploymentStatus',
      id: nodeId('DeploymentStatus', s.id),
      state: s.state.toUpperCase(),
      description: s.description,
      environment: s.environment,
      environmentUrl: s.environmentUrl || null,
      logUrl: s.logUrl || null,
      createdAt: iso(s.createdAt),
      updatedAt: iso(s.createdAt),
      creator: () => m.user.of(w.users.get(s.creatorId) as SimUser),
      deployment: () => this.of(repo, d),
    };
  }

  /** Repository.deployments: optionally only some environments, ordered by creation (oldest first by default). */
  connection(repo: SimRepo, a: PageArgs & { environments?: string[]; orderBy?: OrderArg }) {
    const envs = a.environments;
    const rows = this.w.detail(repo).deployments.filter((d) => !envs || envs.includes(d.environment));
    const sorted = sortBy(
      rows,
      a.orderBy,
      { CREATED_AT: (d) => d.createdAt * 1e4 + (d.id % 1e4) },
      'CREATED_AT',
    );
    return listConnection(sorted, a, (d) => this.of(repo, d));
  }
}
