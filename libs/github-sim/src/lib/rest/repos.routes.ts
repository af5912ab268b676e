import type { ApiRequest, ApiRouter } from '../http/api-router';
import type { SimContext } from '../http/sim-context';
import { WEBHOOK_EVENTS } from '../webhooks/webhook-payloads';
import { forksOf } from '../world/forks';
import { notFound, SimError, validationFailed } from '../world/sim-error';
import type { SimHook, SimRepo } from '../world/world.types';
import { bodyObject, hasScope, repoFromPath } from './access';
import { assertRedeliverable, deliveryPage } from './delivery-pages';
import { enumParam, pageOf, pagingOf, timeParam } from './pagination';
import {
  commit,
  fullRepository,
  hook,
  hookDelivery,
  issue,
  iso,
  minimalRepository,
  pullAsIssue,
  pullRequest,
  pullRequestSimple,
  repoEvent,
  review,
  shortBranch,
  simpleUser,
  type Schemas,
} from './serializers';

const HOOK_SCOPES = ['admin:repo_hook', 'write:repo_hook', 'read:repo_hook', 'repo'];

/** /repos/{owner}/{repo}/... */
export function registerRepoRoutes(api: ApiRouter, ctx: SimContext): void {
  const w = ctx.world;

  api.get('/repos/:owner/:repo', '/repos/{owner}/{repo}', (r) => {
    const repo = repoFromPath(w, r);
    return {
      body: fullRepository(w, r.urls, repo, r.viewerId),
      lastModified: Math.max(repo.updatedAt, repo.pushedAt),
    };
  });

  api.get('/repos/:owner/:repo/languages', '/repos/{owner}/{repo}/languages', (r) => {
    const repo = repoFromPath(w, r);
    const sorted = Object.entries(repo.languages).sort((a, b) => b[1] - a[1]);
    return { body: Object.fromEntries(sorted) as Schemas['language'] };
  });

  api.get('/repos/:owner/:repo/topics', '/repos/{owner}/{repo}/topics', (r) => {
    const body: Schemas['topic'] = { names: [...repoFromPath(w, r).topics] };
    return { body };
  });

  api.get('/repos/:owner/:repo/commits', '/repos/{owner}/{repo}/commits', (r) => {
    const repo = repoFromPath(w, r);
    const ref = r.query('sha') || repo.defaultBranch;
    const tip = w.resolveRef(repo, ref);
    if (!tip) throw new SimError(404, `No commit found for SHA: ${ref}`);
    const since = timeParam(r, 'since');
    const until = timeParam(r, 'until');
    const { page, perPage } = pagingOf(r);
    const result = w
      .graph(repo)
      .history(tip, { since, until, skip: (page - 1) * perPage, take: perPage, count: true });
    const total = result.total ?? 0;
    return {
      body: result.commits.map((c) => commit(w, r.urls, repo, c, false)),
      link: { page, perPage, lastPage: Math.max(1, Math.ceil(total / perPage)) },
    };
  });

  api.get('/repos/:owner/:repo/commits/:ref', '/repos/{owner}/{repo}/commits/{ref}', (r) => {
    const repo = repoFromPath(w, r);
    const sha = w.resolveRef(repo, r.param('ref'));
    const c = sha ? w.graph(repo).get(sha) : undefined;
    if (!c) throw new SimError(422, `No commit found for SHA: ${r.param('ref')}`);
    return { body: commit(w, r.urls, repo, c, true) };
  });

  api.get('/repos/:owner/:repo/branches', '/repos/{owner}/{repo}/branches', (r) => {
    const repo = repoFromPath(w, r);
    const prot = r.query('protected');
    const branches = [...w.detail(repo).branches.values()]
      .filter((b) => prot === undefined || prot === '' || (prot === 'true') === b.protected)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return pageOf(r, branches, (b) => {
      const {
        protection: _p,
        protection_url: _u,
        ...short
      } = shortBranch(w, r.urls, repo, b.name, b.tip, b.protected);
      return { ...short, protection: _p, protection_url: _u };
    });
  });

  api.get('/repos/:owner/:repo/branches/*branch', '/repos/{owner}/{repo}/branches/{branch}', (r) => {
    const repo = repoFromPath(w, r);
    const raw = (r.req.params as Record<string, unknown>)['branch'];
    const name = Array.isArray(raw) ? raw.join('/') : String(raw);
    const b = w.detail(repo).branches.get(name);
    if (!b) throw new SimError(404, 'Branch not found');
    const c = w.graph(repo).get(b.tip);
    const api = `${r.urls.api}/repos/${w.fullName(repo)}`;
    const short = shortBranch(w, r.urls, repo, b.name, b.tip, b.protected);
    const body: Schemas['branch-with-protection'] = {
      name: b.name,
      commit: commit(w, r.urls, repo, c as NonNullable<typeof c>, false),
      _links: {
        self: `${api}/branches/${encodeURIComponent(b.name)}`,
        html: `${r.urls.web}/${w.fullName(repo)}/tree/${b.name}`,
      },
      protected: b.protected,
      protection: short.protection as Schemas['branch-protection'],
      protection_url: short.protection_url as string,
    };
    return { body };
  });

  api.get('/repos/:owner/:repo/pulls', '/repos/{owner}/{repo}/pulls', (r) => {
    const repo = repoFromPath(w, r);
    const state = enumParam(r, 'state', ['open', 'closed', 'all'] as const, 'open');
    const sort = enumParam(
      r,
      'sort',
      ['created', 'updated', 'popularity', 'long-running'] as const,
      'created',
    );
    const direction = enumParam(
      r,
      'direction',
      ['asc', 'desc'] as const,
      sort === 'created' || r.query('sort') === undefined ? 'desc' : 'asc',
    );
    const head = r.query('head');
    const base = r.query('base');
    const pulls = w.detail(repo).pulls.filter((p) => {
      if (state !== 'all' && p.state !== state) return false;
      if (base && p.baseRef !== base) return false;
      if (head) {
        const ref = head.includes(':') ? head.slice(head.indexOf(':') + 1) : head;
        if (p.headRef !== ref) return false;
      }
      return true;
    });
    const key = (p: (typeof pulls)[number]) =>
      sort === 'updated'
        ? p.updatedAt
        : sort === 'popularity'
          ? p.comments
          : sort === 'long-running'
            ? (p.closedAt ?? Date.now()) - p.createdAt
            : p.createdAt;
    pulls.sort((a, b) =>
      direction === 'asc' ? key(a) - key(b) || a.number - b.number : key(b) - key(a) || b.number - a.number,
    );
    return pageOf(r, pulls, (p) => pullRequestSimple(w, r.urls, repo, p, r.viewerId));
  });

  const pullFromPath = (r: ApiRequest, repo: SimRepo) => {
    const n = Number(r.params['pull_number']);
    if (!Number.isInteger(n) || n < 1) throw notFound();
    return w.pull(repo, n);
  };

  api.get('/repos/:owner/:repo/pulls/:pull_number', '/repos/{owner}/{repo}/pulls/{pull_number}', (r) => {
    const repo = repoFromPath(w, r);
    return { body: pullRequest(w, r.urls, repo, pullFromPath(r, repo), r.viewerId) };
  });

  api.get(
    '/repos/:owner/:repo/pulls/:pull_number/reviews',
    '/repos/{owner}/{repo}/pulls/{pull_number}/reviews',
    (r) => {
      const repo = repoFromPath(w, r);
      const pull = pullFromPath(r, repo);
      return pageOf(r, pull.reviews, (rv) => review(w, r.urls, repo, pull, rv));
    },
  );

  api.get(
    '/repos/:owner/:repo/pulls/:pull_number/commits',
    '/repos/{owner}/{repo}/pulls/{pull_number}/commits',
    (r) => {
      const repo = repoFromPath(w, r);
      const pull = pullFromPath(r, repo);
      const graph = w.graph(repo);
      const commits = graph.ownCommits(pull.headSha, pull.baseSha);
      return pageOf(r, commits, (c) => commit(w, r.urls, repo, c, false));
    },
  );

  api.get('/repos/:owner/:repo/issues', '/repos/{owner}/{repo}/issues', (r) => {
    const repo = repoFromPath(w, r);
    const d = w.detail(repo);
    const state = enumParam(r, 'state', ['open', 'closed', 'all'] as const, 'open');
    const sort = enumParam(r, 'sort', ['created', 'updated', 'comments'] as const, 'created');
    const direction = enumParam(r, 'direction', ['asc', 'desc'] as const, 'desc');
    const since = timeParam(r, 'since');
    // `assignee`: a login, `none` or `*` (pull requests' assignees are not simulated: they have none).
    const assignee = r.query('assignee');
    const assigneeId = assignee && assignee !== 'none' && assignee !== '*' ? w.user(assignee)?.id : undefined;
    if (assignee && assignee !== 'none' && assignee !== '*' && assigneeId === undefined)
      throw validationFailed([{ resource: 'Issue', field: 'assignee', code: 'invalid' }]);
    const assigned = (ids: number[]) =>
      !assignee ||
      (assignee === 'none'
        ? !ids.length
        : assignee === '*'
          ? ids.length > 0
          : ids.includes(assigneeId ?? -1));
    type Row = {
      n: number;
      created: number;
      updated: number;
      comments: number;
      body: () => Schemas['issue'];
    };
    const rows: Row[] = [];
    for (const i of d.issues) {
      if (
        (state === 'all' || i.state === state) &&
        (since === undefined || i.updatedAt >= since) &&
        assigned(i.assigneeIds ?? [])
      ) {
        rows.push({
          n: i.number,
          created: i.createdAt,
          updated: i.updatedAt,
          comments: i.comments,
          body: () => issue(w, r.urls, repo, i),
        });
      }
    }
    // The issues API lists pull requests too, marked with a `pull_request` key.
    for (const p of d.pulls) {
      if (
        (state === 'all' || p.state === state) &&
        (since === undefined || p.updatedAt >= since) &&
        assigned([])
      ) {
        rows.push({
          n: p.number,
          created: p.createdAt,
          updated: p.updatedAt,
          comments: p.comments,
          body: () => pullAsIssue(w, r.urls, repo, p, r.viewerId),
        });
      }
    }
    const key = (x: Row) => (sort === 'updated' ? x.updated : sort === 'comments' ? x.comments : x.created);
    rows.sort((a, b) => (direction === 'asc' ? key(a) - key(b) || a.n - b.n : key(b) - key(a) || b.n - a.n));
    return pageOf(r, rows, (x) => x.body());
  });

  api.get('/repos/:owner/:repo/stargazers', '/repos/{owner}/{repo}/stargazers', (r) => {
    const repo = repoFromPath(w, r);
    const withDates = (r.req.header('accept') ?? '').includes('application/vnd.github.star+json');
    return pageOf(r, w.detail(repo).stars, (s) => {
      const user = simpleUser(r.urls, w.users.get(s.userId) as NonNullable<ReturnType<typeof w.users.get>>);
      if (!withDates) return user;
      const body: Schemas['stargazer'] = { starred_at: iso(s.starredAt), user };
      return body;
    });
  });

  api.get('/repos/:owner/:repo/forks', '/repos/{owner}/{repo}/forks', (r) => {
    const repo = repoFromPath(w, r);
    const sort = enumParam(r, 'sort', ['newest', 'oldest', 'stargazers', 'watchers'] as const, 'newest');
    const forks = forksOf(w, repo);
    if (sort === 'newest') forks.reverse();
    else if (sort !== 'oldest') {
      const key = (f: SimRepo) => (sort === 'stargazers' ? w.detail(f).stars.length : f.watcherIds.size);
      forks.sort((a, b) => key(b) - key(a) || b.createdAt - a.createdAt);
    }
    return pageOf(r, forks, (f) => minimalRepository(w, r.urls, f, r.viewerId));
  });

  api.get('/repos/:owner/:repo/events', '/repos/{owner}/{repo}/events', (r) => {
    const repo = repoFromPath(w, r);
    const res = pageOf(r, w.detail(repo).events, (e) => repoEvent(w, r.urls, repo, e));
    res.headers = { 'X-Poll-Interval': '60' };
    return res;
  });

  // ---------------------------------------------------------------- hooks (admin only)

  const hookFromPath = (r: ApiRequest, repo: SimRepo): SimHook => {
    const id = Number(r.params['hook_id']);
    const h = repo.hooks.find((x) => x.id === id);
    if (!h) throw notFound();
    return h;
  };
  const adminRepo = (r: ApiRequest, write: boolean) => {
    const repo = repoFromPath(w, r, 'admin');
    const ok = write
      ? hasScope(r.scopes, 'write:repo_hook') || hasScope(r.scopes, 'repo')
      : HOOK_SCOPES.some((s) => hasScope(r.scopes, s));
    if (!ok) throw notFound();
    return repo;
  };

  // Admins remove collaborators; anyone may remove themselves (GitHub's "leave this repository").
  api.delete(
    '/repos/:owner/:repo/collaborators/:username',
    '/repos/{owner}/{repo}/collaborators/{username}',
    async (r) => {
      const self =
        r.param('username').toLowerCase() ===
        (r.viewerId === null ? null : w.users.get(r.viewerId)?.login.toLowerCase());
      const repo = repoFromPath(w, r, self ? 'pull' : 'admin');
      if (!hasScope(r.scopes, 'repo') && !(hasScope(r.scopes, 'public_repo') && !repo.private))
        throw new SimError(403, 'Resource not accessible by integration');
      if (!w.user(r.param('username'))) throw notFound();
      await w.removeCollaborator({
        owner: w.ownerLogin(repo),
        repo: repo.name,
        login: r.param('username'),
        senderId: r.viewerId as number,
      });
      return { status: 204 };
    },
    { auth: 'required', acceptedScopes: ['repo'] },
  );

  api.get(
    '/repos/:owner/:repo/hooks',
    '/repos/{owner}/{repo}/hooks',
    (r) => {
      const repo = adminRepo(r, false);
      return pageOf(r, repo.hooks, (h) => hook(r.urls, w.fullName(repo), h));
    },
    { acceptedScopes: HOOK_SCOPES },
  );

  api.post(
    '/repos/:owner/:repo/hooks',
    '/repos/{owner}/{repo}/hooks',
    (r) => {
      const repo = adminRepo(r, true);
      const body = bodyObject(r);
      const config = validateHookConfig(body['config'], true) as SimHook['config'];
      const events = validateEvents(body['events'] ?? ['push']);
      if (body['name'] !== undefined && body['name'] !== 'web')
        throw validationFailed([{ resource: 'Hook', code: 'custom', message: 'Name must be "web".' }]);
      if (repo.hooks.some((h) => h.config.url === config.url))
        throw validationFailed([
          { resource: 'Hook', code: 'custom', message: 'Hook already exists on this repository' },
        ]);
      if (repo.hooks.length >= 20)
        throw validationFailed([
          { resource: 'Hook', code: 'custom', message: 'The "push" event cannot have more than 20 hooks' },
        ]);
      const now = Date.now();
      const h: SimHook = {
        id: w.nextId('hook'),
        name: 'web',
        active: body['active'] === undefined ? true : Boolean(body['active']),
        events,
        config,
        createdAt: now,
        updatedAt: now,
        lastResponse: { code: null, status: 'unused', message: null },
      };
      repo.hooks.push(h);
      // GitHub pings a new hook right away (asynchronously).
      void ctx.webhooks.ping(repo, h, r.viewerId as number);
      return {
        status: 201,
        body: hook(r.urls, w.fullName(repo), h),
        headers: { Location: `${r.urls.api}/repos/${w.fullName(repo)}/hooks/${h.id}` },
      };
    },
    { auth: 'required', acceptedScopes: HOOK_SCOPES },
  );

  api.get(
    '/repos/:owner/:repo/hooks/:hook_id',
    '/repos/{owner}/{repo}/hooks/{hook_id}',
    (r) => {
      const repo = adminRepo(r, false);
      return { body: hook(r.urls, w.fullName(repo), hookFromPath(r, repo)) };
    },
    { acceptedScopes: HOOK_SCOPES },
  );

  api.patch(
    '/repos/:owner/:repo/hooks/:hook_id',
    '/repos/{owner}/{repo}/hooks/{hook_id}',
    (r) => {
      const repo = adminRepo(r, true);
      const h = hookFromPath(r, repo);
      const body = bodyObject(r);
      if (body['config'] !== undefined) Object.assign(h.config, validateHookConfig(body['config'], false));
      if (body['events'] !== undefined) h.events = validateEvents(body['events']);
      if (body['add_events'] !== undefined)
        h.events = [...new Set([...h.events, ...validateEvents(body['add_events'])])];
      if (body['remove_events'] !== undefined) {
        const remove = validateEvents(body['remove_events']);
        h.events = h.events.filter((e) => !remove.includes(e));
      }
      if (body['active'] !== undefined) {
        if (typeof body['active'] !== 'boolean')
          throw validationFailed([{ resource: 'Hook', field: 'active', code: 'invalid' }]);
        h.active = body['active'];
      }
      h.updatedAt = Date.now();
      return { body: hook(r.urls, w.fullName(repo), h) };
    },
    { auth: 'required', acceptedScopes: HOOK_SCOPES },
  );

  api.delete(
    '/repos/:owner/:repo/hooks/:hook_id',
    '/repos/{owner}/{repo}/hooks/{hook_id}',
    (r) => {
      const repo = adminRepo(r, true);
      const h = hookFromPath(r, repo);
      repo.hooks.splice(repo.hooks.indexOf(h), 1);
      return { status: 204 };
    },
    { auth: 'required', acceptedScopes: HOOK_SCOPES },
  );

  api.post(
    '/repos/:owner/:repo/hooks/:hook_id/pings',
    '/repos/{owner}/{repo}/hooks/{hook_id}/pings',
    async (r) => {
      const repo = adminRepo(r, true);
      await ctx.webhooks.ping(repo, hookFromPath(r, repo), r.viewerId as number);
      return { status: 204 };
    },
    { auth: 'required', acceptedScopes: HOOK_SCOPES },
  );

  api.post(
    '/repos/:owner/:repo/hooks/:hook_id/tests',
    '/repos/{owner}/{repo}/hooks/{hook_id}/tests',
    async (r) => {
      const repo = adminRepo(r, true);
      const h = hookFromPath(r, repo);
      if (h.events.includes('push') || h.events.includes('*'))
        await ctx.webhooks.testPush(repo, h, r.viewerId as number);
      return { status: 204 };
    },
    { auth: 'required', acceptedScopes: HOOK_SCOPES },
  );

  api.get(
    '/repos/:owner/:repo/hooks/:hook_id/deliveries',
    '/repos/{owner}/{repo}/hooks/{hook_id}/deliveries',
    (r) => {
      const repo = adminRepo(r, false);
      const h = hookFromPath(r, repo);
      return deliveryPage(
        r,
        w.deliveries.filter((d) => d.hookId === h.id),
      );
    },
    { acceptedScopes: HOOK_SCOPES },
  );

  api.get(
    '/repos/:owner/:repo/hooks/:hook_id/deliveries/:delivery_id',
    '/repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}',
    (r) => {
      const repo = adminRepo(r, false);
      const h = hookFromPath(r, repo);
      const d = w.deliveries.find((x) => x.hookId === h.id && String(x.id) === r.params['delivery_id']);
      if (!d) throw notFound();
      const body = hookDelivery(d, h.config.url);
      return { body };
    },
    { acceptedScopes: HOOK_SCOPES },
  );

  api.post(
    '/repos/:owner/:repo/hooks/:hook_id/deliveries/:delivery_id/attempts',
    '/repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}/attempts',
    async (r) => {
      const repo = adminRepo(r, true);
      const h = hookFromPath(r, repo);
      const d = w.deliveries.find((x) => x.hookId === h.id && String(x.id) === r.params['delivery_id']);
      if (!d) throw notFound();
      assertRedeliverable(d);
      void ctx.webhooks.redeliver(repo, h, d);
      return { status: 202, body: {} };
    },
    { auth: 'required', acceptedScopes: HOOK_SCOPES },
  );
}

