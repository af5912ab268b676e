import { createHash } from 'node:crypto';
import type { ApiRequest } from '../http/api-router';
import { NOT_ACCESSIBLE_BY_INTEGRATION, tokenCovers } from '../http/app-auth';
import { OAUTH_APP_POLICY_DOCS, oauthAppPolicyMessage, SSO_DOCS, SSO_MESSAGE } from '../http/faults';
import type { RepoBlock } from '../sim.types';
import type { SimWorld } from '../world/sim-world';
import { notFound, SimError } from '../world/sim-error';
import type { RepoPermission, SimRepo } from '../world/world.types';

const IMPLIED: Record<string, string[]> = {
  repo: ['repo:status', 'repo_deployment', 'public_repo', 'repo:invite', 'security_events'],
  'admin:org': ['write:org', 'read:org'],
  'write:org': ['read:org'],
  'admin:repo_hook': ['write:repo_hook', 'read:repo_hook'],
  'write:repo_hook': ['read:repo_hook'],
  user: ['read:user', 'user:email', 'user:follow'],
};

/** Does a classic OAuth scope list grant `scope` (directly or through a parent scope)? */
export function hasScope(scopes: readonly string[], scope: string): boolean {
  return scopes.some(
    (s) =>
      s === scope ||
      (IMPLIED[s] ?? []).includes(scope) ||
      (IMPLIED[s] ?? []).some((child) => (IMPLIED[child] ?? []).includes(scope)),
  );
}

export type Viewer = Pick<ApiRequest, 'viewerId' | 'scopes' | 'installation' | 'userApp'>;

/**
 * Can this request see the repo? Private repos need access *and* the `repo` scope (classic OAuth); an
 * installation token sees its installation's repositories (narrowed by the token), a GitHub App's user token
 * the ones the user can read where the App is installed. Public repositories are readable by everyone.
 */
export function canSee(w: SimWorld, r: Viewer, repo: SimRepo): boolean {
  if (repo.deleted) return false;
  if (r.installation) return !repo.private || tokenCovers(w, r.installation, repo.id);
  if (!repo.private) return true;
  if (r.viewerId === null || w.permissionOf(repo, r.viewerId) === null) return false;
  if (r.userApp) return w.installationFor(r.userApp, repo) !== undefined;
  return hasScope(r.scopes, 'repo');
}

/** The App permission a repository route needs from an installation token (GitHub answers 403 without it). */
function integrationPermission(path: string): string {
  const [, sub = ''] = /^(?:\/api\/v3)?\/repos\/[^/]+\/[^/]+\/([^/?]+)/.exec(path) ?? [];
  if (['commits', 'branches', 'git', 'compare', 'contents', 'tags', 'releases'].includes(sub))
    return 'contents';
  if (sub === 'pulls') return 'pull_requests';
  if (sub === 'issues') return 'issues';
  if (sub === 'deployments') return 'deployments';
  if (sub === 'actions') return 'actions';
  if (sub === 'hooks') return 'repository_hooks';
  return 'metadata';
}

const RANK: Record<RepoPermission, number> = { pull: 1, triage: 2, push: 3, maintain: 4, admin: 5 };

/**
 * The repo named in the path, as GitHub resolves it: case-insensitive, 301 (GET) or 307 (other methods) for renamed/transferred repos,
 * 404 (never 403) when the caller may not see it.
 */
/** Where a redirect's body points (what api.github.com sent in 2024: gidgethub/gidgethub#214). */
const REDIRECT_DOCS =
  'https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api#follow-redirects';

