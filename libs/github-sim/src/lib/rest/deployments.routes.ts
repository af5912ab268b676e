import type { ApiRequest, ApiRouter } from '../http/api-router';
import type { SimContext } from '../http/sim-context';
import { DEPLOYMENT_STATES } from '../world/capabilities/deployments';
import { notFound, SimError, validationFailed } from '../world/sim-error';
import type { SimDeployment, SimDeploymentState, SimRepo } from '../world/world.types';
import { bodyObject, hasScope, repoFromPath } from './access';
import { deployment, deploymentStatus } from './deployment-serializers';
import { release } from './release-serializers';
import { pageOf } from './pagination';

const DEPLOYMENT_SCOPES = ['repo', 'repo_deployment'];

/**
 * GitHub's deployments API: list (newest first, filtered by sha, ref, task, environment), get and create
 * deployments; list, get and create their statuses. Creating needs push access and, for an OAuth token, the
 * `repo` or `repo_deployment` scope (an installation needs `deployments: write`).
 */
export function registerDeploymentRoutes(api: ApiRouter, ctx: SimContext): void {
  const w = ctx.world;

  const writableRepo = (r: ApiRequest): SimRepo => {
    if (r.viewerId === null && !r.installation) throw new SimError(401, 'Requires authentication');
    const repo = repoFromPath(w, r, 'push');
    if (!r.installation && !DEPLOYMENT_SCOPES.some((s) => hasScope(r.scopes, s))) throw notFound();
    return repo;
  };
  const deploymentOf = (repo: SimRepo, r: ApiRequest): SimDeployment => {
    const id = Number(r.param('deployment_id'));
    const d = w.detail(repo).deployments.find((x) => x.id === id);
    if (!d) throw notFound();
    return d;
  };
  const optionalText = (
    body: Record<string, unknown>,
    field: string,
    resource: string,
  ): string | undefined => {
    const v = body[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw validationFailed([{ resource, field, code: 'invalid' }]);
    return v;
  };
  const optionalFlag = (body: Record<string, unknown>, field: string): boolean | undefined => {
    const v = body[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw validationFailed([{ resource: 'Deployment', field, code: 'invalid' }]);
    return v;
  };
  /** `payload`: a JSON object, or JSON text ("" is GitHub's default, an empty object). */
  const payloadOf = (body: Record<string, unknown>): Record<string, unknown> | string | undefined => {
    const v = body['payload'];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'string') return v;
    if (typeof v !== 'object' || Array.isArray(v))
      throw validationFailed([{ resource: 'Deployment', field: 'payload', code: 'invalid' }]);
    return v as Record<string, unknown>;
  };

  api.get('/repos/:owner/:repo/deployments', '/repos/{owner}/{repo}/deployments', (r) => {
    const repo = repoFromPath(w, r);
    const q = (name: string) => {
      const v = r.query(name);
      return v === undefined || v === '' ? undefined : v;
    };
    const [sha, ref, task, environment] = [q('sha'), q('ref'), q('task'), q('environment')];
    const rows = w
      .detail(repo)
      .deployments.filter(
        (d) =>
          (sha === undefined || d.sha === sha) &&
          (ref === undefined || d.ref === ref) &&
          (task === undefined || d.task === task) &&
          (environment === undefined || d.environment === environment),
      )
      .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
    return pageOf(r, rows, (d) => deployment(w, r.urls, repo, d));
  });

  api.get(
    '/repos/:owner/:repo/deployments/:deployment_id',
    '/repos/{owner}/{repo}/deployments/{deployment_id}',
    (r) => {
      const repo = repoFromPath(w, r);
      return { status: 200, body: deployment(w, r.urls, repo, deploymentOf(repo, r)) };
    },
  );

  api.post(
    '/repos/:owner/:repo/deployments',
    '/repos/{owner}/{repo}/deployments',
    async (r) => {
      const repo = writableRepo(r);
      const body = bodyObject(r);
      const ref = body['ref'];
      if (typeof ref !== 'string' || !ref)
        throw validationFailed(
          [{ resource: 'Deployment', field: 'ref', code: 'missing_field' }],
          'Invalid request.\n\n"ref" wasn\'t supplied.',
        );
      const d = await w.createDeployment({
        owner: w.ownerLogin(repo),
        repo: repo.name,
        ref,
        environment: optionalText(body, 'environment', 'Deployment'),
        task: optionalText(body, 'task', 'Deployment'),
        description: optionalText(body, 'description', 'Deployment') ?? null,
        payload: payloadOf(body),
        transientEnvironment: optionalFlag(body, 'transient_environment'),
        productionEnvironment: optionalFlag(body, 'production_environment'),
        sender: r.viewerId === null ? undefined : w.users.get(r.viewerId)?.login,
      });
      return {
        status: 201,
        body: deployment(w, r.urls, repo, d),
        headers: { Location: `${r.urls.api}/repos/${w.fullName(repo)}/deployments/${d.id}` },
      };
    },
    { acceptedScopes: DEPLOYMENT_SCOPES },
  );

  api.get(
    '/repos/:owner/:repo/deployments/:deployment_id/statuses',
    '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
    (r) => {
      const repo = repoFromPath(w, r);
      const d = deploymentOf(repo, r);
      const newestFirst = [...d.statuses].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
      return pageOf(r, newestFirst, (s) => deploymentStatus(w, r.urls, repo, d, s));
    },
  );

  api.get(
    '/repos/:owner/:repo/deployments/:deployment_id/statuses/:status_id',
    '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses/{status_id}',
    (r) => {
      const repo = repoFromPath(w, r);
      const d = deploymentOf(repo, r);
      const s = d.statuses.find((x) => x.id === Number(r.param('status_id')));
      if (!s) throw notFound();
      return { status: 200, body: deploymentStatus(w, r.urls, repo, d, s) };
    },
  );

  api.post(
    '/repos/:owner/:repo/deployments/:deployment_id/statuses',
    '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
    async (r) => {
      const repo = writableRepo(r);
      const d = deploymentOf(repo, r);
      const body = bodyObject(r);
      const state = body['state'];
      if (state === undefined || state === null)
        throw validationFailed(
          [{ resource: 'DeploymentStatus', field: 'state', code: 'missing_field' }],
          'Invalid request.\n\n"state" wasn\'t supplied.',
        );
      if (typeof state !== 'string' || !DEPLOYMENT_STATES.includes(state as SimDeploymentState))
        throw validationFailed([{ resource: 'DeploymentStatus', field: 'state', code: 'invalid' }]);
      const s = await w.addDeploymentStatus({
        owner: w.ownerLogin(repo),
        repo: repo.name,
        deploymentId: d.id,
        state: state as SimDeploymentState,
        environment: optionalText(body, 'environment', 'DeploymentStatus'),
        description: optionalText(body, 'description', 'DeploymentStatus'),
        logUrl:
          optionalText(body, 'log_url', 'DeploymentStatus') ??
          optionalText(body, 'target_url', 'DeploymentStatus'),
        environmentUrl: optionalText(body, 'environment_url', 'DeploymentStatus'),
        sender: r.viewerId === null ? undefined : w.users.get(r.viewerId)?.login,
      });
      return {
        status: 201,
        body: deploymentStatus(w, r.urls, repo, d, s),
        headers: { Location: `${r.urls.api}/repos/${w.fullName(repo)}/deployments/${d.id}/statuses/${s.id}` },
      };
    },
    { acceptedScopes: DEPLOYMENT_SCOPES },
  );

  // Releases: read-only here (the control API and live mode make them), newest first like GitHub.
  api.get('/repos/:owner/:repo/releases', '/repos/{owner}/{repo}/releases', (r) => {
    const repo = repoFromPath(w, r);
    const rows = [...w.detail(repo).releases].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
    return pageOf(r, rows, (x) => release(w, r.urls, repo, x));
  });

  api.get('/repos/:owner/:repo/releases/:release_id', '/repos/{owner}/{repo}/releases/{release_id}', (r) => {
    const repo = repoFromPath(w, r);
    const x = w.detail(repo).releases.find((y) => y.id === Number(r.param('release_id')));
    if (!x) throw notFound();
    return { status: 200, body: release(w, r.urls, repo, x) };
  });
}
