import type { ApiRequest, ApiRouter } from '../http/api-router';
import type { SimContext } from '../http/sim-context';
import { notFound, SimError, validationFailed } from '../world/sim-error';
import { PERMISSION_RANK } from '../world/world-store';
import type { RepoPermission, SimOrg, SimRepo, SimTeam, SimUser } from '../world/world.types';
import { blockError, canSee, hasScope, listBlocks } from './access';
import { enumParam, pageOf, timeParam } from './pagination';
import { teamBody, visibleTeams } from './team-serializers';
import {
  iso,
  minimalRepository,
  orgSimple,
  privateUser,
  repoSizeKb,
  repository,
  simpleUser,
  type Schemas,
} from './serializers';

const ORG_SCOPES = ['read:org', 'write:org', 'admin:org', 'user'];

/** /user, /users, /orgs, teams, memberships. */
export function registerUserRoutes(api: ApiRouter, ctx: SimContext): void {
  const w = ctx.world;
  const viewer = (r: ApiRequest): SimUser => w.users.get(r.viewerId as number) as SimUser;

  api.get('/user', '/user', (r) => ({ body: privateUser(w, r.urls, viewer(r)) }), { auth: 'required' });

  api.get(
    '/user/emails',
    '/user/emails',
    (r) => {
      if (!hasScope(r.scopes, 'user:email')) throw notFound();
      const u = viewer(r);
      const emails: Schemas['email'][] = [
        { email: u.email, primary: true, verified: true, visibility: 'public' },
        {
          email: `${u.id}+${u.login}@users.noreply.${new URL(r.urls.web).hostname}`,
          primary: false,
          verified: true,
          visibility: null,
        },
      ];
      return pageOf(r, emails, (e) => e);
    },
    { auth: 'required', acceptedScopes: ['user', 'user:email'] },
  );

  api.get(
    '/user/orgs',
    '/user/orgs',
    (r) => {
      const u = viewer(r);
      const all = hasScope(r.scopes, 'read:org') || r.scopes.includes('user');
      const orgs = w.orgsOf(u.id).filter((o) => all || o.publicMembers.has(u.id));
      return pageOf(r, orgs, (o) => orgSimple(r.urls, o));
    },
    { auth: 'required', acceptedScopes: ['admin:org', 'read:org', 'repo', 'user', 'write:org'] },
  );

  api.get(
    '/user/repos',
    '/user/repos',
    (r) => {
      const u = viewer(r);
      const type = r.query('type');
      const visParam = r.query('visibility');
      const affParam = r.query('affiliation');
      if (type !== undefined && (visParam !== undefined || affParam !== undefined)) {
        throw new SimError(422, 'If you specify visibility or affiliation, you cannot specify type.');
      }
      let visibility = enumParam(r, 'visibility', ['all', 'public', 'private'] as const, 'all');
      let affiliations = ['owner', 'collaborator', 'organization_member'];
      if (affParam !== undefined) {
        affiliations = affParam
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const bad = affiliations.find((a) => !['owner', 'collaborator', 'organization_member'].includes(a));
        if (bad || !affiliations.length)
          throw validationFailed([{ resource: 'Repository', field: 'affiliation', code: 'invalid' }]);
      }
      const t = enumParam(r, 'type', ['all', 'owner', 'public', 'private', 'member'] as const, 'all');
      if (t === 'owner') affiliations = ['owner'];
      if (t === 'member') affiliations = ['collaborator', 'organization_member'];
      if (t === 'public' || t === 'private') visibility = t;
      const since = timeParam(r, 'since');
      const before = timeParam(r, 'before');
      const repos = [...w.repos.values()].filter((repo) => {
        if (repo.deleted) return false;
        const aff = w.affiliationOf(repo, u.id);
        if (!aff || !affiliations.includes(aff)) return false;
        if (!canSee(w, r, repo)) return false;
        if (visibility === 'public' && repo.private) return false;
        if (visibility === 'private' && !repo.private) return false;
        if (since !== undefined && repo.updatedAt < since) return false;
        if (before !== undefined && repo.updatedAt >= before) return false;
        return true;
      });
      // Organization policies drop that org's repositories; SSO says so in X-GitHub-SSO (partial-results).
      const { visible, headers } = listBlocks(w, r, repos);
      sortRepos(w, r, visible, 'full_name');
      return { ...pageOf(r, visible, (repo) => repository(w, r.urls, repo, u.id)), headers };
    },
    { auth: 'required', acceptedScopes: [] },
  );

  api.get('/users/:username', '/users/{username}', (r) => {
    const u = w.user(r.param('username'));
    if (u)
      return {
        body: {
          ...simpleUser(r.urls, u),
          name: u.name,
          company: u.company,
          blog: '',
          location: u.location,
          email: u.email,
          hireable: null,
          bio: u.bio,
          twitter_username: null,
          public_repos: 0,
          public_gists: 0,
          followers: 0,
          following: 0,
          created_at: iso(u.createdAt),
          updated_at: iso(u.createdAt),
        },
      };
    const o = w.org(r.param('username'));
    if (o)
      return {
        body: {
          ...simpleUser(r.urls, o, 'Organization'),
          name: o.name,
          company: null,
          blog: '',
          location: null,
          email: null,
          hireable: null,
          bio: o.description,
          twitter_username: null,
          public_repos: 0,
          public_gists: 0,
          followers: 0,
          following: 0,
          created_at: iso(o.createdAt),
          updated_at: iso(o.createdAt),
        },
      };
    throw notFound();
  });

  api.get('/users/:username/repos', '/users/{username}/repos', (r) => {
    const u = w.user(r.param('username'));
    if (!u) throw notFound();
    const repos = [...w.repos.values()].filter(
      (repo) => repo.ownerType === 'User' && repo.ownerId === u.id && !repo.deleted && !repo.private,
    );
    sortRepos(w, r, repos, 'full_name');
    return pageOf(r, repos, (repo) => minimalRepository(w, r.urls, repo, r.viewerId));
  });

  const orgOf = (r: ApiRequest): SimOrg => {
    const o = w.org(r.param('org'));
    if (!o) throw notFound();
    return o;
  };
  /** An installation token on the organization whose App has the `members` organization permission. */
  const readsMembers = (o: SimOrg, r: ApiRequest) =>
    r.installation !== undefined &&
    r.installation.installation.accountId === o.id &&
    r.installation.token.permissions['members'] !== undefined;
  const isMember = (o: SimOrg, r: ApiRequest) =>
    (r.viewerId !== null && o.members.has(r.viewerId)) || readsMembers(o, r);
  /** Teams the requester sees: an installation with `members` sees every team, secret ones too. */
  const teamsFor = (o: SimOrg, r: ApiRequest) =>
    readsMembers(o, r) ? o.teams : visibleTeams(o, r.viewerId as number);
  const orgReadAllowed = (o: SimOrg, r: ApiRequest) =>
    isMember(o, r) && (readsMembers(o, r) || hasScope(r.scopes, 'read:org'));

  api.get('/orgs/:org', '/orgs/{org}', (r) => {
    const org = orgOf(r);
    return { body: orgFull(w, r, org), lastModified: org.createdAt };
  });

  api.get('/orgs/:org/repos', '/orgs/{org}/repos', (r) => {
    const o = orgOf(r);
    const block = r.faults?.orgBlock(
      w,
      o.login,
      r.viewerId === null ? null : (w.users.get(r.viewerId)?.login ?? null),
    );
    if (block) throw blockError(w, r, block);
    const type = enumParam(
      r,
      'type',
      ['all', 'public', 'private', 'forks', 'sources', 'member'] as const,
      'all',
    );
    const repos = [...w.repos.values()].filter((repo) => {
      if (repo.ownerType !== 'Organization' || repo.ownerId !== o.id || !canSee(w, r, repo)) return false;
      if (type === 'public') return !repo.private;
      if (type === 'private') return repo.private;
      if (type === 'forks') return repo.fork;
      if (type === 'sources') return !repo.fork;
      if (type === 'member') return r.viewerId !== null && w.permissionOf(repo, r.viewerId) !== null;
      return true;
    });
    sortRepos(w, r, repos, 'created');
    return pageOf(r, repos, (repo) => minimalRepository(w, r.urls, repo, r.viewerId));
  });

  api.get('/orgs/:org/members', '/orgs/{org}/members', (r) => {
    const o = orgOf(r);
    const ids = isMember(o, r) ? [...o.members.keys()] : [...o.publicMembers];
    const role = enumParam(r, 'role', ['all', 'admin', 'member'] as const, 'all');
    const users = ids
      .filter((id) => role === 'all' || o.members.get(id) === role)
      .map((id) => w.users.get(id) as SimUser);
    users.sort((a, b) => a.id - b.id);
    return pageOf(r, users, (u) => simpleUser(r.urls, u));
  });

  // GitHub: 204 member; 404 not a member (asked by a member); 302 to public_members when the requester is not a member.
  api.get('/orgs/:org/members/:username', '/orgs/{org}/members/{username}', (r) => {
    const o = orgOf(r);
    const u = w.user(r.param('username'));
    if (!isMember(o, r)) {
      const location = `${r.urls.api}/orgs/${o.login}/public_members/${r.param('username')}`;
      return { status: 302, headers: { Location: location } };
    }
    if (u && o.members.has(u.id)) return { status: 204 };
    throw new SimError(404, 'User does not exist or is not a member of the organization');
  });

  api.get('/orgs/:org/public_members/:username', '/orgs/{org}/public_members/{username}', (r) => {
    const o = orgOf(r);
    const u = w.user(r.param('username'));
    if (u && o.publicMembers.has(u.id)) return { status: 204 };
    throw new SimError(404, 'User does not exist or is not a public member of the organization');
  });

  api.get(
    '/orgs/:org/memberships/:username',
    '/orgs/{org}/memberships/{username}',
    (r) => {
      const o = orgOf(r);
      const u = w.user(r.param('username'));
      if (!isMember(o, r) || !u || !o.members.has(u.id)) throw notFound();
      return { body: orgMembership(r, o, u) };
    },
    { auth: 'required', acceptedScopes: ORG_SCOPES },
  );

  api.get(
    '/user/memberships/orgs',
    '/user/memberships/orgs',
    (r) => {
      const u = viewer(r);
      if (!hasScope(r.scopes, 'read:org')) throw notFound();
      return pageOf(r, w.orgsOf(u.id), (o) => orgMembership(r, o, u));
    },
    { auth: 'required', acceptedScopes: ORG_SCOPES },
  );

  api.get(
    '/user/memberships/orgs/:org',
    '/user/memberships/orgs/{org}',
    (r) => {
      const o = orgOf(r);
      const u = viewer(r);
      if (!o.members.has(u.id)) throw notFound();
      return { body: orgMembership(r, o, u) };
    },
    { auth: 'required', acceptedScopes: ORG_SCOPES },
  );

  api.get(
    '/orgs/:org/teams',
    '/orgs/{org}/teams',
    (r) => {
      const o = orgOf(r);
      if (!orgReadAllowed(o, r)) throw notFound();
      return pageOf(r, teamsFor(o, r), (t) => teamBody(r.urls, o, t));
    },
    { auth: 'required', acceptedScopes: ORG_SCOPES, allowInstallation: true },
  );

  api.get(
    '/user/teams',
    '/user/teams',
    (r) => {
      const u = viewer(r);
      if (!hasScope(r.scopes, 'read:org')) throw notFound();
      const out: Array<{ org: SimOrg; team: SimOrg['teams'][number] }> = [];
      for (const o of w.orgsOf(u.id))
        for (const t of o.teams) if (t.members.has(u.id)) out.push({ org: o, team: t });
      return pageOf(r, out, ({ org, team }) => ({
        ...teamBody(r.urls, org, team),
        organization: orgSimple(r.urls, org),
      }));
    },
    { auth: 'required', acceptedScopes: ORG_SCOPES },
  );

  // A team answers 404 to non-members of the organization, and a secret team to those who cannot see it.
  const teamOf = (r: ApiRequest): { org: SimOrg; team: SimTeam } => {
    const o = orgOf(r);
    if (!orgReadAllowed(o, r)) throw notFound();
    const team = teamsFor(o, r).find((t) => t.slug === r.param('team_slug').toLowerCase());
    if (!team) throw notFound();
    return { org: o, team };
  };

  api.get(
    '/orgs/:org/teams/:team_slug',
    '/orgs/{org}/teams/{team_slug}',
    (r) => {
      const { org, team } = teamOf(r);
      const body: Schemas['team-full'] = {
        ...teamBody(r.urls, org, team),
        members_count: team.members.size,
        repos_count: team.repos.size,
        created_at: iso(org.createdAt),
        updated_at: iso(org.createdAt),
        // GitHub's `team-organization` leaves out the fields an organization has not set.
        organization: (({ blog: _b, ...rest }) => rest)(orgFull(w, r, org)),
        privacy: team.privacy,
        notification_setting: 'notifications_enabled',
      };
      return { body };
    },
    { auth: 'required', acceptedScopes: ORG_SCOPES, allowInstallation: true },
  );

  api.get(
    '/orgs/:org/teams/:team_slug/teams',
    '/orgs/{org}/teams/{team_slug}/teams',
    (r) => {
      const { org, team } = teamOf(r);
      const children = teamsFor(org, r).filter((t) => t.parentId === team.id);
      return pageOf(r, children, (t) => teamBody(r.urls, org, t));
    },
    { auth: 'required', acceptedScopes: ORG_SCOPES, allowInstallation: true },
  );

  // GitHub: the members of child teams are members of the team too.
  api.get(
    '/orgs/:org/teams/:team_slug/members',
    '/orgs/{org}/teams/{team_slug}/members',
    (r) => {
      const { org, team } = teamOf(r);
      const role = enumParam(r, 'role', ['all', 'member', 'maintainer'] as const, 'all');
      const ids = new Set<number>();
      for (const t of withDescendants(org, team))
        for (const [id, teamRole] of t.members) if (role === 'all' || teamRole === role) ids.add(id);
      const users = [...ids].map((id) => w.users.get(id) as SimUser).sort((a, b) => a.id - b.id);
      return pageOf(r, users, (u) => simpleUser(r.urls, u));
    },
    { auth: 'required', acceptedScopes: ORG_SCOPES, allowInstallation: true },
  );

  api.get(
    '/orgs/:org/teams/:team_slug/repos',
    '/orgs/{org}/teams/{team_slug}/repos',
    (r) => {
      const { org, team } = teamOf(r);
      const grants = teamGrants(org, team);
      const repos = [...grants.keys()]
        .map((id) => w.repos.get(id))
        .filter((repo): repo is SimRepo => !!repo && !repo.deleted && canSee(w, r, repo))
        .sort((a, b) => a.id - b.id);
      return pageOf(r, repos, (repo) => {
        const perm = grants.get(repo.id) as RepoPermission;
        const rank = PERMISSION_RANK[perm];
        return {
          ...minimalRepository(w, r.urls, repo, r.viewerId),
          // The team's permission, not the viewer's.
          permissions: {
            admin: rank >= PERMISSION_RANK.admin,
            maintain: rank >= PERMISSION_RANK.maintain,
            push: rank >= PERMISSION_RANK.push,
            triage: rank >= PERMISSION_RANK.triage,
            pull: true,
          },
          role_name: ROLE_NAMES[perm],
        };
      });
    },
    { auth: 'required', acceptedScopes: ORG_SCOPES, allowInstallation: true },
  );

  api.get(
    '/orgs/:org/teams/:team_slug/memberships/:username',
    '/orgs/{org}/teams/{team_slug}/memberships/{username}',
    (r) => {
      const o = orgOf(r);
      if (!orgReadAllowed(o, r)) throw notFound();
      const team = teamsFor(o, r).find((t) => t.slug === r.param('team_slug').toLowerCase());
      if (!team) throw notFound();
      const u = w.user(r.param('username'));
      const role = u ? team.members.get(u.id) : undefined;
      if (!u || !role) throw notFound();
      const body: Schemas['team-membership'] = {
        url: `${r.urls.api}/organizations/${o.id}/team/${team.id}/memberships/${u.login}`,
        role,
        state: 'active',
      };
      return { body };
    },
    { auth: 'required', acceptedScopes: ORG_SCOPES, allowInstallation: true },
  );
}

