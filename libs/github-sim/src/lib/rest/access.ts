import type { ApiRequest } from '../http/api-router';
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
  return scopes.some((s) => s === scope || (IMPLIED[s] ?? []).includes(scope) || (IMPLIED[s] ?? []).some((child) => (IMPLIED[child] ?? []).includes(scope)));
}

/** Can this request see the repo? Private repos need access *and* the `repo` scope (classic OAuth). */
export function canSee(w: SimWorld, r: Pick<ApiRequest, 'viewerId' | 'scopes'>, repo: SimRepo): boolean {
  if (repo.deleted) return false;
  if (!repo.private) return true;
  return r.viewerId !== null && hasScope(r.scopes, 'repo') && w.permissionOf(repo, r.viewerId) !== null;
}

const RANK: Record<RepoPermission, number> = { pull: 1, triage: 2, push: 3, maintain: 4, admin: 5 };

/**
 * The repo named in the path, as GitHub resolves it: case-insensitive, 301 for renamed/transferred repos,
 * 404 (never 403) when the caller may not see it.
 */
export function repoFromPath(w: SimWorld, r: ApiRequest, need?: RepoPermission): SimRepo {
  const { owner, repo: name } = r.params;
  const repo = w.repo(owner, name);
  if (!repo) {
    const moved = w.movedRepo(owner, name);
    if (moved && canSee(w, r, moved)) {
      const rest = r.req.path.replace(/^\/repos\/[^/]+\/[^/]+/, '');
      throw new SimError(301, 'Moved Permanently', { url: `${r.urls.api}/repositories/${moved.id}${rest}` }, { Location: `${r.urls.api}/repositories/${moved.id}${rest}` });
    }
    throw notFound();
  }
  if (!canSee(w, r, repo)) throw notFound();
  if (need) {
    const p = r.viewerId === null ? null : w.permissionOf(repo, r.viewerId);
    if (!p || RANK[p] < RANK[need]) {
      // GitHub hides admin-only resources (hooks) behind 404 and answers 403 for write attempts on readable repos.
      throw need === 'admin' ? notFound() : new SimError(403, 'Must have push access to repository');
    }
  }
  return repo;
}

export function requireScope(r: ApiRequest, ...anyOf: string[]): void {
  if (!anyOf.some((s) => hasScope(r.scopes, s))) throw notFound();
}

export function bodyObject(r: ApiRequest): Record<string, unknown> {
  const b = r.body;
  if (b === undefined || b === null || (typeof b === 'object' && Object.keys(b as object).length === 0 && !Array.isArray(b))) return {};
  if (typeof b !== 'object' || Array.isArray(b)) throw new SimError(400, 'Problems parsing JSON');
  return b as Record<string, unknown>;
}
