import { GraphQLError } from 'graphql';
import { oauthAppPolicyMessage, SSO_MESSAGE, type FaultInjector } from '../http/faults';
import { canSee, hasScope } from '../rest/access';
import { avatarUrl, decodeNodeId, iso, nodeId, type Urls } from '../rest/serializers';
import type { SimWorld } from '../world/sim-world';
import type {
  RepoPermission,
  SimCommit,
  SimIssue,
  SimOrg,
  SimPull,
  SimRepo,
  SimReview,
  SimTeam,
  SimUser,
} from '../world/world.types';
import { listConnection, typedError, type PageArgs } from './connection';

/** Per-request state the resolvers share. */
export interface GqlContext {
  world: SimWorld;
  viewerId: number;
  scopes: string[];
  urls: Urls;
  rateLimit: {
    cost: number;
    limit: number;
    nodeCount: number;
    remaining: number;
    resetAt: string;
    used: number;
  };
  faults?: FaultInjector;
  viewerLogin?: string;
  /** Objects whose faulted figure was resolved so far in this request (graphqlPartial's everyN). */
  partialSeen?: number;
}

const FIGURE_LABEL: Record<string, string> = {
  additions: 'additions',
  deletions: 'deletions',
  changedFiles: 'changed files',
};

type Obj = Record<string, unknown>;
type OrderArg = { field: string; direction: 'ASC' | 'DESC' } | null | undefined;

const LANGUAGE_COLORS: Record<string, string> = {
  TypeScript: '#3178c6',
  Go: '#00ADD8',
  Python: '#3572A5',
  Rust: '#dea584',
  Java: '#b07219',
  Ruby: '#701516',
  JavaScript: '#f1e05a',
  HCL: '#844FBA',
  HTML: '#e34c26',
  CSS: '#663399',
  Shell: '#89e051',
  Makefile: '#427819',
  Dockerfile: '#384d54',
  Kotlin: '#A97BFF',
};

const PERMISSION_ENUM: Record<RepoPermission, string> = {
  admin: 'ADMIN',
  maintain: 'MAINTAIN',
  push: 'WRITE',
  triage: 'TRIAGE',
  pull: 'READ',
};

function sortBy<T>(
  items: T[],
  order: OrderArg,
  keys: Record<string, (t: T) => number | string>,
  fallback: string,
): T[] {
  const field = order?.field ?? fallback;
  const key = keys[field] ?? keys[fallback];
  const dir = order?.direction === 'DESC' ? -1 : 1;
  return [...items].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return (x < y ? -1 : x > y ? 1 : 0) * dir;
  });
}

function parseTime(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms))
    throw typedError(
      'INVALID_ARGUMENTS',
      `Argument '${name}' on Field 'history' has an invalid value (${JSON.stringify(v)}). Expected type 'GitTimestamp'.`,
    );
  return ms;
}

export function notSimulated(what: string): Error {
  return typedError(
    'NOT_SIMULATED',
    `github-sim does not simulate ${what} yet (the query is valid against GitHub's schema).`,
  );
}

export class GqlModels {
  constructor(private readonly c: GqlContext) {}

  private get w(): SimWorld {
    return this.c.world;
  }

  private visible(repo: SimRepo): boolean {
    return canSee(this.w, { viewerId: this.c.viewerId, scopes: this.c.scopes }, repo);
  }

  /** An organization policy or notFound fault on this repository, as GitHub's GraphQL API reports it. */
  private blockError(repo: SimRepo, asked: string): GraphQLError | null {
    const b = this.c.faults?.repoBlock(this.w, repo, this.c.viewerLogin ?? null);
    if (!b) return null;
    if (b.kind === 'notFound')
      return typedError('NOT_FOUND', `Could not resolve to a Repository with the name '${asked}'.`);
    // fwouts/prmonitor#1042: FORBIDDEN with extensions.saml_failure, the field nulled, HTTP 200.
    if (b.kind === 'sso')
      return new GraphQLError(SSO_MESSAGE, { extensions: { type: 'FORBIDDEN', saml_failure: true } });
    return typedError('FORBIDDEN', oauthAppPolicyMessage(b.org));
  }

  /** A figure GitHub may fail to compute (graphqlPartial): a non-null field whose error nulls its object. */
  private figure(
    repo: SimRepo,
    kind: 'commit' | 'pull request',
    field: 'additions' | 'deletions' | 'changedFiles',
    value: number,
  ): number | (() => number) {
    const f = this.c.faults?.partialFor(this.w.fullName(repo), this.c.viewerLogin ?? '');
    if (!f || f.field !== field) return value;
    return () => {
      const n = this.c.partialSeen ?? 0;
      this.c.partialSeen = n + 1;
      if (n % f.everyN !== 0 || !f.take()) return value;
      throw new GraphQLError(`The ${FIGURE_LABEL[field]} count for this ${kind} is unavailable.`);
    };
  }