function orgMembership(r: ApiRequest, o: SimOrg, u: SimUser): Schemas['org-membership'] {
  return {
    url: `${r.urls.api}/orgs/${o.login}/memberships/${u.login}`,
    state: 'active',
    role: o.members.get(u.id) === 'admin' ? 'admin' : 'member',
    organization_url: `${r.urls.api}/orgs/${o.login}`,
    organization: orgSimple(r.urls, o),
    user: simpleUser(r.urls, u),
  };
}

function orgFull(w: SimContext['world'], r: ApiRequest, o: SimOrg) {
  return {
    ...orgSimple(r.urls, o),
    name: o.name,
    // Unset company, location and email are left out (as GitHub's recorded answer shows), not null: the
    // description types them as strings.
    blog: '',
    is_verified: false,
    has_organization_projects: true,
    has_repository_projects: true,
    public_repos: [...w.repos.values()].filter(
      (x) => x.ownerType === 'Organization' && x.ownerId === o.id && !x.private && !x.deleted,
    ).length,
    public_gists: 0,
    followers: 0,
    following: 0,
    html_url: `${r.urls.web}/${o.login}`,
    created_at: iso(o.createdAt),
    updated_at: iso(o.createdAt),
    archived_at: null,
    type: 'Organization',
    ...(r.viewerId !== null && o.members.get(r.viewerId) === 'admin' ? ownerOnly(w, o) : {}),
  };
}

