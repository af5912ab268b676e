import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { DEMO_GITHUB_APP } from './demo-github-app.constant';
import { DEMO_OAUTH_APP } from './demo-oauth-app.constant';
import { ApiRouter, commonHeaders, errorBody, requestIdOf, sendJson } from './http/api-router';
import { appInstallRouter } from './http/app-install.routes';
import { identiconSvg } from './http/avatar';
import { controlRouter, snapshot } from './http/control.routes';
import { FaultInjector } from './http/faults';
import { htmlPage, escapeHtml, OAuthServer } from './http/oauth.routes';
import { DEFAULT_LIMITS, RateLimiter } from './http/rate-limiter';
import type { SimContext } from './http/sim-context';
import { StatsRecorder } from './http/stats';
import { LiveMode } from './live/live-mode';
import { registerActionsRoutes } from './rest/actions.routes';
import { registerAppRoutes } from './rest/apps.routes';
import { registerGithubAppRoutes } from './rest/github-apps.routes';
import { registerDeploymentRoutes } from './rest/deployments.routes';
import { registerGitRoutes } from './rest/git.routes';
import { registerCompareRoutes } from './rest/compare.routes';
import { registerIssueRoutes } from './rest/issues.routes';
import { registerRepoRoutes } from './rest/repos.routes';
import { registerUserRoutes } from './rest/user.routes';
import type { FaultConfig, GithubSimHandle, GithubSimOptions } from './sim.types';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher';
import { SimWorld } from './world/sim-world';
import { loadWorldFile, WorldFileSaver } from './world/world-file';
import { graphqlHandler } from './graphql/graphql.routes';