export function repoFromPath(w: SimWorld, r: ApiRequest, need?: RepoPermission): SimRepo {
  const owner = r.param('owner');
  const name = r.param('repo');
  const repo = w.repo(owner, name);
  if (!repo) {
    const moved = w.movedRepo(owner, name);
    if (moved && canSee(w, r, moved)) {
      const rest = r.req.path.replace(/^\/repos\/[^/]+\/[^/]+/, '');
      const query = r.req.originalUrl.includes('?')
        ? r.req.originalUrl.slice(r.req.originalUrl.indexOf('?'))
        : '';
      const location = `${r.urls.api}/repositories/${moved.id}${rest}${query}`;
      // GitHub answers 301 to GET/HEAD and 307 to other methods, so a POST is repeated as a POST (docs: "Follow redirects").
      const get = r.req.method === 'GET' || r.req.method === 'HEAD';
      throw new SimError(
        get ? 301 : 307,
        'Moved Permanently',
        { url: location, documentation_url: REDIRECT_DOCS },
        { Location: location },
      );
    }
    throw notFound();
  }
  if (!canSee(w, r, repo)) throw notFound();
  if (r.installation && tokenCovers(w, r.installation, repo.id)) {
    const needed = integrationPermission(r.req.path);
    const level = r.installation.token.permissions[needed];
    const write = r.req.method !== 'GET' && r.req.method !== 'HEAD';
    if (!level || (write && level === 'read')) throw new SimError(403, NOT_ACCESSIBLE_BY_INTEGRATION);
  }
  const viaId = /^(?:\/api\/v3)?\/repositories\/\d+/.test(r.req.originalUrl ?? '');
  const block = r.faults?.repoBlock(w, repo, viewerLogin(w, r), viaId);
  if (block) throw blockError(w, r, block);
  if (need && r.installation) {
    if (!tokenCovers(w, r.installation, repo.id)) throw notFound();
  } else if (need) {
    const p = r.viewerId === null ? null : w.permissionOf(repo, r.viewerId);
    if (!p || RANK[p] < RANK[need]) {
      // GitHub hides admin-only resources (hooks) behind 404 and answers 403 for write attempts on readable repos.
      throw need === 'admin' ? notFound() : new SimError(403, 'Must have push access to repository');
    }
  }
  return repo;
}

function viewerLogin(w: SimWorld, r: Pick<ApiRequest, 'viewerId'>): string | null {
  return r.viewerId === null ? null : (w.users.get(r.viewerId)?.login ?? null);
}

/** The X-GitHub-SSO value GitHub sends with a 403: where the user authorizes this token for the org. */
export function ssoHeader(r: Pick<ApiRequest, 'urls' | 'viewerId'>, org: string): string {
  const opaque = createHash('sha256').update(`${org}\0${r.viewerId}`).digest('hex').slice(0, 40);
  return `required; url=${r.urls.web}/orgs/${org}/sso?authorization_request=${opaque}`;
}

/** GitHub's REST answer for a repository hidden by a fault: 404, SSO 403 with X-GitHub-SSO, or OAuth App policy 403. */
export function blockError(
  w: SimWorld,
  r: Pick<ApiRequest, 'urls' | 'viewerId'>,
  block: RepoBlock,
): SimError {
  if (block.kind === 'notFound') return notFound();
  if (block.kind === 'sso')
    return new SimError(
      403,
      SSO_MESSAGE,
      { documentation_url: SSO_DOCS },
      { 'X-GitHub-SSO': ssoHeader(r, block.org) },
    );
  return new SimError(403, oauthAppPolicyMessage(block.org), { documentation_url: OAUTH_APP_POLICY_DOCS });
}

/** Repositories an organization policy hides from list answers, and the X-GitHub-SSO partial-results header. */
export function listBlocks(
  w: SimWorld,
  r: Pick<ApiRequest, 'faults' | 'viewerId'>,
  repos: SimRepo[],
): { visible: SimRepo[]; headers: Record<string, string> } {
  const login = viewerLogin(w, r);
  const ssoOrgs = new Set<number>();
  const visible = repos.filter((repo) => {
    if (repo.ownerType !== 'Organization') return true;
    const b = r.faults?.orgBlock(w, w.ownerLogin(repo), login);
    if (b?.kind === 'sso') ssoOrgs.add(b.orgId);
    return !b;
  });
  return {
    visible,
    headers: ssoOrgs.size
      ? { 'X-GitHub-SSO': `partial-results; organizations=${[...ssoOrgs].join(',')}` }
      : {},
  };
}

export function requireScope(r: ApiRequest, ...anyOf: string[]): void {
  if (!anyOf.some((s) => hasScope(r.scopes, s))) throw notFound();
}

export function bodyObject(r: ApiRequest): Record<string, unknown> {
  const b = r.body;
  if (
    b === undefined ||
    b === null ||
    (typeof b === 'object' && Object.keys(b as object).length === 0 && !Array.isArray(b))
  )
    return {};
  if (typeof b !== 'object' || Array.isArray(b)) throw new SimError(400, 'Problems parsing JSON');
  return b as Record<string, unknown>;
}
