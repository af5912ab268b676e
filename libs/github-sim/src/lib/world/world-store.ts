import { resolveSizes } from '../presets.constant';
import type { SimPreset, SimSizes } from '../sim.types';
import type { CommitGraph } from './commit-graph';
import type { SimDomainEvent, SimEventListener, SimInstallationEvent, SimOrgEvent } from './domain-events';
import {
  generateActions,
  generateTags,
  generateRepoDetail,
  type GeneratorTarget,
  ID_BASES,
  type IdKind,
  populateWorld,
} from './generator';
import { notFound, SimError } from './sim-error';
import type {
  RepoPermission,
  SimDelivery,
  SimGithubApp,
  SimInstallation,
  SimInstallationToken,
  SimOAuthApp,
  SimRefreshToken,
  SimOrg,
  SimPull,
  SimRepo,
  SimRepoDetail,
  SimTeam,
  SimToken,
  SimUser,
} from './world.types';

export const PERMISSION_RANK: Record<RepoPermission, number> = {
  pull: 1,
  triage: 2,
  push: 3,
  maintain: 4,
  admin: 5,
};

export interface SimWorldOptions {
  seed?: number;
  preset?: SimPreset;
  sizes?: Partial<SimSizes>;
  now?: Date | string | number;
}

export interface RepoRef {
  owner: string;
  repo: string;
}

/**
 * The world's state (users, orgs, repos, commit graphs, tokens, OAuth apps, deliveries, ids) with its indexes,
 * lookups and access rules, and the event plumbing the mutations report through. The mutations themselves live
 * in the capabilities (capabilities/*.ts) that act on this store.
 * Every own field is kept by the world file (world-file.ts) as it is; a field that is process wiring, not world
 * state, goes in its RUNTIME_FIELDS.
 */
