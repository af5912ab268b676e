import { notFound, SimError, validationFailed } from '../sim-error';
import type { RepoRef } from '../world-store';
import type { SimDeployment, SimDeploymentState, SimDeploymentStatus } from '../world.types';
import { WorldCapability } from './world-capability';

export const DEPLOYMENT_STATES: readonly SimDeploymentState[] = [
  'error',
  'failure',
  'inactive',
  'in_progress',
  'queued',
  'pending',
  'success',
];

export interface CreateDeploymentInput extends RepoRef {
  /** A branch, tag or commit; the deployment is of the commit it names now. */
  ref: string;
  environment?: string;
  task?: string;
  description?: string | null;
  payload?: Record<string, unknown> | string;
  transientEnvironment?: boolean;
  /** Default: true for `production` (GitHub's rule). */
  productionEnvironment?: boolean;
  sender?: string;
  /** When it was created (epoch ms); now by default. */
  at?: number;
}

export interface DeploymentStatusInput extends RepoRef {
  deploymentId: number;
  state: SimDeploymentState;
  /** Moves the deployment to this environment; default the one it is in. */
  environment?: string;
  description?: string;
  logUrl?: string;
  environmentUrl?: string;
  sender?: string;
  at?: number;
}

export interface DeployInput extends CreateDeploymentInput {
  /** The outcome; `success` by default. */
  state?: 'success' | 'failure' | 'error';
  environmentUrl?: string;
}

/** Deployments and their statuses, as GitHub's deployments API creates them: each announces a webhook. */
export class Deployments extends WorldCapability {
  async createDeployment(input: CreateDeploymentInput): Promise<SimDeployment> {
    const store = this.store;
    const repo = store.writableRepo(input);
    if (typeof input.ref !== 'string' || !input.ref)
      throw validationFailed(
        [{ resource: 'Deployment', field: 'ref', code: 'missing_field' }],
        'Invalid request.\n\n"ref" wasn\'t supplied.',
      );
    const sha = store.resolveRef(repo, input.ref);
    if (!sha) throw new SimError(422, `No ref found for: ${input.ref}`);
    const environment = input.environment ?? 'production';
    if (typeof environment !== 'string' || !environment.trim())
      throw validationFailed([{ resource: 'Deployment', field: 'environment', code: 'invalid' }]);
    const creatorId = store.senderOf(repo, input.sender, 'push');
    const at = input.at ?? Date.now();
    const d: SimDeployment = {
      id: store.nextId('deployment'),
      sha,
      ref: input.ref,
      task: input.task ?? 'deploy',
      environment,
      description: input.description ?? null,
      ...(input.payload === undefined ? {} : { payload: input.payload }),
      creatorId,
      createdAt: at,
      updatedAt: at,
      productionEnvironment: input.productionEnvironment ?? environment === 'production',
      transientEnvironment: input.transientEnvironment ?? false,
      statuses: [],
    };
    store.detail(repo).deployments.push(d);
    await store.emit({ type: 'deployment', repo, senderId: creatorId, deployment: d });
    return d;
  }

  async addDeploymentStatus(input: DeploymentStatusInput): Promise<SimDeploymentStatus> {
    const store = this.store;
    const repo = store.writableRepo(input);
    const d = store.detail(repo).deployments.find((x) => x.id === input.deploymentId);
    if (!d) throw notFound();
    if (!DEPLOYMENT_STATES.includes(input.state))
      throw validationFailed([{ resource: 'DeploymentStatus', field: 'state', code: 'invalid' }]);
    if (input.description !== undefined && input.description.length > 140)
      throw validationFailed([
        {
          resource: 'DeploymentStatus',
          field: 'description',
          code: 'custom',
          message: 'description is too long (maximum is 140 characters)',
        },
      ]);
    const environment = input.environment || d.environment;
    const creatorId = store.senderOf(repo, input.sender, 'push');
    const at = input.at ?? Date.now();
    if (environment !== d.environment) {
      d.originalEnvironment ??= d.environment;
      d.environment = environment;
    }
    const status: SimDeploymentStatus = {
      id: store.nextId('deploymentStatus'),
      state: input.state,
      description: input.description ?? '',
      environment,
      logUrl: input.logUrl ?? '',
      environmentUrl: input.environmentUrl ?? '',
      creatorId,
      createdAt: at,
    };
    d.statuses.push(status);
    d.updatedAt = Math.max(d.updatedAt, at);
    await store.emit({ type: 'deployment_status', repo, senderId: creatorId, deployment: d, status });
    return status;
  }

  /**
   * A whole deployment as a CD system reports it: created, queued, in progress, then its outcome, each with its
   * webhook. With `at` (history) the statuses are a minute apart from it; without (now) they are all posted now,
   * as a fast CD system does, often within one second: never dated in the future.
   */
  async deploy(input: DeployInput): Promise<SimDeployment> {
    const live = input.at === undefined;
    const at = input.at ?? Date.now();
    const d = await this.createDeployment({ ...input, at });
    const { owner, repo } = input;
    const steps: SimDeploymentState[] = ['queued', 'in_progress', input.state ?? 'success'];
    for (const [i, state] of steps.entries()) {
      await this.addDeploymentStatus({
        owner,
        repo,
        deploymentId: d.id,
        state,
        sender: input.sender,
        at: live ? Date.now() : at + i * 60_000,
        environmentUrl: state === 'success' ? input.environmentUrl : undefined,
      });
    }
    return d;
  }
}