  /** The `repositories` connection filters GitHub offers (privacy, isFork, isArchived), on visible repos only. */
  private repoMatches(r: SimRepo, a: { privacy?: string; isFork?: boolean; isArchived?: boolean }): boolean {
    if (r.deleted || !this.visible(r)) return false;
    if (
      r.ownerType === 'Organization' &&
      this.c.faults?.orgBlock(this.w, this.w.ownerLogin(r), this.c.viewerLogin ?? null)
    )
      return false;
    if (a.privacy === 'PUBLIC' && r.private) return false;
    if (a.privacy === 'PRIVATE' && !r.private) return false;
    if (typeof a.isFork === 'boolean' && r.fork !== a.isFork) return false;
    return typeof a.isArchived !== 'boolean' || r.archived === a.isArchived;
  }

  // ---------------------------------------------------------------- root

  query(): Obj {
    const w = this.w;
    return {
      viewer: () => this.user(w.users.get(this.c.viewerId) as SimUser),
      repository: (a: { owner: string; name: string; followRenames?: boolean }) => {
        const repo =
          w.repo(a.owner, a.name) ?? (a.followRenames === false ? undefined : w.movedRepo(a.owner, a.name));
        if (!repo || !this.visible(repo))
          throw typedError(
            'NOT_FOUND',
            `Could not resolve to a Repository with the name '${a.owner}/${a.name}'.`,
          );
        const blocked = this.blockError(repo, `${a.owner}/${a.name}`);
        if (blocked) throw blocked;
        return this.repository(repo);
      },
      user: (a: { login: string }) => {
        const u = w.user(a.login);
        if (!u) throw typedError('NOT_FOUND', `Could not resolve to a User with the login of '${a.login}'.`);
        return this.user(u);
      },
      organization: (a: { login: string }) => {
        const o = w.org(a.login);
        if (!o)
          throw typedError(
            'NOT_FOUND',
            `Could not resolve to an Organization with the login of '${a.login}'.`,
          );
        return this.organization(o);
      },
      repositoryOwner: (a: { login: string }) => {
        const u = w.user(a.login);
        if (u) return this.user(u);
        const o = w.org(a.login);
        return o ? this.organization(o) : null;
      },
      node: (a: { id: string }) => {
        const n = this.node(a.id);
        if (n instanceof GraphQLError) throw n;
        if (!n) throw typedError('NOT_FOUND', `Could not resolve to a node with the global id of '${a.id}'`);
        return n;
      },
      nodes: (a: { ids: string[] }) => {
        if (a.ids.length > 100)
          throw typedError('EXCESSIVE_PAGINATION', 'You may not request more than 100 node IDs at once.');
        return a.ids.map(
          (id) =>
            this.node(id) ??
            typedError('NOT_FOUND', `Could not resolve to a node with the global id of '${id}'`),
        );
      },
      rateLimit: () => ({ __typename: 'RateLimit', ...this.c.rateLimit }),
      search: () => {
        throw notSimulated('Query.search');
      },
    };
  }

  /**
   * Resolve a global node id (legacy base64 format) that the viewer may see. Objects of a repository hidden by a
   * fault come back as the error GitHub reports for them (FORBIDDEN for org policies, NOT_FOUND for notFound).
   */
  node(id: string): Obj | GraphQLError | null {
    const n = this.nodeOf(id);
    if (!n) return null;
    const blocked = n.repo ? this.blockError(n.repo, this.w.fullName(n.repo)) : null;
    if (blocked?.extensions['type'] === 'NOT_FOUND')
      return typedError('NOT_FOUND', `Could not resolve to a node with the global id of '${id}'`);
    return blocked ?? n.obj;
  }

  private nodeOf(id: string): { obj: Obj; repo?: SimRepo } | null {
    const d = decodeNodeId(id);
    if (!d) return null;
    const w = this.w;
    const num = Number(d.key);
    switch (d.type) {
      case 'Repository': {
        const r = w.repos.get(num);
        return r && this.visible(r) ? { obj: this.repository(r), repo: r } : null;
      }
      case 'User': {
        const u = w.users.get(num);
        return u ? { obj: this.user(u) } : null;
      }
      case 'Organization': {
        const o = w.orgs.get(num);
        return o ? { obj: this.organization(o) } : null;
      }
      case 'Commit': {
        const [repoId, sha] = d.key.split(':');
        const r = w.repos.get(Number(repoId));
        const commit = r && this.visible(r) ? w.graph(r).get(sha) : undefined;
        return r && commit ? { obj: this.commit(r, commit), repo: r } : null;
      }
      case 'PullRequest':
      case 'Issue': {
        for (const r of w.repos.values()) {
          if (!r.detail || !this.visible(r)) continue;
          if (d.type === 'PullRequest') {
            const p = r.detail.pulls.find((x) => x.id === num);
            if (p) return { obj: this.pull(r, p), repo: r };
          } else {
            const i = r.detail.issues.find((x) => x.id === num);
            if (i) return { obj: this.issue(r, i), repo: r };
          }
        }
        return null;
      }
      case 'Team': {
        for (const o of w.orgs.values()) {
          const t = o.teams.find((x) => x.id === num);
          if (t && o.members.has(this.c.viewerId)) return { obj: this.team(o, t) };
        }
        return null;
      }
      default:
        return null;
    }
  }

