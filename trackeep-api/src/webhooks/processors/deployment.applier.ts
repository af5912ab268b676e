import {
  deploymentActivity,
  deploymentState,
  DeploymentsRepository,
  type DeploymentStatusWrite,
  type DeploymentWrite,
} from '../../repos/data/deployments.repository';
import {
  date,
  ignored,
  int,
  login,
  obj,
  PROCESSED,
  required,
  str,
  type ApplyContext,
  type ApplyOutcome,
  type Json,
} from './apply-context';

/** The deployment object of a `deployment` or `deployment_status` payload, as the write model takes it. */
function deploymentWrite(d: Json): DeploymentWrite {
  return {
    deployment_id: required(int(d['id']), 'deployment.id'),
    node_id: str(d['node_id']),
    environment: required(str(d['environment']), 'deployment.environment'),
    sha: required(str(d['sha']), 'deployment.sha'),
    ref: str(d['ref']),
    task: str(d['task']),
    description: str(d['description']),
    creator_login: login(d['creator']),
    created_at: required(date(d['created_at']), 'deployment.created_at'),
    updated_at: date(d['updated_at']),
  };
}

/** deployment: the deployment as the sync would store it (its statuses follow in their own deliveries). */
export async function applyDeployment(ctx: ApplyContext): Promise<ApplyOutcome> {
  const deployment = deploymentWrite(required(obj(ctx.payload['deployment']), 'deployment'));
  await DeploymentsRepository.upsert(ctx.tx, ctx.repo.id, [deployment]);
  return PROCESSED;
}

/**
 * deployment_status: the status and the deployment it belongs to (the payload carries both, so a status that
 * arrives before its `deployment` delivery is not lost), and a timeline entry once the deployment finished.
 */
export async function applyDeploymentStatus(ctx: ApplyContext): Promise<ApplyOutcome> {
  const deployment = deploymentWrite(required(obj(ctx.payload['deployment']), 'deployment'));
  const s = required(obj(ctx.payload['deployment_status']), 'deployment_status');
  const state = deploymentState(s['state']);
  if (!state) return ignored(`unknown deployment status state ${JSON.stringify(s['state'])}`);
  const status: DeploymentStatusWrite = {
    node_id: required(str(s['node_id']), 'deployment_status.node_id'),
    deployment_id: deployment.deployment_id,
    state,
    description: str(s['description']),
    environment_url: str(s['environment_url']) || null,
    log_url: str(s['log_url']) || str(s['target_url']) || null,
    creator_login: login(s['creator']),
    created_at: required(date(s['created_at']), 'deployment_status.created_at'),
  };
  await DeploymentsRepository.upsert(ctx.tx, ctx.repo.id, [deployment], [status]);
  const entry = deploymentActivity(deployment, status);
  if (entry) await ctx.activity({ type: 'deployment', ...entry });
  return PROCESSED;
}
