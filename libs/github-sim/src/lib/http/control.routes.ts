import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { bodyObject } from '../rest/access';
import type { SimWorld } from '../world/sim-world';
import { SimError } from '../world/sim-error';
import type { SimRepo } from '../world/world.types';
import { workflowRunSerializer } from '../rest/workflow-serializers';
import { WORKFLOW_RUN_CONCLUSIONS } from '../world/capabilities/workflow-runs';
import type { SimWorkflowRunConclusion } from '../world/world.types';
import { errorBody, sendJson, urlsOf } from './api-router';
import { validateFaults } from './faults';
import type { SimContext } from './sim-context';

export interface ControlHooks {
  reset(): void;
  setFaults(f: unknown): void;
  setLive(on: boolean, intervalMs?: number): { enabled: boolean; intervalMs: number };
}

type Body = Record<string, unknown>;

const str = (b: Body, k: string, required = false): string | undefined => {
  const v = b[k];
  if (v === undefined || v === null) {
    if (required) throw new SimError(422, `"${k}" is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new SimError(422, `"${k}" must be a string`);
  return v;
};
const bool = (b: Body, k: string): boolean | undefined => {
  const v = b[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new SimError(422, `"${k}" must be a boolean`);
  return v;
};

const strings = (b: Body, k: string): string[] | undefined => {
  const v = b[k];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw new SimError(422, `"${k}" must be an array of strings`);
  return v as string[];
};

/**
 * /_sim/*: mutate the world (each mutation updates REST/GraphQL and delivers webhooks before answering),
 * read stats and deliveries, set faults, reset. Only mounted in test/demo mode.
 */
export function controlRouter(ctx: SimContext, hooks: ControlHooks): Router {
  const r = express.Router();
  const w: SimWorld = ctx.world;
  const h =
    (fn: (req: Request, b: Body) => unknown | Promise<unknown>, status = 200) =>
    async (req: Request, res: Response, _next: NextFunction) => {
      try {
        const out = await fn(req, bodyObject({ body: req.body } as never));
        await ctx.webhooks.idle();
        sendJson(res, status, out === undefined ? { ok: true } : out);
      } catch (e) {
        if (e instanceof SimError) return sendJson(res, e.status, errorBody(e.status, e.message, e.extra));
        console.error('[github-sim] control', e);
        sendJson(res, 500, errorBody(500, 'Server Error'));
      }
    };
  const ref = (req: Request) => ({ owner: String(req.params['owner']), repo: String(req.params['repo']) });
  const num = (req: Request) => {
    const n = Number(req.params['number']);
    if (!Number.isInteger(n) || n < 1) throw new SimError(422, 'number must be a positive integer');
    return n;
  };
  const repoSummary = (repo: SimRepo) => ({
    id: repo.id,
    full_name: w.fullName(repo),
    private: repo.private,
    archived: repo.archived,
    fork: repo.fork,
    default_branch: repo.defaultBranch,
    commits: w.graph(repo).size,
  });

  r.get(
    '/stats',
    h(() => ({ ...snapshot(ctx) })),
  );
  r.post(
    '/reset',
    h(() => hooks.reset()),
  );
  r.get(
    '/faults',
    h(() => ctx.faults.current),
  );
  const setFaults = h((_req, b) => {
    validateFaults(b);
    hooks.setFaults(b);
    return ctx.faults.current;
  });
  r.put('/faults', setFaults);
  r.post('/faults', setFaults);
  r.post(
    '/live',
    h((_req, b) =>
      hooks.setLive(
        bool(b, 'enabled') ?? true,
        typeof b['intervalMs'] === 'number' ? b['intervalMs'] : undefined,
      ),
    ),
  );

  r.get(
    '/users',
    h(() => [...w.users.values()].map((u) => ({ id: u.id, login: u.login, name: u.name, email: u.email }))),
  );
  r.post(
    '/users',
    h(
      (_req, b) =>
        w.addUser({ login: str(b, 'login', true) as string, name: str(b, 'name'), email: str(b, 'email') }),
      201,
    ),
  );
  r.post(
    '/tokens',
    h((_req, b) => {
      const scopes = b['scopes'];
      if (scopes !== undefined && (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string')))
        throw new SimError(422, '"scopes" must be an array of strings');
      return { token: w.issueToken(str(b, 'login', true) as string, scopes as string[] | undefined) };
    }, 201),
  );
  r.get(
    '/orgs',
    h(() =>
      [...w.orgs.values()].map((o) => ({
        id: o.id,
        login: o.login,
        members: o.members.size,
        teams: o.teams.map((t) => t.slug),
      })),
    ),
  );
  r.put(
    '/orgs/:org/members/:login',
    h((req, b) =>
      w.setOrgMembership({
        org: String(req.params['org']),
        login: String(req.params['login']),
        role: (str(b, 'role') as 'admin' | 'member' | undefined) ?? 'member',
      }),
    ),
  );
  r.delete(
    '/orgs/:org/members/:login',
    h((req) =>
      w.setOrgMembership({ org: String(req.params['org']), login: String(req.params['login']), role: null }),
    ),
  );
  r.post(
    '/orgs/:org/teams',
    h((req, b) => {
      const privacy = str(b, 'privacy');
      if (privacy !== undefined && privacy !== 'closed' && privacy !== 'secret')
        throw new SimError(422, '"privacy" must be closed or secret');
      const t = w.createTeam({
        org: String(req.params['org']),
        name: str(b, 'name', true) as string,
        parent: str(b, 'parent') ?? null,
        privacy: privacy as 'closed' | 'secret' | undefined,
        description: str(b, 'description'),
      });
      return { id: t.id, slug: t.slug, parentId: t.parentId };
    }, 201),
  );
  r.delete(
    '/orgs/:org/teams/:team',
    h((req) => w.deleteTeam(String(req.params['org']), String(req.params['team']))),
  );
  r.put(
    '/orgs/:org/teams/:team/members/:login',
    h((req, b) => {
      const role = str(b, 'role') ?? 'member';
      if (role !== 'member' && role !== 'maintainer')
        throw new SimError(422, '"role" must be member or maintainer');
      w.setTeamMembership({
        org: String(req.params['org']),
        team: String(req.params['team']),
        login: String(req.params['login']),
        role,
      });
    }),
  );
  r.delete(
    '/orgs/:org/teams/:team/members/:login',
    h((req) =>
      w.setTeamMembership({
        org: String(req.params['org']),
        team: String(req.params['team']),
        login: String(req.params['login']),
        role: null,
      }),
    ),
  );
  r.put(
    '/orgs/:org/teams/:team/repos/:repo',
    h((req, b) => {
      const permission = str(b, 'permission') ?? 'pull';
      if (!['pull', 'triage', 'push', 'maintain', 'admin'].includes(permission))
        throw new SimError(422, '"permission" must be pull, triage, push, maintain or admin');
      w.setTeamRepo({
        org: String(req.params['org']),
        team: String(req.params['team']),
        repo: String(req.params['repo']),
        permission: permission as 'pull',
      });
    }),
  );
  r.delete(
    '/orgs/:org/teams/:team/repos/:repo',
    h((req) =>
      w.setTeamRepo({
        org: String(req.params['org']),
        team: String(req.params['team']),
        repo: String(req.params['repo']),
        permission: null,
      }),
    ),
  );
  r.get(
    '/repos',
    h(() => [...w.repos.values()].filter((x) => !x.deleted).map(repoSummary)),
  );
  r.get(
    '/deliveries',
    h((req) => {
      const repo = typeof req.query['repo'] === 'string' ? req.query['repo'] : undefined;
      const event = typeof req.query['event'] === 'string' ? req.query['event'] : undefined;
      return w.deliveries
        .filter(
          (d) =>
            (!repo ||
              (w.repos.has(d.repoId) &&
                w.fullName(w.repos.get(d.repoId) as SimRepo).toLowerCase() === repo.toLowerCase())) &&
            (!event || d.event === event),
        )
        .map((d) => ({ ...d, deliveredAt: new Date(d.deliveredAt).toISOString() }));
    }),
  );

  const base = '/repos/:owner/:repo';
  r.post(
    `${base}/push`,
    h((req, b) => {
      const commits = b['commits'];
      if (commits !== undefined && typeof commits !== 'number' && !Array.isArray(commits))
        throw new SimError(422, '"commits" must be a count or an array');
      return w.pushCommits({
        ...ref(req),
        branch: str(b, 'branch'),
        commits: commits as never,
        sender: str(b, 'sender'),
        force: bool(b, 'force'),
        onto: str(b, 'onto'),
      });
    }),
  );
  r.post(
    `${base}/branches`,
    h(
      (req, b) =>
        w.createBranch({
          ...ref(req),
          branch: str(b, 'branch', true) as string,
          from: str(b, 'from'),
          sender: str(b, 'sender'),
        }),
      201,
    ),
  );
  r.delete(
    `${base}/branches/*branch`,
    h((req) => {
      const raw = (req.params as Record<string, unknown>)['branch'];
      return w.deleteBranch({ ...ref(req), branch: Array.isArray(raw) ? raw.join('/') : String(raw) });
    }),
  );
  r.post(
    `${base}/tags`,
    h(async (req, b) => {
      const name = str(b, 'name', true) as string;
      const sha = str(b, 'sha');
      // An unknown commit is a 404 here (the git refs API answers GitHub's 422).
      if (sha !== undefined && !w.resolveRef(w.requireRepo(ref(req)), sha))
        throw new SimError(404, `No commit found for SHA: ${sha}`);
      const t = await w.createTag({
        ...ref(req),
        tag: name,
        from: sha,
        message: str(b, 'message'),
        sender: str(b, 'sender'),
      });
      return {
        name: t.name,
        sha: t.sha,
        annotated: t.annotation !== null,
        object_sha: t.annotation?.sha ?? t.sha,
      };
    }, 201),
  );
  r.delete(
    `${base}/tags/*name`,
    h((req, b) => {
      const raw = (req.params as Record<string, unknown>)['name'];
      return w.deleteTag({
        ...ref(req),
        tag: Array.isArray(raw) ? raw.join('/') : String(raw),
        sender: str(b, 'sender'),
      });
    }),
  );
  r.post(
    `${base}/pulls`,
    h(async (req, b) => {
      const p = await w.openPull({
        ...ref(req),
        head: str(b, 'head', true) as string,
        base: str(b, 'base'),
        title: str(b, 'title', true) as string,
        body: str(b, 'body'),
        author: str(b, 'author'),
        draft: bool(b, 'draft'),
      });
      return { number: p.number, id: p.id, head_sha: p.headSha };
    }, 201),
  );
  r.patch(
    `${base}/pulls/:number`,
    h(async (req, b) => {
      const state = str(b, 'state');
      if (state !== undefined && state !== 'open' && state !== 'closed')
        throw new SimError(422, '"state" must be open or closed');
      const p = await w.updatePull({
        ...ref(req),
        number: num(req),
        title: str(b, 'title'),
        body: str(b, 'body'),
        state,
        draft: bool(b, 'draft'),
        sender: str(b, 'sender'),
      });
      return { number: p.number, state: p.state, draft: p.draft };
    }),
  );
  r.post(
    `${base}/pulls/:number/merge`,
    h((req, b) => {
      const method = str(b, 'method');
      if (method !== undefined && !['merge', 'squash', 'rebase'].includes(method))
        throw new SimError(422, '"method" must be merge, squash or rebase');
      return w.mergePull({
        ...ref(req),
        number: num(req),
        method: method as 'merge' | undefined,
        sender: str(b, 'sender'),
        commitTitle: str(b, 'commit_title'),
      });
    }),
  );
  r.post(
    `${base}/pulls/:number/close`,
    h(async (req, b) => {
      const p = await w.closePull({ ...ref(req), number: num(req), sender: str(b, 'sender') });
      return { number: p.number, state: p.state };
    }),
  );
  r.post(
    `${base}/pulls/:number/reviews`,
    h(async (req, b) => {
      const state = str(b, 'state') ?? str(b, 'event');
      const rv = await w.reviewPull({
        ...ref(req),
        number: num(req),
        reviewer: str(b, 'reviewer', true) as string,
        state: state as 'APPROVED' | undefined,
        body: str(b, 'body'),
      });
      return { id: rv.id, state: rv.state };
    }, 201),
  );
  r.put(
    `${base}/stars/:login`,
    h(async (req) => ({ changed: await w.star({ ...ref(req), login: String(req.params['login']) }) })),
  );
  r.delete(
    `${base}/stars/:login`,
    h(async (req) => ({ changed: await w.unstar({ ...ref(req), login: String(req.params['login']) }) })),
  );
  r.post(
    `${base}/forks`,
    h(
      async (req, b) =>
        repoSummary(
          await w.fork({
            ...ref(req),
            login: str(b, 'login', true) as string,
            organization: str(b, 'organization'),
            name: str(b, 'name'),
            defaultBranchOnly: bool(b, 'default_branch_only'),
          }),
        ),
      201,
    ),
  );
  r.post(
    `${base}/rename`,
    h(async (req, b) =>
      repoSummary(
        await w.renameRepo({ ...ref(req), name: str(b, 'name', true) as string, sender: str(b, 'sender') }),
      ),
    ),
  );
  r.post(
    `${base}/transfer`,
    h(async (req, b) =>
      repoSummary(
        await w.transferRepo({
          ...ref(req),
          newOwner: (str(b, 'new_owner') ?? str(b, 'newOwner', true)) as string,
          sender: str(b, 'sender'),
        }),
      ),
    ),
  );
  r.post(
    `${base}/archive`,
    h(async (req, b) =>
      repoSummary(
        await w.archiveRepo({ ...ref(req), archived: bool(b, 'archived') ?? true, sender: str(b, 'sender') }),
      ),
    ),
  );
  r.post(
    `${base}/visibility`,
    h(async (req, b) => {
      const priv = bool(b, 'private');
      if (priv === undefined) throw new SimError(422, '"private" is required');
      return repoSummary(await w.setVisibility({ ...ref(req), private: priv, sender: str(b, 'sender') }));
    }),
  );
  r.delete(
    base,
    h((req, b) => w.deleteRepo({ ...ref(req), sender: str(b, 'sender') })),
  );
  r.post(
    `${base}/issues`,
    h(async (req, b) => {
      const i = await w.openIssue({
        ...ref(req),
        title: str(b, 'title', true) as string,
        body: str(b, 'body'),
        author: str(b, 'author'),
        labels: strings(b, 'labels'),
        assignees: strings(b, 'assignees'),
      });
      return { number: i.number, id: i.id };
    }, 201),
  );
  for (const [method, remove] of [
    ['post', false],
    ['delete', true],
  ] as const)
    r[method](
      `${base}/issues/:number/assignees`,
      h(async (req, b) => {
        const i = await w.setAssignees({
          ...ref(req),
          number: num(req),
          assignees: strings(b, 'assignees') ?? [],
          remove,
          sender: str(b, 'sender'),
        });
        return { number: i.number, assignees: (i.assigneeIds ?? []).map((id) => w.users.get(id)?.login) };
      }),
    );
  r.post(
    `${base}/issues/:number/close`,
    h(async (req, b) => {
      const reason = str(b, 'reason');
      if (reason !== undefined && reason !== 'completed' && reason !== 'not_planned')
        throw new SimError(422, '"reason" must be completed or not_planned');
      const i = await w.closeIssue({
        ...ref(req),
        number: num(req),
        reason: reason as 'completed' | undefined,
        sender: str(b, 'sender'),
      });
      return { number: i.number, state: i.state };
    }),
  );
  r.post(
    `${base}/issues/:number/reopen`,
    h(async (req, b) => {
      const i = await w.closeIssue({ ...ref(req), number: num(req), reopen: true, sender: str(b, 'sender') });
      return { number: i.number, state: i.state };
    }),
  );
  r.post(
    `${base}/deployments`,
    h(async (req, b) => {
      const state = str(b, 'state') ?? 'success';
      if (state !== 'success' && state !== 'failure' && state !== 'error')
        throw new SimError(422, '"state" must be success, failure or error');
      const at = str(b, 'at');
      if (at !== undefined && Number.isNaN(Date.parse(at)))
        throw new SimError(422, '"at" must be an ISO time');
      const repo = w.requireRepo(ref(req));
      const d = await w.deploy({
        ...ref(req),
        ref: str(b, 'ref') ?? repo.defaultBranch,
        environment: str(b, 'environment') ?? 'production',
        state,
        sender: str(b, 'sender'),
        at: at === undefined ? undefined : Date.parse(at),
      });
      return { id: d.id, sha: d.sha, environment: d.environment, state };
    }, 201),
  );
  r.post(
    `${base}/releases`,
    h(async (req, b) => {
      const at = str(b, 'at');
      if (at !== undefined && Number.isNaN(Date.parse(at)))
        throw new SimError(422, '"at" must be an ISO time');
      const prerelease = b['prerelease'];
      if (prerelease !== undefined && typeof prerelease !== 'boolean')
        throw new SimError(422, '"prerelease" must be true or false');
      const x = await w.createRelease({
        ...ref(req),
        tag: str(b, 'tag', true) as string,
        ref: str(b, 'ref'),
        name: str(b, 'name'),
        prerelease,
        sender: str(b, 'sender'),
        at: at === undefined ? undefined : Date.parse(at),
      });
      return { id: x.id, tag: x.tagName, sha: x.sha };
    }, 201),
  );
  r.delete(
    `${base}/releases/:id`,
    h((req, b) => {
      const id = Number((req.params as Record<string, unknown>)['id']);
      if (!Number.isSafeInteger(id) || id <= 0) throw new SimError(422, 'the release id must be a number');
      return w.deleteRelease({ ...ref(req), releaseId: id, sender: str(b, 'sender') });
    }),
  );
  r.post(
    `${base}/workflow-runs`,
    h(async (req, b) => {
      const conclusion = str(b, 'conclusion');
      if (conclusion !== undefined && !WORKFLOW_RUN_CONCLUSIONS.includes(conclusion as never))
        throw new SimError(422, `"conclusion" must be ${WORKFLOW_RUN_CONCLUSIONS.join(', ')}`);
      const at = str(b, 'at');
      if (at !== undefined && Number.isNaN(Date.parse(at)))
        throw new SimError(422, '"at" must be an ISO time');
      const run = await w.runWorkflow({
        ...ref(req),
        name: str(b, 'name'),
        headBranch: str(b, 'head_branch'),
        headSha: str(b, 'head_sha'),
        conclusion: conclusion as SimWorkflowRunConclusion | undefined,
        sender: str(b, 'sender'),
        at: at === undefined ? undefined : Date.parse(at),
      });
      return workflowRunSerializer(w, urlsOf(ctx, req), w.requireRepo(ref(req)))(run);
    }, 201),
  );
  r.put(
    `${base}/access/:login`,
    h((req, b) =>
      w.grantAccess({
        ...ref(req),
        login: String(req.params['login']),
        permission: str(b, 'permission') as never,
      }),
    ),
  );
  r.delete(
    `${base}/access/:login`,
    h((req) => w.revokeAccess({ ...ref(req), login: String(req.params['login']) })),
  );

  // ---------------------------------------------------------------- repositories, GitHub Apps, installations

  r.post(
    '/repos',
    h(
      async (_req, b) =>
        repoSummary(
          await w.createRepo({
            owner: str(b, 'owner', true) as string,
            name: str(b, 'name', true) as string,
            private: bool(b, 'private'),
            description: str(b, 'description'),
            sender: str(b, 'sender'),
          }),
        ),
      201,
    ),
  );
  const names = (b: Body, k: string): string[] => {
    const v = b[k];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
      throw new SimError(422, `"${k}" must be an array of repository names`);
    return v as string[];
  };
  const instId = (req: Request) => {
    const n = Number(req.params['id']);
    if (!Number.isSafeInteger(n) || n < 1)
      throw new SimError(422, 'installation id must be a positive integer');
    return n;
  };
  const installationSummary = (id: number) => {
    const i = w.requireInstallation(id);
    return {
      id: i.id,
      app_id: i.appId,
      account: w.accountLogin(i.accountId, i.accountType),
      repository_selection: i.repositorySelection,
      repositories: w.installationRepos(i).map((repo) => w.fullName(repo)),
      permissions: i.permissions,
      suspended: i.suspendedAt !== null,
    };
  };
  r.get(
    '/apps',
    h(() =>
      [...w.githubApps.values()].map((a) => ({
        id: a.id,
        slug: a.slug,
        client_id: a.clientId,
        webhook_url: a.webhookUrl,
        installations: [...w.installations.values()].filter((i) => i.appId === a.id).map((i) => i.id),
      })),
    ),
  );
  r.post(
    '/apps',
    h((_req, b) => {
      const { app, privateKeyPem } = w.registerGithubApp({
        slug: str(b, 'slug', true) as string,
        name: str(b, 'name'),
        owner: str(b, 'owner'),
        clientId: str(b, 'client_id'),
        clientSecret: str(b, 'client_secret'),
        key: str(b, 'public_key'),
        webhookUrl: str(b, 'webhook_url'),
        webhookSecret: str(b, 'webhook_secret'),
        permissions: b['permissions'] as Record<string, 'read' | 'write' | 'admin'> | undefined,
        events: b['events'] as string[] | undefined,
        expireUserTokens: bool(b, 'expire_user_tokens'),
        setupUrl: str(b, 'setup_url'),
        callbackUrl: str(b, 'callback_url'),
      });
      return {
        id: app.id,
        slug: app.slug,
        client_id: app.clientId,
        client_secret: app.clientSecret,
        webhook_secret: app.webhookSecret,
        private_key: privateKeyPem,
      };
    }, 201),
  );
  r.patch(
    '/apps/:app/webhook',
    h((req, b) => {
      const app = w.setGithubAppWebhook(String(req.params['app']), str(b, 'url') ?? null, str(b, 'secret'));
      return { id: app.id, webhook_url: app.webhookUrl };
    }),
  );
  // The App's setup URL (install page redirect), callback URL (OAuth) and user-token expiry.
  r.patch(
    '/apps/:app',
    h((req, b) => {
      const app = w.requireGithubApp(String(req.params['app']));
      if (b['setup_url'] !== undefined) app.setupUrl = str(b, 'setup_url') ?? null;
      if (b['callback_url'] !== undefined) {
        app.callbackUrl = str(b, 'callback_url') ?? null;
        const client = w.oauthApps.get(app.clientId);
        if (client) client.callbackUrl = app.callbackUrl;
      }
      const expire = bool(b, 'expire_user_tokens');
      if (expire !== undefined) app.expireUserTokens = expire;
      return {
        id: app.id,
        setup_url: app.setupUrl,
        callback_url: app.callbackUrl,
        expire_user_tokens: app.expireUserTokens,
      };
    }),
  );
  r.post(
    '/apps/:app/installations',
    h(async (req, b) => {
      const selection = str(b, 'repository_selection');
      if (selection !== undefined && selection !== 'all' && selection !== 'selected')
        throw new SimError(422, '"repository_selection" must be "all" or "selected"');
      const inst = await w.installApp({
        app: String(req.params['app']),
        account: str(b, 'account', true) as string,
        repositorySelection: selection,
        repositories: b['repositories'] === undefined ? undefined : names(b, 'repositories'),
        sender: str(b, 'sender'),
      });
      return installationSummary(inst.id);
    }, 201),
  );
  r.get(
    '/installations/:id',
    h((req) => installationSummary(instId(req))),
  );
  r.post(
    '/installations/:id/repositories',
    h(async (req, b) => {
      await w.addInstallationRepos({
        installationId: instId(req),
        repositories: names(b, 'repositories'),
        sender: str(b, 'sender'),
      });
      return installationSummary(instId(req));
    }),
  );
  r.delete(
    '/installations/:id/repositories',
    h(async (req, b) => {
      await w.removeInstallationRepos({
        installationId: instId(req),
        repositories: names(b, 'repositories'),
        sender: str(b, 'sender'),
      });
      return installationSummary(instId(req));
    }),
  );
  r.post(
    '/installations/:id/suspend',
    h(async (req, b) => {
      await w.suspendInstallation({ installationId: instId(req), sender: str(b, 'sender') });
      return installationSummary(instId(req));
    }),
  );
  r.post(
    '/installations/:id/unsuspend',
    h(async (req, b) => {
      await w.unsuspendInstallation({ installationId: instId(req), sender: str(b, 'sender') });
      return installationSummary(instId(req));
    }),
  );
  r.post(
    '/installations/:id/permissions',
    h(async (req, b) => {
      const permissions = b['permissions'];
      if (!permissions || typeof permissions !== 'object' || Array.isArray(permissions))
        throw new SimError(422, '"permissions" must be an object');
      await w.acceptNewPermissions({
        installationId: instId(req),
        permissions: permissions as Record<string, 'read' | 'write' | 'admin'>,
        events: b['events'] as string[] | undefined,
        sender: str(b, 'sender'),
      });
      return installationSummary(instId(req));
    }),
  );
  r.delete(
    '/installations/:id',
    h((req, b) => w.uninstallApp({ installationId: instId(req), sender: str(b, 'sender') })),
  );
  r.post(
    '/installations/:id/tokens',
    h((req) => {
      const rec = w.createInstallationToken(instId(req));
      return { token: rec.token, expires_at: new Date(rec.expiresAt).toISOString() };
    }, 201),
  );
  // Ages a token past its lifetime (installation tokens 1 h, expiring user tokens 8 h) without waiting.
  r.post(
    '/tokens/expire',
    h((_req, b) => {
      const token = str(b, 'token', true) as string;
      if (!w.expireInstallationToken(token) && !w.expireUserToken(token))
        throw new SimError(404, 'Unknown token');
    }),
  );
  r.post(
    '/apps/:app/user-tokens',
    h((req, b) => {
      const g = w.issueUserToken(String(req.params['app']), str(b, 'login', true) as string);
      return {
        access_token: g.accessToken,
        expires_in: g.expiresIn,
        refresh_token: g.refreshToken,
        refresh_token_expires_in: g.refreshTokenExpiresIn,
      };
    }, 201),
  );

  r.use((_req: Request, res: Response) =>
    sendJson(
      res,
      404,
      errorBody(404, 'Not Found', { documentation_url: 'libs/github-sim/README.md#control-api' }),
    ),
  );
  return r;
}

export function snapshot(ctx: SimContext) {
  return ctx.stats.snapshot(ctx.world);
}
