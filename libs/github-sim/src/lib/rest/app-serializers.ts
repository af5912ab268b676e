import type { SimWorld } from '../world/sim-world';
import type { SimGithubApp, SimInstallation, SimInstallationToken, SimRepo } from '../world/world.types';
import { iso, nodeId, repository, userById, type Schemas, type Urls } from './serializers';

/** GET /app, GET /apps/{slug}: the `integration` schema. */
export function integration(w: SimWorld, urls: Urls, app: SimGithubApp): Schemas['integration'] {
  return {
    id: app.id,
    slug: app.slug,
    node_id: nodeId('Integration', app.id),
    client_id: app.clientId,
    owner: userById(w, urls, app.ownerId),
    name: app.name,
    description: app.description,
    external_url: urls.web,
    html_url: `${urls.web}/apps/${app.slug}`,
    created_at: iso(app.createdAt),
    updated_at: iso(app.updatedAt),
    permissions: { ...app.permissions },
    events: [...app.events],
    installations_count: [...w.installations.values()].filter((i) => i.appId === app.id).length,
  };
}

/** The `installation` schema (REST and the `installation` object of installation webhooks). */
export function installation(w: SimWorld, urls: Urls, inst: SimInstallation): Schemas['installation'] {
  const app = w.githubApps.get(inst.appId) as SimGithubApp;
  const login = w.accountLogin(inst.accountId, inst.accountType);
  return {
    id: inst.id,
    account: userById(w, urls, inst.accountId),
    repository_selection: inst.repositorySelection,
    access_tokens_url: `${urls.api}/app/installations/${inst.id}/access_tokens`,
    repositories_url: `${urls.api}/installation/repositories`,
    html_url:
      inst.accountType === 'Organization'
        ? `${urls.web}/organizations/${login}/settings/installations/${inst.id}`
        : `${urls.web}/settings/installations/${inst.id}`,
    app_id: app.id,
    app_slug: app.slug,
    client_id: app.clientId,
    target_id: inst.accountId,
    target_type: inst.accountType,
    permissions: { ...inst.permissions },
    events: [...inst.events],
    created_at: iso(inst.createdAt),
    updated_at: iso(inst.updatedAt),
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: inst.suspendedById === null ? null : userById(w, urls, inst.suspendedById),
    suspended_at: inst.suspendedAt === null ? null : iso(inst.suspendedAt),
  };
}

/** `installation: { id, node_id }`, which every webhook delivered to an App carries. */
export function simpleInstallation(inst: SimInstallation): Schemas['simple-installation'] {
  return { id: inst.id, node_id: nodeId('IntegrationInstallation', inst.id) };
}

/** The short repository entries of installation webhooks. */
export function installationRepoEntry(
  w: SimWorld,
  repo: SimRepo,
): { id: number; node_id: string; name: string; full_name: string; private: boolean } {
  return {
    id: repo.id,
    node_id: nodeId('Repository', repo.id),
    name: repo.name,
    full_name: w.fullName(repo),
    private: repo.private,
  };
}

/** POST /app/installations/{id}/access_tokens: the `installation-token` schema. */
export function installationToken(
  w: SimWorld,
  urls: Urls,
  inst: SimInstallation,
  rec: SimInstallationToken,
): Schemas['installation-token'] {
  const out: Schemas['installation-token'] = {
    token: rec.token,
    expires_at: iso(rec.expiresAt),
    permissions: { ...rec.permissions },
    repository_selection: rec.repoIds ? 'selected' : inst.repositorySelection,
  };
  if (rec.repoIds || inst.repositorySelection === 'selected') {
    const ids = rec.repoIds ?? [...inst.repoIds];
    out.repositories = ids
      .map((id) => w.repos.get(id))
      .filter((r): r is SimRepo => !!r && !r.deleted)
      .map((r) => repository(w, urls, r, null));
  }
  return out;
}