  // ---------------------------------------------------------------- owners

  user(u: SimUser): Obj {
    const w = this.w;
    const isViewer = u.id === this.c.viewerId;
    return {
      __typename: 'User',
      id: nodeId('User', u.id),
      databaseId: u.id,
      login: u.login,
      name: u.name,
      email: isViewer && hasScope(this.c.scopes, 'user:email') ? u.email : isViewer ? '' : u.email,
      avatarUrl: () => avatarUrl(this.c.urls, u.id),
      url: `${this.c.urls.web}/${u.login}`,
      resourcePath: `/${u.login}`,
      createdAt: iso(u.createdAt),
      updatedAt: iso(u.createdAt),
      company: u.company,
      location: u.location,
      bio: u.bio,
      websiteUrl: null,
      twitterUsername: null,
      isSiteAdmin: u.siteAdmin,
      isViewer,
      repositories: (
        a: PageArgs & {
          privacy?: string;
          orderBy?: OrderArg;
          ownerAffiliations?: string[];
          affiliations?: string[];
          isFork?: boolean;
          isArchived?: boolean;
        },
      ) => {
        const owner = a.ownerAffiliations ?? ['OWNER', 'COLLABORATOR'];
        const aff = a.affiliations ?? owner;
        const repos = [...w.repos.values()].filter((r) => {
          const af = w.affiliationOf(r, u.id);
          return !!af && aff.includes(af.toUpperCase()) && this.repoMatches(r, a);
        });
        return this.repoConnection(repos, a);
      },
      organizations: (a: PageArgs) => {
        const all = isViewer && (hasScope(this.c.scopes, 'read:org') || this.c.scopes.includes('user'));
        const orgs = w.orgsOf(u.id).filter((o) => all || o.publicMembers.has(u.id));
        return listConnection(orgs, a, (o) => this.organization(o));
      },
      starredRepositories: (a: PageArgs) => {
        const repos = [...w.repos.values()].filter(
          (r) => r.detail?.stars.some((s) => s.userId === u.id) && this.visible(r),
        );
        return { ...listConnection(repos, a, (r) => this.repository(r)), isOverLimit: false };
      },
    };
  }

  organization(o: SimOrg): Obj {
    const w = this.w;
    const isMember = o.members.has(this.c.viewerId);
    return {
      __typename: 'Organization',
      id: nodeId('Organization', o.id),
      databaseId: o.id,
      login: o.login,
      name: o.name,
      description: o.description,
      email: null,
      location: null,
      websiteUrl: null,
      isVerified: false,
      createdAt: iso(o.createdAt),
      updatedAt: iso(o.createdAt),
      avatarUrl: () => avatarUrl(this.c.urls, o.id),
      url: `${this.c.urls.web}/${o.login}`,
      resourcePath: `/${o.login}`,
      viewerIsAMember: isMember,
      viewerCanAdminister: o.members.get(this.c.viewerId) === 'admin',
      repositories: (
        a: PageArgs & { privacy?: string; orderBy?: OrderArg; isFork?: boolean; isArchived?: boolean },
      ) => {
        const repos = [...w.repos.values()].filter(
          (r) => r.ownerType === 'Organization' && r.ownerId === o.id && this.repoMatches(r, a),
        );
        return this.repoConnection(repos, a);
      },
      membersWithRole: (a: PageArgs) => {
        const ids = isMember ? [...o.members.keys()] : [...o.publicMembers];
        const users = ids.map((id) => w.users.get(id) as SimUser);
        return listConnection(
          users,
          a,
          (u) => this.user(u),
          (u) => ({ role: o.members.get(u.id) === 'admin' ? 'ADMIN' : 'MEMBER', hasTwoFactorEnabled: null }),
        );
      },
      teams: (a: PageArgs & { userLogins?: string[]; query?: string }) => {
        if (!isMember || !hasScope(this.c.scopes, 'read:org')) return listConnection([], a, (t) => t);
        let teams = this.visibleTeams(o);
        if (a.userLogins?.length) {
          const ids = a.userLogins.map((l) => w.user(l)?.id).filter((x): x is number => x !== undefined);
          teams = teams.filter((t) => ids.some((id) => t.members.has(id)));
        }
        if (a.query)
          teams = teams.filter((t) => t.name.toLowerCase().includes((a.query as string).toLowerCase()));
        return listConnection(teams, a, (t) => this.team(o, t));
      },
      team: (a: { slug: string }) => {
        if (!isMember || !hasScope(this.c.scopes, 'read:org')) return null;
        const t = this.visibleTeams(o).find((x) => x.slug === a.slug.toLowerCase());
        return t ? this.team(o, t) : null;
      },
    };
  }