function validateHookConfig(raw: unknown, requireUrl: boolean): Partial<SimHook['config']> {
  if (raw === undefined && !requireUrl) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw validationFailed([{ resource: 'Hook', code: 'custom', message: 'Config must contain URL.' }]);
  }
  const c = raw as Record<string, unknown>;
  const out: Partial<SimHook['config']> = {};
  if (c['url'] !== undefined || requireUrl) {
    if (typeof c['url'] !== 'string' || !c['url'])
      throw validationFailed([{ resource: 'Hook', code: 'custom', message: 'Config must contain URL.' }]);
    let u: URL;
    try {
      u = new URL(c['url']);
    } catch {
      throw validationFailed([
        { resource: 'Hook', code: 'custom', message: 'Config URL is not a valid URL.' },
      ]);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw validationFailed([
        { resource: 'Hook', code: 'custom', message: 'Config URL must use http or https.' },
      ]);
    out.url = c['url'];
  }
  if (c['content_type'] !== undefined) {
    if (c['content_type'] !== 'json' && c['content_type'] !== 'form')
      throw validationFailed([{ resource: 'Hook', field: 'content_type', code: 'invalid' }]);
    out.content_type = c['content_type'];
  } else if (requireUrl) out.content_type = 'form';
  if (c['secret'] !== undefined) {
    if (typeof c['secret'] !== 'string')
      throw validationFailed([{ resource: 'Hook', field: 'secret', code: 'invalid' }]);
    out.secret = c['secret'] || undefined;
  }
  if (c['insecure_ssl'] !== undefined) {
    const v = String(c['insecure_ssl']);
    if (v !== '0' && v !== '1')
      throw validationFailed([{ resource: 'Hook', field: 'insecure_ssl', code: 'invalid' }]);
    out.insecure_ssl = v;
  } else if (requireUrl) out.insecure_ssl = '0';
  return out;
}

function validateEvents(raw: unknown): string[] {
  if (!Array.isArray(raw) || raw.some((e) => typeof e !== 'string'))
    throw validationFailed([{ resource: 'Hook', field: 'events', code: 'invalid' }]);
  const bad = (raw as string[]).find((e) => e !== '*' && !WEBHOOK_EVENTS.includes(e));
  if (bad) throw validationFailed([{ resource: 'Hook', code: 'custom', message: `Invalid event: "${bad}"` }]);
  return [...new Set(raw as string[])];
}