/** What GitHub adds to an organization for its owners: private counts, member policies, billing and plan. */
function ownerOnly(w: SimContext['world'], o: SimOrg) {
  const repos = [...w.repos.values()].filter(
    (x) => x.ownerType === 'Organization' && x.ownerId === o.id && !x.deleted,
  );
  const privateRepos = repos.filter((x) => x.private).length;
  return {
    total_private_repos: privateRepos,
    owned_private_repos: privateRepos,
    private_gists: 0,
    disk_usage: repos.reduce((sum, x) => sum + repoSizeKb(x), 0),
    collaborators: 0,
    billing_email: `billing@${o.login.toLowerCase()}.example`,
    default_repository_permission: o.defaultRepoPermission,
    members_can_create_repositories: true,
    two_factor_requirement_enabled: false,
    members_allowed_repository_creation_type: 'all',
    members_can_create_public_repositories: true,
    members_can_create_private_repositories: true,
    members_can_create_internal_repositories: false,
    members_can_create_pages: true,
    members_can_fork_private_repositories: false,
    members_can_create_public_pages: true,
    members_can_create_private_pages: true,
    web_commit_signoff_required: false,
    plan: {
      name: 'team',
      space: 976562499,
      private_repos: 999999,
      filled_seats: o.members.size,
      seats: o.members.size,
    },
  };
}

