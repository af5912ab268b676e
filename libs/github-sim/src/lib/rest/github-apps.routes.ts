import type { ApiRequest, ApiRouter } from '../http/api-router';
import type { SimContext } from '../http/sim-context';
import { notFound, SimError, validationFailed } from '../world/sim-error';
import type { SimInstallation, SimRepo } from '../world/world.types';
import { bodyObject, canSee } from './access';
import { installation, installationToken, integration } from './app-serializers';
import { assertRedeliverable, deliveryPage } from './delivery-pages';
import { pageOf } from './pagination';
import { hookDelivery, repository, type Schemas } from './serializers';

const USER_INSTALLATIONS_MESSAGE =
  'You must authenticate with an access token authorized to a GitHub App in order to list installations';

/**
 * GitHub App endpoints: as the App (JWT) `GET /app`, installations and installation tokens; as an installation
 * (`ghs_` token) `GET /installation/repositories`; as a user of the App (`ghu_` token) the installations and
 * repositories that user can reach.
 */
export function registerGithubAppRoutes(api: ApiRouter, ctx: SimContext): void {
  const w = ctx.world;

  const appOf = (r: ApiRequest) => {
    if (r.auth?.kind !== 'appJwt') throw notFound();
    return r.auth.githubApp;
  };
  const ownInstallation = (r: ApiRequest): SimInstallation => {
    const app = appOf(r);
    const id = Number(r.param('installation_id'));
    const inst = Number.isSafeInteger(id) ? w.installations.get(id) : undefined;
    if (!inst || inst.appId !== app.id) throw notFound();
    return inst;
  };

  api.get('/app', '/app', (r) => ({ body: integration(w, r.urls, appOf(r)) }), { auth: 'appJwt' });

  // Public: anyone may look an App up by its slug.
  api.get(
    '/apps/:app_slug',
    '/apps/{app_slug}',
    (r) => {
      const app = [...w.githubApps.values()].find((a) => a.slug === r.param('app_slug'));
      if (!app) throw notFound();
      return { body: integration(w, r.urls, app) };
    },
    { allowJwt: true },
  );

  // The App's webhook (GitHub: "Update a webhook configuration for an app"); the secret is never echoed.
  const hookConfig = (r: ApiRequest): Schemas['webhook-config'] => {
    const app = appOf(r);
    return {
      url: app.webhookUrl ?? '',
      content_type: 'json',
      insecure_ssl: '0',
      ...(app.webhookSecret ? { secret: '********' } : {}),
    };
  };
  api.get('/app/hook/config', '/app/hook/config', (r) => ({ body: hookConfig(r) }), { auth: 'appJwt' });
  api.patch(
    '/app/hook/config',
    '/app/hook/config',
    (r) => {
      const app = appOf(r);
      const body = bodyObject(r);
      const url = body['url'];
      const secret = body['secret'];
      if (url !== undefined && (typeof url !== 'string' || (url !== '' && !/^https?:\/\/[^\s]+$/.test(url))))
        throw validationFailed([
          { resource: 'Hook', field: 'url', code: 'custom', message: 'url is not a valid URL' },
        ]);
      if (secret !== undefined && typeof secret !== 'string')
        throw validationFailed([{ resource: 'Hook', field: 'secret', code: 'invalid' }]);
      w.setGithubAppWebhook(app.id, url === undefined ? app.webhookUrl : url || null, secret);
      return { body: hookConfig(r) };
    },
    { auth: 'appJwt' },
  );

  // The App webhook's delivery log, and redelivery (same payload and X-GitHub-Delivery, `redelivery: true`).
  const appDelivery = (r: ApiRequest) => {
    const app = appOf(r);
    const d = w.deliveries.find((x) => x.hookId === app.hookId && String(x.id) === r.param('delivery_id'));
    if (!d) throw notFound();
    return { app, d };
  };
  api.get(
    '/app/hook/deliveries',
    '/app/hook/deliveries',
    (r) => {
      const app = appOf(r);
      return deliveryPage(
        r,
        w.deliveries.filter((d) => d.hookId === app.hookId),
      );
    },
    { auth: 'appJwt' },
  );
  api.get(
    '/app/hook/deliveries/:delivery_id',
    '/app/hook/deliveries/{delivery_id}',
    (r) => {
      const { app, d } = appDelivery(r);
      return { body: hookDelivery(d, app.webhookUrl ?? '') };
    },
    { auth: 'appJwt' },
  );
  api.post(
    '/app/hook/deliveries/:delivery_id/attempts',
    '/app/hook/deliveries/{delivery_id}/attempts',
    (r) => {
      const { app, d } = appDelivery(r);
      assertRedeliverable(d);
      void ctx.webhooks.redeliverToApp(app, d);
      return { status: 202, body: {} };
    },
    { auth: 'appJwt' },
  );

  api.get(
    '/app/installations',
    '/app/installations',
    (r) => {
      const app = appOf(r);
      const list = [...w.installations.values()]
        .filter((i) => i.appId === app.id)
        .sort((a, b) => a.id - b.id);
      return pageOf(r, list, (i) => installation(w, r.urls, i));
    },
    { auth: 'appJwt' },
  );

  api.get(
    '/app/installations/:installation_id',
    '/app/installations/{installation_id}',
    (r) => ({ body: installation(w, r.urls, ownInstallation(r)) }),
    { auth: 'appJwt' },
  );

  // The App uninstalls itself, or suspends / unsuspends an installation (GitHub sends the same webhooks).
  api.delete(
    '/app/installations/:installation_id',
    '/app/installations/{installation_id}',
    async (r) => {
      await w.uninstallApp({ installationId: ownInstallation(r).id });
      return { status: 204 };
    },
    { auth: 'appJwt' },
  );
  api.put(
    '/app/installations/:installation_id/suspended',
    '/app/installations/{installation_id}/suspended',
    async (r) => {
      await w.suspendInstallation({ installationId: ownInstallation(r).id });
      return { status: 204 };
    },
    { auth: 'appJwt' },
  );
  api.delete(
    '/app/installations/:installation_id/suspended',
    '/app/installations/{installation_id}/suspended',
    async (r) => {
      await w.unsuspendInstallation({ installationId: ownInstallation(r).id });
      return { status: 204 };
    },
    { auth: 'appJwt' },
  );

  // Where is the App installed? (an organization's, a user's, or a repository's installation; 404 when none)
  const installationOn = (r: ApiRequest, accountLogin: string, repo?: SimRepo) => {
    const app = appOf(r);
    const account = w.account(accountLogin);
    const inst = [...w.installations.values()].find(
      (i) =>
        i.appId === app.id &&
        account !== undefined &&
        i.accountId === account.id &&
        (!repo || w.installationCovers(i, repo)),
    );
    if (!inst) throw notFound();
    return { body: installation(w, r.urls, inst) };
  };
  api.get('/orgs/:org/installation', '/orgs/{org}/installation', (r) => installationOn(r, r.param('org')), {
    auth: 'appJwt',
  });
  api.get(
    '/users/:username/installation',
    '/users/{username}/installation',
    (r) => installationOn(r, r.param('username')),
    { auth: 'appJwt' },
  );
  api.get(
    '/repos/:owner/:repo/installation',
    '/repos/{owner}/{repo}/installation',
    (r) => {
      const repo = w.repo(r.param('owner'), r.param('repo'));
      if (!repo) throw notFound();
      return installationOn(r, w.ownerLogin(repo), repo);
    },
    { auth: 'appJwt' },
  );

  api.post(
    '/app/installations/:installation_id/access_tokens',
    '/app/installations/{installation_id}/access_tokens',
    (r) => {
      const inst = ownInstallation(r);
      const body = bodyObject(r);
      const rec = w.createInstallationToken(inst.id, {
        permissions: body['permissions'] as Record<string, unknown> | undefined,
        repositoryIds: body['repository_ids'] as unknown[] | undefined,
        repositories: body['repositories'] as unknown[] | undefined,
      });
      ctx.stats.installationToken(inst.id);
      return { status: 201, body: installationToken(w, r.urls, inst, rec) };
    },
    { auth: 'appJwt' },
  );

  api.get(
    '/installation/repositories',
    '/installation/repositories',
    (r) => {
      const auth = r.installation;
      if (!auth) throw notFound();
      const repos = w
        .installationRepos(auth.installation)
        .filter((repo) => !auth.token.repoIds || auth.token.repoIds.includes(repo.id));
      return repoPage(r, repos, auth.token.repoIds ? 'selected' : auth.installation.repositorySelection);
    },
    { auth: 'installation' },
  );

  /** GitHub lists only what the user has explicit access to (owner, collaborator, member): public reach is not enough. */
  const explicitAccess = (repo: SimRepo, userId: number) =>
    w.affiliationOf(repo, userId) !== null && w.permissionOf(repo, userId) !== null;

  /** The installations of this App on accounts where the user can read at least one covered repository. */
  const userInstallations = (r: ApiRequest): SimInstallation[] => {
    const appId = r.userApp;
    if (!appId) throw new SimError(403, USER_INSTALLATIONS_MESSAGE);
    const userId = r.viewerId as number;
    return [...w.installations.values()]
      .filter((i) => i.appId === appId)
      .filter((i) =>
        i.accountType === 'User'
          ? i.accountId === userId
          : w.orgs.get(i.accountId)?.members.has(userId) ||
            w.installationRepos(i).some((repo) => explicitAccess(repo, userId)),
      )
      .sort((a, b) => a.id - b.id);
  };

  api.get(
    '/user/installations',
    '/user/installations',
    (r) => {
      const list = userInstallations(r);
      const page = pageOf(r, list, (i) => installation(w, r.urls, i));
      return { ...page, body: { total_count: list.length, installations: page.body } };
    },
    { auth: 'required' },
  );

  api.get(
    '/user/installations/:installation_id/repositories',
    '/user/installations/{installation_id}/repositories',
    (r) => {
      const id = Number(r.param('installation_id'));
      const inst = userInstallations(r).find((i) => i.id === id);
      if (!inst) throw notFound();
      const userId = r.viewerId as number;
      // Only what this user can read: the person behind a user token never sees more than their own access.
      const repos = w
        .installationRepos(inst)
        .filter((repo) => explicitAccess(repo, userId) && canSee(w, r, repo));
      return repoPage(r, repos, inst.repositorySelection);
    },
    { auth: 'required' },
  );

  function repoPage(r: ApiRequest, repos: SimRepo[], selection: 'all' | 'selected') {
    const page = pageOf(r, repos, (repo) => ({
      ...repository(w, r.urls, repo, r.viewerId),
      ...(repo.ownerType === 'Organization' ? { custom_properties: {} } : {}),
    }));
    return {
      ...page,
      body: { total_count: repos.length, repositories: page.body, repository_selection: selection },
    };
  }
}
