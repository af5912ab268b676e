import type { SimWorld } from '../world/sim-world';
import type { SimDeployment, SimDeploymentStatus, SimRepo } from '../world/world.types';
import { iso, nodeId, userById, type Schemas, type Urls } from './serializers';

/** A deployment as REST answers it (components/schemas/deployment). */
export function deployment(w: SimWorld, urls: Urls, repo: SimRepo, d: SimDeployment): Schemas['deployment'] {
  const repoUrl = `${urls.api}/repos/${w.fullName(repo)}`;
  const url = `${repoUrl}/deployments/${d.id}`;
  return {
    url,
    id: d.id,
    node_id: nodeId('Deployment', d.id),
    sha: d.sha,
    ref: d.ref,
    task: d.task,
    payload: d.payload ?? {},
    original_environment: d.originalEnvironment ?? d.environment,
    environment: d.environment,
    description: d.description,
    creator: userById(w, urls, d.creatorId),
    created_at: iso(d.createdAt),
    updated_at: iso(d.updatedAt),
    statuses_url: `${url}/statuses`,
    repository_url: repoUrl,
    transient_environment: d.transientEnvironment,
    production_environment: d.productionEnvironment,
  };
}

/** A deployment status as REST answers it (components/schemas/deployment-status). */
export function deploymentStatus(
  w: SimWorld,
  urls: Urls,
  repo: SimRepo,
  d: SimDeployment,
  s: SimDeploymentStatus,
): Schemas['deployment-status'] {
  const repoUrl = `${urls.api}/repos/${w.fullName(repo)}`;
  const deploymentUrl = `${repoUrl}/deployments/${d.id}`;
  return {
    url: `${deploymentUrl}/statuses/${s.id}`,
    id: s.id,
    node_id: nodeId('DeploymentStatus', s.id),
    state: s.state,
    creator: userById(w, urls, s.creatorId),
    description: s.description,
    environment: s.environment,
    // GitHub keeps target_url as the older name of log_url.
    target_url: s.logUrl,
    created_at: iso(s.createdAt),
    updated_at: iso(s.createdAt),
    deployment_url: deploymentUrl,
    repository_url: repoUrl,
    // Left out when unset, as in GitHub's own payloads; target_url is always there ("" when unset).
    ...(s.environmentUrl ? { environment_url: s.environmentUrl } : {}),
    ...(s.logUrl ? { log_url: s.logUrl } : {}),
  };
}