  private visibleTeams(o: SimOrg): SimTeam[] {
    const isAdmin = o.members.get(this.c.viewerId) === 'admin';
    return o.teams.filter((t) => t.privacy === 'closed' || isAdmin || t.members.has(this.c.viewerId));
  }

  team(o: SimOrg, t: SimTeam): Obj {
    const w = this.w;
    return {
      __typename: 'Team',
      id: nodeId('Team', t.id),
      databaseId: t.id,
      name: t.name,
      slug: t.slug,
      combinedSlug: `${o.login}/${t.slug}`,
      description: t.description,
      privacy: t.privacy === 'secret' ? 'SECRET' : 'VISIBLE',
      url: `${this.c.urls.web}/orgs/${o.login}/teams/${t.slug}`,
      organization: () => this.organization(o),
      members: (a: PageArgs & { role?: string }) => {
        const entries = [...t.members.entries()].filter(
          ([, role]) => !a.role || role.toUpperCase() === a.role,
        );
        return listConnection(
          entries,
          a,
          ([id]) => this.user(w.users.get(id) as SimUser),
          ([, role]) => ({ role: role.toUpperCase() }),
        );
      },
      repositories: (a: PageArgs) => {
        const entries = [...t.repos.entries()]
          .map(([id, p]) => [w.repos.get(id), p] as const)
          .filter((e): e is readonly [SimRepo, RepoPermission] => !!e[0] && this.visible(e[0]));
        return listConnection(
          entries,
          a,
          ([r]) => this.repository(r),
          ([, p]) => ({ permission: PERMISSION_ENUM[p] }),
        );
      },
    };
  }

  private owner(repo: SimRepo): Obj {
    return repo.ownerType === 'User'
      ? this.user(this.w.users.get(repo.ownerId) as SimUser)
      : this.organization(this.w.orgs.get(repo.ownerId) as SimOrg);
  }

  private repoConnection(repos: SimRepo[], a: PageArgs & { orderBy?: OrderArg }) {
    const w = this.w;
    const sorted = sortBy(
      repos,
      a.orderBy,
      {
        CREATED_AT: (r) => r.createdAt * 1e4 + (r.id % 1e4),
        UPDATED_AT: (r) => r.updatedAt,
        PUSHED_AT: (r) => r.pushedAt,
        NAME: (r) => r.name.toLowerCase(),
        STARGAZERS: (r) => w.detail(r).stars.length,
      },
      'CREATED_AT',
    );
    const conn = listConnection(sorted, a, (r) => this.repository(r));
    return {
      ...conn,
      totalDiskUsage: sorted.reduce(
        (s, r) => s + Math.round(Object.values(r.languages).reduce((x, y) => x + y, 0) / 1024),
        0,
      ),
      isOverLimit: false,
    };
  }

  // ---------------------------------------------------------------- repository

