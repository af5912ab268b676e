import express, { type Request, type Response, type Router } from 'express';
import { SimError } from '../world/sim-error';
import type { SimGithubApp } from '../world/world.types';
import { escapeHtml, htmlPage } from './oauth.routes';
import type { SimContext } from './sim-context';

/**
 * GitHub's install page, `/apps/{slug}/installations/new`: pick the account (a user or an organization) and the
 * repositories (all, or the ones ticked), press Install. The installation is created (its webhook is sent), then
 * the browser goes to the App's setup URL with `installation_id` and `setup_action=install`, as on GitHub.
 * Browser tests click `button[data-account="acme-corp"]`.
 */
export function appInstallRouter(ctx: SimContext): Router {
  const r = express.Router();
  const w = ctx.world;
  const appOf = (req: Request): SimGithubApp | undefined =>
    [...w.githubApps.values()].find((a) => a.slug === String(req.params['slug']));

  // The App's page for browsers; API clients get the REST `GET /apps/{app_slug}` (github-apps.routes.ts).
  r.get('/apps/:slug', (req, res, next) => {
    const app = appOf(req);
    if (!app || !(req.headers.accept ?? '').includes('text/html')) return next();
    htmlPage(
      res,
      200,
      app.name,
      `<h1>${escapeHtml(app.name)}</h1><p><a href="/apps/${escapeHtml(app.slug)}/installations/new">Install</a></p>`,
    );
  });

  r.get('/apps/:slug/installations/new', (req, res) => {
    const app = appOf(req);
    if (!app) return htmlPage(res, 404, 'Not Found', '<p>No GitHub App has this name.</p>');
    const state = typeof req.query['state'] === 'string' ? req.query['state'] : '';
    const installed = new Set(
      [...w.installations.values()].filter((i) => i.appId === app.id).map((i) => i.accountId),
    );
    const accounts = [
      ...[...w.orgs.values()].map((o) => ({ login: o.login, id: o.id, kind: 'organization' })),
      ...[...w.users.values()].slice(0, 50).map((u) => ({ login: u.login, id: u.id, kind: 'user' })),
    ];
    const items = accounts
      .map(
        (a) =>
          `<li><button type="submit" name="account" value="${escapeHtml(a.login)}" data-account="${escapeHtml(a.login)}">` +
          `<img src="/avatars/u/${a.id}?s=32" width="32" height="32" alt=""><span><strong>${escapeHtml(a.login)}</strong><br>` +
          `${a.kind}${installed.has(a.id) ? ' · installed' : ''}</span></button></li>`,
      )
      .join('');
    htmlPage(
      res,
      200,
      `Install ${escapeHtml(app.name)}`,
      `<h1>Install <strong>${escapeHtml(app.name)}</strong></h1>` +
        `<form method="post" action="/apps/${escapeHtml(app.slug)}/installations/new">` +
        `<input type="hidden" name="state" value="${escapeHtml(state)}">` +
        `<p><label><input type="radio" name="repository_selection" value="all" checked> All repositories</label><br>` +
        `<label><input type="radio" name="repository_selection" value="selected"> Only select repositories: ` +
        `<input name="repositories" placeholder="repo-a, repo-b" aria-label="repositories"></label></p>` +
        `<p>Install on:</p><ul>${items}</ul></form>`,
    );
  });

  r.post(
    '/apps/:slug/installations/new',
    express.urlencoded({ extended: false, limit: '16kb' }),
    (req: Request, res: Response, next) => {
      void (async () => {
        const app = appOf(req);
        if (!app) return htmlPage(res, 404, 'Not Found', '<p>No GitHub App has this name.</p>');
        const body = (req.body ?? {}) as Record<string, unknown>;
        const account = typeof body['account'] === 'string' ? body['account'] : '';
        const selected = body['repository_selection'] === 'selected';
        const names =
          typeof body['repositories'] === 'string'
            ? body['repositories']
                .split(/[\s,]+/)
                .map((n) => n.trim())
                .filter(Boolean)
            : [];
        const target = w.account(account);
        const existing = target
          ? [...w.installations.values()].find((i) => i.appId === app.id && i.accountId === target.id)
          : undefined;
        let id = existing?.id;
        try {
          if (!existing) {
            const inst = await w.installApp({
              app: app.id,
              account,
              repositorySelection: selected ? 'selected' : 'all',
              repositories: selected ? names : undefined,
            });
            id = inst.id;
          }
        } catch (e) {
          if (e instanceof SimError)
            return htmlPage(res, e.status, 'Cannot install', `<p>${escapeHtml(e.message)}</p>`);
          throw e;
        }
        await w.settled();
        const back = new URL(app.setupUrl ?? `${ctx.origin}/apps/${app.slug}`);
        back.searchParams.set('installation_id', String(id));
        back.searchParams.set('setup_action', existing ? 'update' : 'install');
        if (typeof body['state'] === 'string' && body['state']) back.searchParams.set('state', body['state']);
        res.redirect(302, back.toString());
      })().catch(next);
    },
  );
  return r;
}