/** The team and every team nested under it, at any depth. */
function withDescendants(o: SimOrg, team: SimTeam): SimTeam[] {
  const out = [team];
  for (let i = 0; i < out.length; i++) {
    const parentId = (out[i] as SimTeam).id;
    out.push(...o.teams.filter((t) => t.parentId === parentId));
  }
  return out;
}

/** What a team grants on each repository, its ancestors' grants included (child teams inherit them). */
function teamGrants(o: SimOrg, team: SimTeam): Map<number, RepoPermission> {
  const out = new Map<number, RepoPermission>();
  for (let t: SimTeam | undefined = team; t; t = o.teams.find((x) => x.id === t?.parentId))
    for (const [repoId, perm] of t.repos) {
      const had = out.get(repoId);
      if (!had || PERMISSION_RANK[perm] > PERMISSION_RANK[had]) out.set(repoId, perm);
    }
  return out;
}

const ROLE_NAMES: Record<RepoPermission, string> = {
  admin: 'admin',
  maintain: 'maintain',
  push: 'write',
  triage: 'triage',
  pull: 'read',
};

export function sortRepos(
  w: SimContext['world'],
  r: ApiRequest,
  repos: SimRepo[],
  fallback: 'full_name' | 'created',
): void {
  const sort = enumParam(r, 'sort', ['created', 'updated', 'pushed', 'full_name'] as const, fallback);
  const direction = enumParam(
    r,
    'direction',
    ['asc', 'desc'] as const,
    sort === 'full_name' ? 'asc' : 'desc',
  );
  const key = (x: SimRepo): number | string =>
    sort === 'created'
      ? x.createdAt
      : sort === 'updated'
        ? x.updatedAt
        : sort === 'pushed'
          ? x.pushedAt
          : w.fullName(x).toLowerCase();
  repos.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    const c = ka < kb ? -1 : ka > kb ? 1 : a.id - b.id;
    return direction === 'asc' ? c : -c;
  });
}