  repository(repo: SimRepo): Obj {
    const w = this.w;
    const full = w.fullName(repo);
    const url = `${this.c.urls.web}/${full}`;
    const d = () => w.detail(repo);
    const perm = w.permissionOf(repo, this.c.viewerId);
    return {
      __typename: 'Repository',
      id: nodeId('Repository', repo.id),
      databaseId: repo.id,
      name: repo.name,
      nameWithOwner: full,
      owner: () => this.owner(repo),
      description: repo.description,
      homepageUrl: repo.homepage,
      url,
      resourcePath: `/${full}`,
      sshUrl: `git@${new URL(this.c.urls.web).host}:${full}.git`,
      isPrivate: repo.private,
      visibility: repo.visibility.toUpperCase(),
      isFork: repo.fork,
      isArchived: repo.archived,
      isDisabled: repo.disabled,
      isTemplate: false,
      isMirror: false,
      isLocked: false,
      isEmpty: false,
      isInOrganization: repo.ownerType === 'Organization',
      createdAt: iso(repo.createdAt),
      updatedAt: iso(repo.updatedAt),
      pushedAt: iso(repo.pushedAt),
      archivedAt: null,
      diskUsage: Math.round(Object.values(repo.languages).reduce((a, b) => a + b, 0) / 1024),
      forkCount: repo.forksCount,
      forkingAllowed: true,
      hasIssuesEnabled: true,
      hasWikiEnabled: true,
      hasProjectsEnabled: true,
      hasDiscussionsEnabled: false,
      mergeCommitAllowed: true,
      squashMergeAllowed: true,
      rebaseMergeAllowed: true,
      deleteBranchOnMerge: false,
      stargazerCount: () => d().stars.length,
      viewerPermission: perm ? PERMISSION_ENUM[perm] : null,
      viewerHasStarred: () => d().stars.some((s) => s.userId === this.c.viewerId),
      viewerCanAdminister: perm === 'admin',
      licenseInfo: repo.license
        ? {
            __typename: 'License',
            id: nodeId('License', repo.license.key),
            key: repo.license.key,
            name: repo.license.name,
            spdxId: repo.license.spdx_id,
            url: `https://choosealicense.com/licenses/${repo.license.key}/`,
          }
        : null,
      parent: () => {
        const p = repo.parentId ? w.repos.get(repo.parentId) : undefined;
        return p && this.visible(p) ? this.repository(p) : null;
      },
      primaryLanguage: repo.language ? this.language(repo.language) : null,
      languages: (a: PageArgs & { orderBy?: OrderArg }) => {
        const entries = sortBy(
          Object.entries(repo.languages),
          a.orderBy ?? { field: 'SIZE', direction: 'DESC' },
          { SIZE: (e) => e[1] },
          'SIZE',
        );
        return {
          ...listConnection(
            entries,
            a,
            ([name]) => this.language(name),
            ([, size]) => ({ size }),
          ),
          totalSize: entries.reduce((s, e) => s + e[1], 0),
        };
      },
      repositoryTopics: (a: PageArgs) =>
        listConnection(repo.topics, a, (name) => ({
          __typename: 'RepositoryTopic',
          id: nodeId('RepositoryTopic', `${repo.id}:${name}`),
          topic: { __typename: 'Topic', id: nodeId('Topic', name), name },
          url: `${this.c.urls.web}/topics/${name}`,
          resourcePath: `/topics/${name}`,
        })),
      watchers: (a: PageArgs) =>
        listConnection([...repo.watcherIds], a, (id) => this.user(w.users.get(id) as SimUser)),
      stargazers: (a: PageArgs & { orderBy?: OrderArg }) => {
        const stars = sortBy(d().stars, a.orderBy, { STARRED_AT: (s) => s.starredAt }, 'STARRED_AT');
        return listConnection(
          stars,
          a,
          (s) => this.user(w.users.get(s.userId) as SimUser),
          (s) => ({ starredAt: iso(s.starredAt) }),
        );
      },
      labels: (a: PageArgs & { orderBy?: OrderArg; query?: string }) => {
        let labels = d().labels;
        if (a.query) labels = labels.filter((l) => l.name.includes(a.query as string));
        labels = sortBy(labels, a.orderBy, { NAME: (l) => l.name, CREATED_AT: (l) => l.id }, 'CREATED_AT');
        return listConnection(labels, a, (l) => this.label(repo, l.name));
      },
      issues: (
        a: PageArgs & {
          states?: string[];
          orderBy?: OrderArg;
          labels?: string[];
          filterBy?: { since?: string; states?: string[] };
        },
      ) => {
        const states = a.states ?? a.filterBy?.states;
        const since = a.filterBy?.since ? Date.parse(a.filterBy.since) : undefined;
        const issues = d().issues.filter(
          (i) =>
            (!states || states.includes(i.state.toUpperCase())) &&
            (!a.labels || a.labels.some((l) => i.labels.includes(l))) &&
            (since === undefined || i.updatedAt >= since),
        );
        const sorted = sortBy(
          issues,
          a.orderBy,
          { CREATED_AT: (i) => i.createdAt, UPDATED_AT: (i) => i.updatedAt, COMMENTS: (i) => i.comments },
          'CREATED_AT',
        );
        return listConnection(sorted, a, (i) => this.issue(repo, i));
      },
      issue: (a: { number: number }) => {
        const i = d().issues.find((x) => x.number === a.number);
        if (!i)
          throw typedError('NOT_FOUND', `Could not resolve to an Issue with the number of ${a.number}.`);
        return this.issue(repo, i);
      },
      pullRequests: (
        a: PageArgs & {
          states?: string[];
          orderBy?: OrderArg;
          headRefName?: string;
          baseRefName?: string;
          labels?: string[];
        },
      ) => {
        const pulls = d().pulls.filter(
          (p) =>
            (!a.states || a.states.includes(pullState(p))) &&
            (!a.headRefName || p.headRef === a.headRefName) &&
            (!a.baseRefName || p.baseRef === a.baseRefName) &&
            (!a.labels || a.labels.some((l) => p.labels.includes(l))),
        );
        const sorted = sortBy(
          pulls,
          a.orderBy,
          {
            CREATED_AT: (p) => p.createdAt * 1000 + (p.number % 1000),
            UPDATED_AT: (p) => p.updatedAt,
            COMMENTS: (p) => p.comments,
          },
          'CREATED_AT',
        );
        return listConnection(sorted, a, (p) => this.pull(repo, p));
      },
      pullRequest: (a: { number: number }) => {
        const p = d().pulls.find((x) => x.number === a.number);
        if (!p)
          throw typedError('NOT_FOUND', `Could not resolve to a PullRequest with the number of ${a.number}.`);
        return this.pull(repo, p);
      },
      defaultBranchRef: () => {
        const b = d().branches.get(repo.defaultBranch);
        return b ? this.ref(repo, b.name, b.tip) : null;
      },
      ref: (a: { qualifiedName: string }) => {
        const name = a.qualifiedName.replace(/^refs\/heads\//, '');
        const b = d().branches.get(name);
        return b ? this.ref(repo, b.name, b.tip) : null;
      },
      refs: (a: PageArgs & { refPrefix: string; orderBy?: OrderArg; direction?: string; query?: string }) => {
        if (!a.refPrefix.startsWith('refs/') || !a.refPrefix.endsWith('/')) {
          throw typedError(
            'INVALID_ARGUMENTS',
            `The refPrefix '${a.refPrefix}' is invalid: it must start with 'refs/' and end with '/'.`,
          );
        }
        let branches = a.refPrefix === 'refs/heads/' ? [...d().branches.values()] : [];
        if (a.query) branches = branches.filter((b) => b.name.includes(a.query as string));
        const order = a.orderBy ?? {
          field: 'ALPHABETICAL',
          direction: (a.direction as 'ASC' | 'DESC') ?? 'ASC',
        };
        const graph = w.graph(repo);
        branches = sortBy(
          branches,
          order,
          { ALPHABETICAL: (b) => b.name, TAG_COMMIT_DATE: (b) => graph.get(b.tip)?.committedAt ?? 0 },
          'ALPHABETICAL',
        );
        return listConnection(branches, a, (b) => this.ref(repo, b.name, b.tip));
      },
      object: (a: { oid?: string; expression?: string }) => {
        const target = a.oid ?? (a.expression === 'HEAD' ? repo.defaultBranch : a.expression);
        const sha = target ? w.resolveRef(repo, target) : undefined;
        const c = sha ? w.graph(repo).get(sha) : undefined;
        return c ? this.commit(repo, c) : null;
      },
    };
  }

  private language(name: string): Obj {
    return {
      __typename: 'Language',
      id: nodeId('Language', name),
      name,
      color: LANGUAGE_COLORS[name] ?? null,
    };
  }

  private label(repo: SimRepo, name: string): Obj | null {
    const l = this.w.detail(repo).labels.find((x) => x.name === name);
    if (!l) return null;
    return {
      __typename: 'Label',
      id: nodeId('Label', l.id),
      name: l.name,
      color: l.color,
      description: l.description,
      isDefault: l.default,
      url: `${this.c.urls.web}/${this.w.fullName(repo)}/labels/${encodeURIComponent(l.name)}`,
    };
  }

  private labelConnection(repo: SimRepo, names: string[], a: PageArgs) {
    return listConnection(
      names.map((n) => this.label(repo, n)).filter((l): l is Obj => l !== null),
      a,
      (l) => l,
    );
  }

  ref(repo: SimRepo, name: string, tip: string): Obj {
    return {
      __typename: 'Ref',
      id: nodeId('Ref', `${repo.id}:refs/heads/${name}`),
      name,
      prefix: 'refs/heads/',
      repository: () => this.repository(repo),
      target: () => {
        const c = this.w.graph(repo).get(tip);
        return c ? this.commit(repo, c) : null;
      },
      associatedPullRequests: (a: PageArgs & { states?: string[] }) => {
        const pulls = this.w
          .detail(repo)
          .pulls.filter((p) => p.headRef === name && (!a.states || a.states.includes(pullState(p))));
        return listConnection(pulls, a, (p) => this.pull(repo, p));
      },
    };
  }

  // ---------------------------------------------------------------- commits

  private gitActor(a: SimCommit['author'], ms: number): Obj {
    const u = a.userId === null ? undefined : this.w.users.get(a.userId);
    return {
      __typename: 'GitActor',
      name: a.name,
      email: a.email,
      date: iso(ms),
      user: u ? this.user(u) : null,
      avatarUrl: () => avatarUrl(this.c.urls, a.userId ?? 0),
    };
  }

  commit(repo: SimRepo, c: SimCommit): Obj {
    const w = this.w;
    const graph = w.graph(repo);
    const full = w.fullName(repo);
    const [headline, ...rest] = c.message.split('\n');
    return {
      __typename: 'Commit',
      id: nodeId('Commit', `${repo.id}:${c.sha}`),
      oid: c.sha,
      abbreviatedOid: c.sha.slice(0, 7),
      message: c.message,
      messageHeadline: headline,
      messageBody: rest.join('\n').replace(/^\n+/, ''),
      committedDate: iso(c.committedAt),
      authoredDate: iso(c.authoredAt),
      pushedDate: null,
      committedViaWeb: c.committer.email === 'noreply@github.com',
      authoredByCommitter: c.author.email === c.committer.email,
      additions: this.figure(repo, 'commit', 'additions', c.additions),
      deletions: this.figure(repo, 'commit', 'deletions', c.deletions),
      changedFiles: this.figure(repo, 'commit', 'changedFiles', c.files.length),
      changedFilesIfAvailable: c.files.length,
      author: this.gitActor(c.author, c.authoredAt),
      committer: this.gitActor(c.committer, c.committedAt),
      authors: (a: PageArgs) => listConnection([c.author], a, (x) => this.gitActor(x, c.authoredAt)),
      url: `${this.c.urls.web}/${full}/commit/${c.sha}`,
      commitUrl: `${this.c.urls.web}/${full}/commit/${c.sha}`,
      resourcePath: `/${full}/commit/${c.sha}`,
      treeUrl: `${this.c.urls.web}/${full}/tree/${c.sha}`,
      tree: {
        __typename: 'Tree',
        id: nodeId('Tree', `${repo.id}:${c.treeSha}`),
        oid: c.treeSha,
        abbreviatedOid: c.treeSha.slice(0, 7),
      },
      repository: () => this.repository(repo),
      signature: null,
      status: null,
      statusCheckRollup: null,
      parents: (a: PageArgs) =>
        listConnection(c.parents, a, (sha) => {
          const p = graph.get(sha);
          return p ? this.commit(repo, p) : null;
        }),
      associatedPullRequests: (a: PageArgs) => {
        const pulls = w.detail(repo).pulls.filter((p) => p.mergeCommitSha === c.sha || p.headSha === c.sha);
        return listConnection(pulls, a, (p) => this.pull(repo, p));
      },
      history: (a: PageArgs & { since?: string; until?: string; path?: string; author?: unknown }) =>
        this.history(repo, c, a),
    };
  }

  /** Commit.history: git log from this commit; cursors are "<tip oid> <offset>" like GitHub's. */
  private history(
    repo: SimRepo,
    c: SimCommit,
    a: PageArgs & { since?: string; until?: string; path?: string; author?: unknown },
  ): Obj {
    if (a.path) throw notSimulated('Commit.history(path:)');
    if (a.author) throw notSimulated('Commit.history(author:)');
    if (typeof a.last === 'number' || a.before) throw notSimulated('Commit.history(last:/before:)');
    const graph = this.w.graph(repo);
    const since = parseTime(a.since, 'since');
    const until = parseTime(a.until, 'until');
    let tip = c.sha;
    let skip = 0;
    if (a.after) {
      const m = /^([0-9a-f]{40}) (\d{1,9})$/.exec(a.after);
      if (!m || !graph.has(m[1]))
        throw typedError('INVALID_CURSOR_ARGUMENTS', `\`${a.after}\` does not appear to be a valid cursor.`);
      tip = m[1];
      skip = Number(m[2]) + 1;
    }
    const first = typeof a.first === 'number' ? a.first : 0;
    let page: { commits: SimCommit[]; hasNext: boolean } | null = null;
    const load = () => {
      if (!page) {
        const r = graph.history(tip, { since, until, skip, take: first + 1 });
        page = { commits: r.commits.slice(0, first), hasNext: r.commits.length > first };
      }
      return page;
    };
    const cursor = (i: number) => `${tip} ${i}`;
    return {
      totalCount: () => graph.history(tip, { since, until, skip: 0, take: 0, count: true }).total ?? 0,
      nodes: () => load().commits.map((x) => this.commit(repo, x)),
      edges: () => load().commits.map((x, k) => ({ cursor: cursor(skip + k), node: this.commit(repo, x) })),
      pageInfo: () => {
        const p = load();
        return {
          hasNextPage: p.hasNext,
          hasPreviousPage: skip > 0,
          startCursor: p.commits.length ? cursor(skip) : null,
          endCursor: p.commits.length ? cursor(skip + p.commits.length - 1) : null,
        };
      },
    };
  }

  // ---------------------------------------------------------------- pulls and issues

  pull(repo: SimRepo, p: SimPull): Obj {
    const w = this.w;
    const full = w.fullName(repo);
    const d = w.detail(repo);
    const last = [...p.reviews]
      .reverse()
      .find((r) => r.state === 'APPROVED' || r.state === 'CHANGES_REQUESTED');
    return {
      __typename: 'PullRequest',
      id: nodeId('PullRequest', p.id),
      databaseId: p.id,
      number: p.number,
      title: p.title,
      body: p.body,
      bodyText: p.body,
      state: pullState(p),
      isDraft: p.draft,
      locked: p.locked,
      closed: p.state === 'closed',
      merged: p.mergedAt !== null,
      mergedAt: p.mergedAt ? iso(p.mergedAt) : null,
      closedAt: p.closedAt ? iso(p.closedAt) : null,
      createdAt: iso(p.createdAt),
      updatedAt: iso(p.updatedAt),
      publishedAt: iso(p.createdAt),
      lastEditedAt: null,
      url: `${this.c.urls.web}/${full}/pull/${p.number}`,
      permalink: `${this.c.urls.web}/${full}/pull/${p.number}`,
      resourcePath: `/${full}/pull/${p.number}`,
      author: () => this.user(w.users.get(p.authorId) as SimUser),
      authorAssociation: repo.ownerType === 'User' && repo.ownerId === p.authorId ? 'OWNER' : 'MEMBER',
      mergedBy: () => (p.mergedById ? this.user(w.users.get(p.mergedById) as SimUser) : null),
      additions: this.figure(repo, 'pull request', 'additions', p.additions),
      deletions: this.figure(repo, 'pull request', 'deletions', p.deletions),
      changedFiles: this.figure(repo, 'pull request', 'changedFiles', p.changedFiles),
      headRefName: p.headRef,
      baseRefName: p.baseRef,
      headRefOid: p.headSha,
      baseRefOid: p.baseSha,
      headRef: () => {
        const b = d.branches.get(p.headRef);
        return b ? this.ref(repo, b.name, b.tip) : null;
      },
      baseRef: () => {
        const b = d.branches.get(p.baseRef);
        return b ? this.ref(repo, b.name, b.tip) : null;
      },
      headRepository: () => this.repository(repo),
      baseRepository: () => this.repository(repo),
      isCrossRepository: false,
      mergeable: p.state === 'open' ? 'MERGEABLE' : 'UNKNOWN',
      mergeCommit: () => {
        const c = p.mergeCommitSha ? w.graph(repo).get(p.mergeCommitSha) : undefined;
        return c ? this.commit(repo, c) : null;
      },
      reviewDecision: last ? last.state : p.reviews.length ? 'REVIEW_REQUIRED' : null,
      repository: () => this.repository(repo),
      reviews: (a: PageArgs & { states?: string[]; author?: string }) => {
        const reviews = p.reviews.filter(
          (r) =>
            (!a.states || a.states.includes(r.state)) &&
            (!a.author || w.users.get(r.userId)?.login === a.author),
        );
        return listConnection(reviews, a, (r) => this.review(repo, p, r));
      },
      labels: (a: PageArgs) => this.labelConnection(repo, p.labels, a),
      assignees: (a: PageArgs) => listConnection([], a, (x) => x),
      reviewRequests: (a: PageArgs) =>
        listConnection(p.requestedReviewerIds, a, (id) => ({
          __typename: 'ReviewRequest',
          id: nodeId('ReviewRequest', `${p.id}:${id}`),
          requestedReviewer: this.user(w.users.get(id) as SimUser),
        })),
      comments: (a: PageArgs) => ({ ...listConnection([], a, (x) => x), totalCount: p.comments }),
      commits: (a: PageArgs) => {
        const graph = w.graph(repo);
        const list = () =>
          graph
            .history(p.headSha, { skip: 0, take: 250 })
            .commits.filter((c) => !graph.isAncestor(c.sha, p.baseSha))
            .reverse();
        const conn = () =>
          listConnection(list(), a, (c) => ({
            __typename: 'PullRequestCommit',
            id: nodeId('PullRequestCommit', `${p.id}:${c.sha}`),
            commit: this.commit(repo, c),
            url: `${this.c.urls.web}/${full}/pull/${p.number}/commits/${c.sha}`,
          }));
        return {
          totalCount: p.commits,
          nodes: () => conn().nodes(),
          edges: () => conn().edges(),
          pageInfo: () => conn().pageInfo,
        };
      },
    };
  }

  private review(repo: SimRepo, p: SimPull, r: SimReview): Obj {
    const w = this.w;
    const c = w.graph(repo).get(r.commitId);
    return {
      __typename: 'PullRequestReview',
      id: nodeId('PullRequestReview', r.id),
      databaseId: r.id,
      state: r.state,
      body: r.body,
      bodyText: r.body,
      submittedAt: iso(r.submittedAt),
      createdAt: iso(r.submittedAt),
      updatedAt: iso(r.submittedAt),
      publishedAt: iso(r.submittedAt),
      url: `${this.c.urls.web}/${w.fullName(repo)}/pull/${p.number}#pullrequestreview-${r.id}`,
      author: () => this.user(w.users.get(r.userId) as SimUser),
      authorAssociation: 'MEMBER',
      commit: c ? () => this.commit(repo, c) : null,
      pullRequest: () => this.pull(repo, p),
    };
  }

  issue(repo: SimRepo, i: SimIssue): Obj {
    const w = this.w;
    const full = w.fullName(repo);
    return {
      __typename: 'Issue',
      id: nodeId('Issue', i.id),
      databaseId: i.id,
      number: i.number,
      title: i.title,
      body: i.body,
      bodyText: i.body,
      state: i.state.toUpperCase(),
      stateReason: i.stateReason ? i.stateReason.toUpperCase() : null,
      closed: i.state === 'closed',
      closedAt: i.closedAt ? iso(i.closedAt) : null,
      createdAt: iso(i.createdAt),
      updatedAt: iso(i.updatedAt),
      url: `${this.c.urls.web}/${full}/issues/${i.number}`,
      resourcePath: `/${full}/issues/${i.number}`,
      author: () => this.user(w.users.get(i.authorId) as SimUser),
      repository: () => this.repository(repo),
      labels: (a: PageArgs) => this.labelConnection(repo, i.labels, a),
      comments: (a: PageArgs) => ({ ...listConnection([], a, (x) => x), totalCount: i.comments }),
      assignees: (a: PageArgs) => listConnection([], a, (x) => x),
    };
  }
}

function pullState(p: SimPull): string {
  return p.mergedAt ? 'MERGED' : p.state === 'open' ? 'OPEN' : 'CLOSED';
}