/** Start a GitHub simulator on 127.0.0.1 (port 0 = a free port). Stop it with `handle.stop()`. */
export async function startGithubSim(opts: GithubSimOptions = {}): Promise<GithubSimHandle> {
  const world = new SimWorld({ seed: opts.seed, preset: opts.preset, sizes: opts.sizes, now: opts.now });
  const registerApps = () => {
    world.registerOAuthApp(DEMO_OAUTH_APP);
    registerDemoGithubApp(world, opts.githubAppWebhookUrl, opts.githubAppSetupUrl);
    for (const app of opts.oauthApps ?? []) {
      if (!app.clientId || !app.clientSecret)
        throw new Error('oauthApps entries need clientId and clientSecret');
      world.registerOAuthApp(app);
    }
  };
  registerApps();
  if (opts.autoApproveLogin && !world.user(opts.autoApproveLogin))
    throw new Error(`autoApproveLogin "${opts.autoApproveLogin}" is not a simulated user`);

  const secondary = opts.rateLimit?.secondary;
  const limiter = new RateLimiter({
    ...DEFAULT_LIMITS,
    core: opts.rateLimit?.rest ?? DEFAULT_LIMITS.core,
    graphql: opts.rateLimit?.graphql ?? DEFAULT_LIMITS.graphql,
    secondary: secondary !== false,
    ...(typeof secondary === 'object' ? secondary : {}),
  });
  const stats = new StatsRecorder();
  const faults = new FaultInjector(world.seed, limiter, stats);
  faults.set(opts.faults ?? {});
  const ctx: SimContext = {
    world,
    limiter,
    faults,
    stats,
    webhooks: undefined as unknown as WebhookDispatcher,
    autoApproveLogin: opts.autoApproveLogin,
    controlApi: opts.controlApi ?? true,
    log: !!opts.log,
    origin: 'http://127.0.0.1',
  };
  const webhooks = new WebhookDispatcher(world, stats, () => ({ web: ctx.origin, api: ctx.origin }));
  ctx.webhooks = webhooks;
  webhooks.attach();
  const oauth = new OAuthServer(ctx);
  const live = new LiveMode(world);
  let saver: WorldFileSaver | null = null;
  if (opts.worldFile) {
    const extras = loadWorldFile(world, opts.worldFile);
    if (extras) {
      registerApps(); // the options' apps win over the saved ones (e.g. a changed client secret)
      if (typeof extras['liveTick'] === 'number') live.tick = extras['liveTick'];
    }
    saver = new WorldFileSaver(world, opts.worldFile, () => ({ liveTick: live.tick }));
    // Every change goes through a world mutation (live mode, control API) or a writing request (OAuth, hooks).
    world.on(() => saver?.markDirty());
    // A fresh world is saved too: its timestamps are anchored to this hour, and must not move on a restart.
    saver.markDirty();
  }

  const reset = () => {
    live.stop();
    world.reset();
    registerApps();
    limiter.reset();
    stats.reset();
    faults.set(opts.faults ?? {});
    oauth.reset();
  };
  const setFaults = (f: FaultConfig) => faults.set(f);
  const setLive = (on: boolean, intervalMs?: number) => {
    if (on) live.start(intervalMs ?? live.intervalMs);
    else live.stop();
    return { enabled: live.enabled, intervalMs: live.intervalMs };
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  if (saver) {
    const persisted = saver;
    app.use((req, res, next) => {
      if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS')
        res.once('finish', () => persisted.markDirty());
      next();
    });
  }
  if (ctx.log) {
    app.use((req, res, next) => {
      const t = performance.now();
      res.on('finish', () =>
        process.stderr.write(
          `[github-sim] ${req.method} ${req.originalUrl.replace(/([?&](code|access_token|client_secret)=)[^&]+/g, '$1***')} ${res.statusCode} ${(performance.now() - t).toFixed(1)}ms\n`,
        ),
      );
      next();
    });
  }
  // CORS preflight, as api.github.com answers it.
  app.use((req, res, next) => {
    if (req.method !== 'OPTIONS') return next();
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PATCH, PUT, DELETE');
    res.setHeader(
      'Access-Control-Allow-Headers',
      'Authorization, Content-Type, If-Match, If-Modified-Since, If-None-Match, If-Unmodified-Since, Accept-Encoding, X-GitHub-OTP, X-Requested-With, User-Agent, X-GitHub-Api-Version',
    );
    res.setHeader('Access-Control-Max-Age', '86400');
    res.status(204).end();
  });
  app.get('/avatars/u/:id', (req, res) => {
    const id = Number.parseInt(String(req.params['id']), 10);
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.type('image/svg+xml').send(identiconSvg(Number.isFinite(id) ? id : 0));
  });
  app.use(oauth.router());
  app.use(appInstallRouter(ctx));
  if (ctx.controlApi)
    app.use(
      '/_sim',
      express.json({ limit: '5mb', type: () => true }),
      controlRouter(ctx, { reset, setFaults: (f) => setFaults(f as FaultConfig), setLive }),
    );

  // GitHub parses any request body as JSON (Content-Type is not required).
  const json = express.json({
    limit: '5mb',
    type: (req) => !String(req.headers['content-type'] ?? '').includes('x-www-form-urlencoded'),
  });
  app.use(['/graphql', '/api/graphql'], json);
  app.post(['/graphql', '/api/graphql'], graphqlHandler(ctx));
  app.all(['/graphql', '/api/graphql'], (_req, res) => {
    commonHeaders(res, requestIdOf());
    sendJson(res, 404, errorBody(404, 'Not Found', { documentation_url: 'https://docs.github.com/graphql' }));
  });

  const api = new ApiRouter(ctx);
  registerGithubAppRoutes(api, ctx);
  registerUserRoutes(api, ctx);
  registerRepoRoutes(api, ctx);
  registerDeploymentRoutes(api, ctx);
  registerActionsRoutes(api, ctx);
  registerIssueRoutes(api, ctx);
  registerGitRoutes(api, ctx);
  registerCompareRoutes(api, ctx);
  registerAppRoutes(api, ctx);
  const apiNotFound = api.fallback();
  // GitHub's /repositories/{id}/... is the stable address that renamed repos redirect to.
  const byId = (req: Request, _res: Response, next: NextFunction) => {
    const m = /^\/repositories\/(\d+)(\/.*)?$/.exec(req.url);
    const repo = m ? world.repos.get(Number(m[1])) : undefined;
    if (m && repo && !repo.deleted) req.url = `/repos/${world.fullName(repo)}${m[2] ?? ''}`;
    next();
  };
  app.use('/api/v3', json, byId, api.router);
  app.use(json, byId, api.router);
  app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const e = err as { type?: string; status?: number };
    commonHeaders(res, requestIdOf());
    if (e.type === 'entity.parse.failed') return sendJson(res, 400, errorBody(400, 'Problems parsing JSON'));
    if (e.type === 'entity.too.large') return sendJson(res, 413, errorBody(413, 'Payload too large'));
    // e.g. a malformed %-escape in the path (express reports it as a 400 URIError).
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500)
      return sendJson(res, e.status, errorBody(e.status, e.status === 400 ? 'Bad Request' : 'Client Error'));
    console.error('[github-sim]', err);
    sendJson(res, 500, errorBody(500, 'Server Error'));
  });
  app.use((req: Request, res: Response) => {
    if (req.method === 'GET' && (req.headers.accept ?? '').includes('text/html')) {
      const repos = [...world.repos.values()].filter((r) => !r.deleted && !r.private).slice(0, 50);
      return htmlPage(
        res,
        req.path === '/' ? 200 : 404,
        'GitHub simulator',
        `<h1>GitHub simulator</h1><p>REST at <code>${escapeHtml(ctx.origin)}</code> (or <code>/api/v3</code>), GraphQL at <code>/graphql</code>.</p>` +
          `<p>${world.users.size} users, ${world.orgs.size} orgs, ${world.repos.size} repositories. Public ones:</p><ul>${repos.map((r) => `<li>${escapeHtml(world.fullName(r))}</li>`).join('')}</ul>`,
      );
    }
    return apiNotFound(req, res);
  });

  const host = opts.host ?? '127.0.0.1';
  const server = await new Promise<import('node:http').Server>((resolve, reject) => {
    const s = app.listen(opts.port ?? 0, host, () => resolve(s));
    s.once('error', reject);
  });
  server.keepAliveTimeout = 5000;
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  ctx.origin = url;
  if (opts.live) setLive(true, typeof opts.live === 'object' ? opts.live.intervalMs : 5000);

  let stopped = false;
  return {
    url,
    apiUrl: url,
    graphqlUrl: `${url}/graphql`,
    port,
    world,
    issueToken: (login, scopes) => world.issueToken(login, scopes),
    setFaults,
    stats: () => snapshot(ctx),
    reset,
    async stop() {
      if (stopped) return;
      stopped = true;
      live.stop();
      webhooks.stop();
      await webhooks.idle();
      saver?.flush();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/**
 * The demo GitHub App (always registered, its webhook URL kept across world-file restarts unless given), installed
 * with all repositories on the demo organization when the world has it and no installation of it yet.
 */
function registerDemoGithubApp(
  world: SimWorld,
  webhookUrl: string | undefined,
  setupUrl: string | undefined,
): void {
  const before = world.githubApp(DEMO_GITHUB_APP.id);
  const { app } = world.registerGithubApp({
    id: DEMO_GITHUB_APP.id,
    slug: DEMO_GITHUB_APP.slug,
    name: DEMO_GITHUB_APP.name,
    owner: 'octocat',
    clientId: DEMO_GITHUB_APP.clientId,
    clientSecret: DEMO_GITHUB_APP.clientSecret,
    key: DEMO_GITHUB_APP.privateKey,
    webhookUrl: webhookUrl ?? before?.webhookUrl ?? null,
    setupUrl: setupUrl ?? before?.setupUrl ?? null,
    callbackUrl: before?.callbackUrl ?? null,
    webhookSecret: DEMO_GITHUB_APP.webhookSecret,
    permissions: { ...DEMO_GITHUB_APP.permissions },
    events: [...DEMO_GITHUB_APP.events],
  });
  // Installations kept by a world file from before the App asked for more accept what it asks for now, as the
  // installing account would on GitHub (`installation` new_permissions_accepted).
  for (const inst of world.installations.values()) {
    if (inst.appId !== app.id) continue;
    const permissions = { ...DEMO_GITHUB_APP.permissions, ...inst.permissions };
    const events = [...new Set([...inst.events, ...DEMO_GITHUB_APP.events])];
    if (
      Object.keys(permissions).length === Object.keys(inst.permissions).length &&
      events.length === inst.events.length
    )
      continue;
    void world.acceptNewPermissions({ installationId: inst.id, permissions, events }).catch(() => undefined);
  }
  const org = world.org(DEMO_GITHUB_APP.demoOrganization);
  if (world.preset !== 'demo' || !org) return;
  if ([...world.installations.values()].some((i) => i.appId === app.id && i.accountId === org.id)) return;
  // No webhook can be pending here that a caller would wait for: the installation exists once this returns.
  void world
    .installApp({ app: app.id, account: org.login, repositorySelection: 'all' })
    .catch(() => undefined);
}