export class WorldStore implements GeneratorTarget {
  readonly seed: number;
  readonly sizes: SimSizes;
  readonly preset: SimPreset;
  anchorMs: number;
  readonly users = new Map<number, SimUser>();
  readonly orgs = new Map<number, SimOrg>();
  readonly repos = new Map<number, SimRepo>();
  readonly graphs = new Map<number, CommitGraph>();
  readonly tokens = new Map<string, SimToken>();
  readonly oauthApps = new Map<string, SimOAuthApp>();
  readonly deliveries: SimDelivery[] = [];
  readonly githubApps = new Map<number, SimGithubApp>();
  readonly installations = new Map<number, SimInstallation>();
  readonly installationTokens = new Map<string, SimInstallationToken>();
  readonly refreshTokens = new Map<string, SimRefreshToken>();
  private readonly logins = new Map<string, { kind: 'user' | 'org'; id: number }>();
  private readonly repoNames = new Map<string, number>();
  private readonly movedRepos = new Map<string, number>();
  private readonly counters = new Map<IdKind, number>();
  private readonly listeners: SimEventListener[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  private readonly options: SimWorldOptions;

  constructor(options: SimWorldOptions = {}) {
    this.options = options;
    this.seed = options.seed ?? 42;
    this.preset = options.preset ?? 'small';
    this.sizes = resolveSizes(this.preset, options.sizes);
    this.anchorMs = anchorOf(options.now);
    populateWorld(this);
  }

  /** Rebuild the world from the same seed and sizes (tokens, hooks and deliveries are dropped too). */
  reset(): void {
    this.users.clear();
    this.orgs.clear();
    this.repos.clear();
    this.graphs.clear();
    this.tokens.clear();
    this.deliveries.length = 0;
    this.installations.clear();
    this.installationTokens.clear();
    this.refreshTokens.clear();
    this.logins.clear();
    this.repoNames.clear();
    this.movedRepos.clear();
    this.counters.clear();
    this.anchorMs = anchorOf(this.options.now);
    populateWorld(this);
  }

  // ---------------------------------------------------------------- ids and indexes

  nextId(kind: IdKind): number {
    const n = this.counters.get(kind) ?? ID_BASES[kind];
    this.counters.set(kind, n + 1);
    return n;
  }

  indexUser(user: SimUser): void {
    this.users.set(user.id, user);
    this.logins.set(user.login.toLowerCase(), { kind: 'user', id: user.id });
  }

  indexOrg(org: SimOrg): void {
    this.orgs.set(org.id, org);
    this.logins.set(org.login.toLowerCase(), { kind: 'org', id: org.id });
  }

  indexRepo(repo: SimRepo): void {
    this.repos.set(repo.id, repo);
    this.repoNames.set(`${this.ownerLogin(repo)}/${repo.name}`.toLowerCase(), repo.id);
  }

  /**
   * Frees the repo's current owner/name before it is renamed, transferred or deleted; with `redirect`, the old
   * name keeps leading to it (GitHub answers 301 there). Call `indexRepo` after changing the name or owner.
   */
  releaseName(repo: SimRepo, redirect: boolean): void {
    const key = this.fullName(repo).toLowerCase();
    this.repoNames.delete(key);
    if (redirect) this.movedRepos.set(key, repo.id);
  }

  /** The user or organization that holds a login (case-insensitive). */
  account(login: string): { kind: 'user' | 'org'; id: number } | undefined {
    return this.logins.get(login.toLowerCase());
  }

  // ---------------------------------------------------------------- events

  on(listener: SimEventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Register background work (webhook deliveries) that `settled()` waits for. */
  track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p)).catch(() => undefined);
  }

  /** Resolves once every webhook delivery started so far has finished (e.g. the ping after creating a hook). */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  async emit(event: SimDomainEvent | SimInstallationEvent | SimOrgEvent): Promise<void> {
    for (const l of [...this.listeners]) await l(event);
  }

  /** Adds an entry to the repo's activity feed (REST `/repos/{o}/{r}/events`), newest first, 300 kept. */
  feed(repo: SimRepo, type: string, actorId: number, payload: Record<string, unknown>): void {
    const d = this.detail(repo);
    d.events.unshift({ id: String(this.nextId('event')), type, actorId, createdAt: Date.now(), payload });
    if (d.events.length > 300) d.events.length = 300;
  }

  // ---------------------------------------------------------------- lookups

  user(login: string): SimUser | undefined {
    const hit = this.account(login);
    return hit?.kind === 'user' ? this.users.get(hit.id) : undefined;
  }

  requireUser(login: string): SimUser {
    const u = this.user(login);
    if (!u) throw new SimError(404, `Unknown user "${login}"`);
    return u;
  }

  org(login: string): SimOrg | undefined {
    const hit = this.account(login);
    return hit?.kind === 'org' ? this.orgs.get(hit.id) : undefined;
  }

  ownerLogin(repo: SimRepo): string {
    return repo.ownerType === 'User'
      ? (this.users.get(repo.ownerId) as SimUser).login
      : (this.orgs.get(repo.ownerId) as SimOrg).login;
  }

  fullName(repo: SimRepo): string {
    return `${this.ownerLogin(repo)}/${repo.name}`;
  }

  /** A live repo by owner/name (case-insensitive), regardless of who asks. */
  repo(owner: string, name: string): SimRepo | undefined {
    const id = this.repoNames.get(`${owner}/${name}`.toLowerCase());
    const repo = id === undefined ? undefined : this.repos.get(id);
    return repo && !repo.deleted ? repo : undefined;
  }

  /** Where a renamed or transferred repo went (GitHub answers 301 to the new location). */
  movedRepo(owner: string, name: string): SimRepo | undefined {
    const id = this.movedRepos.get(`${owner}/${name}`.toLowerCase());
    const repo = id === undefined ? undefined : this.repos.get(id);
    return repo && !repo.deleted ? repo : undefined;
  }

  requireRepo(ref: RepoRef): SimRepo {
    const repo = this.repo(ref.owner, ref.repo);
    if (!repo) throw new SimError(404, `Unknown repository "${ref.owner}/${ref.repo}"`);
    return repo;
  }

  /** Archived repos are read-only on GitHub (403). */
  writableRepo(ref: RepoRef): SimRepo {
    const repo = this.requireRepo(ref);
    if (repo.archived) throw new SimError(403, 'Repository was archived so is read-only.');
    return repo;
  }

  graph(repo: SimRepo): CommitGraph {
    return this.graphs.get(repo.graphKey) as CommitGraph;
  }

  /** Branches, pulls, issues, labels, stars and events of a repo, generated on first use. */
  detail(repo: SimRepo): SimRepoDetail {
    if (!repo.detail) repo.detail = generateRepoDetail(this, repo);
    // World files saved before deployments existed have details without them.
    repo.detail.deployments ??= [];
    repo.detail.releases ??= [];
    // Those saved before Actions existed get the workflows and runs their repository would have been generated with.
    if (!repo.detail.workflowRuns) generateActions(this, repo, repo.detail);
    // And those saved before tags existed get the tags their repository would have been generated with.
    repo.detail.tags ??= generateTags(this, repo, repo.detail);
    return repo.detail;
  }

  pull(repo: SimRepo, number: number): SimPull {
    const pull = this.detail(repo).pulls.find((p) => p.number === number);
    if (!pull) throw notFound();
    return pull;
  }

  /** Resolve a branch or tag name, full ref, or commit SHA (or prefix) to a commit SHA in a repo. */
  resolveRef(repo: SimRepo, ref: string): string | undefined {
    const d = this.detail(repo);
    const tag = /^(?:refs\/)?tags\/(.+)$/.exec(ref)?.[1];
    if (tag !== undefined) return d.tags.get(tag)?.sha;
    const name = ref.startsWith('refs/heads/')
      ? ref.slice(11)
      : ref.startsWith('heads/')
        ? ref.slice(6)
        : ref;
    const b = d.branches.get(name);
    if (b) return b.tip;
    const t = d.tags.get(ref);
    if (t) return t.sha;
    return this.graph(repo).resolve(ref)?.sha;
  }

  orgsOf(userId: number): SimOrg[] {
    return [...this.orgs.values()].filter((o) => o.members.has(userId));
  }

  commitCount(): number {
    let n = 0;
    for (const g of this.graphs.values()) n += g.size;
    return n;
  }

  // ---------------------------------------------------------------- GitHub Apps

  /** An App by numeric id, or by client id (a JWT's `iss` may be either). */
  githubApp(idOrClientId: number | string): SimGithubApp | undefined {
    if (typeof idOrClientId === 'number') return this.githubApps.get(idOrClientId);
    if (/^\d+$/.test(idOrClientId)) return this.githubApps.get(Number(idOrClientId));
    for (const app of this.githubApps.values()) if (app.clientId === idOrClientId) return app;
    return undefined;
  }

  requireGithubApp(slugOrId: string | number): SimGithubApp {
    const app =
      this.githubApp(slugOrId) ?? [...this.githubApps.values()].find((a) => a.slug === String(slugOrId));
    if (!app) throw new SimError(404, `Unknown GitHub App "${String(slugOrId)}"`);
    return app;
  }

  requireInstallation(id: number): SimInstallation {
    const inst = this.installations.get(id);
    if (!inst) throw new SimError(404, `Unknown installation ${id}`);
    return inst;
  }

  accountLogin(id: number, type: 'User' | 'Organization'): string {
    return type === 'User' ? (this.users.get(id) as SimUser).login : (this.orgs.get(id) as SimOrg).login;
  }

  /** Does the installation reach this repository (its account's, and selected unless it has all of them)? */
  installationCovers(inst: SimInstallation, repo: SimRepo): boolean {
    if (repo.deleted || repo.ownerId !== inst.accountId || repo.ownerType !== inst.accountType) return false;
    return inst.repositorySelection === 'all' || inst.repoIds.has(repo.id);
  }

  /** The repositories an installation reaches, by id. */
  installationRepos(inst: SimInstallation): SimRepo[] {
    return [...this.repos.values()]
      .filter((r) => this.installationCovers(inst, r))
      .sort((a, b) => a.id - b.id);
  }

  /** The installation of an App on the account that owns this repository, if it covers the repository. */
  installationFor(appId: number, repo: SimRepo): SimInstallation | undefined {
    for (const inst of this.installations.values())
      if (inst.appId === appId && this.installationCovers(inst, repo)) return inst;
    return undefined;
  }

  // ---------------------------------------------------------------- access

  /** Effective permission of a user on a repo, or null for none (private repo, no access). */
  permissionOf(repo: SimRepo, userId: number | null): RepoPermission | null {
    if (userId === null) return repo.private ? null : 'pull';
    if (repo.revoked.has(userId)) return repo.private ? null : 'pull';
    let best: RepoPermission | null = repo.private ? null : 'pull';
    const raise = (p: RepoPermission | 'none' | undefined) => {
      if (p && p !== 'none' && (!best || PERMISSION_RANK[p] > PERMISSION_RANK[best])) best = p;
    };
    if (repo.ownerType === 'User' && repo.ownerId === userId) return 'admin';
    raise(repo.collaborators.get(userId));
    if (repo.ownerType === 'Organization') {
      const org = this.orgs.get(repo.ownerId) as SimOrg;
      const role = org.members.get(userId);
      if (role === 'admin') return 'admin';
      if (role) {
        raise(org.defaultRepoPermission);
        // A child team's members also get what its ancestors were granted.
        for (const t of org.teams) {
          if (!t.members.has(userId)) continue;
          for (let up: SimTeam | undefined = t; up; up = org.teams.find((x) => x.id === up?.parentId))
            raise(up.repos.get(repo.id));
        }
      }
    }
    return best;
  }

  /** Repos a user can see, with the affiliation GitHub's /user/repos uses. */
  affiliationOf(repo: SimRepo, userId: number): 'owner' | 'collaborator' | 'organization_member' | null {
    if (repo.revoked.has(userId)) return null;
    if (repo.ownerType === 'User' && repo.ownerId === userId) return 'owner';
    if (repo.collaborators.has(userId)) return 'collaborator';
    if (repo.ownerType === 'Organization') {
      const org = this.orgs.get(repo.ownerId) as SimOrg;
      if (org.members.has(userId)) return 'organization_member';
    }
    return null;
  }

  /** The acting user: a named login, else someone with write access (the owner, an org admin, octocat). */
  senderOf(repo: SimRepo, login: string | undefined, need: RepoPermission = 'push'): number {
    if (login) {
      const u = this.requireUser(login);
      const p = this.permissionOf(repo, u.id);
      if (!p || PERMISSION_RANK[p] < PERMISSION_RANK[need])
        throw new SimError(403, `${u.login} has no ${need} access to ${this.fullName(repo)}`);
      return u.id;
    }
    if (repo.ownerType === 'User') return repo.ownerId;
    const org = this.orgs.get(repo.ownerId) as SimOrg;
    for (const [id, role] of org.members) if (role === 'admin') return id;
    const [first] = org.members.keys();
    if (first === undefined)
      throw new SimError(422, `${org.login} has no members to act as; name a sender with write access`);
    return first;
  }
}

function anchorOf(now: SimWorldOptions['now']): number {
  if (now === undefined) return Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const ms = now instanceof Date ? now.getTime() : typeof now === 'number' ? now : Date.parse(now);
  if (!Number.isFinite(ms)) throw new Error(`Invalid "now": ${String(now)}`);
  return ms;
}
