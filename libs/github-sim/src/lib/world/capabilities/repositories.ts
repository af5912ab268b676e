import { CommitGraph } from '../commit-graph';
import { notFound, SimError, validationFailed } from '../sim-error';
import type { RepoRef } from '../world-store';
import type { SimBranch, SimOrg, SimRepo, SimUser } from '../world.types';
import { WorldCapability } from './world-capability';

export interface ForkInput extends RepoRef {
  login: string;
  organization?: string;
  name?: string;
  defaultBranchOnly?: boolean;
}

export interface CreateRepoInput {
  /** User or organization login. */
  owner: string;
  name: string;
  private?: boolean;
  description?: string;
  /** Who creates it (default the user, or an admin of the organization). */
  sender?: string;
}

export interface StarInput extends RepoRef {
  login: string;
  /** false unstars. */
  starred?: boolean;
}

export interface RenameRepoInput extends RepoRef {
  name: string;
  sender?: string;
}

export interface TransferRepoInput extends RepoRef {
  newOwner: string;
  sender?: string;
}

export interface ArchiveRepoInput extends RepoRef {
  /** false unarchives. */
  archived?: boolean;
  sender?: string;
}

export interface VisibilityInput extends RepoRef {
  private: boolean;
  sender?: string;
}

/** Repository lifecycle (fork, rename, transfer, archive, visibility, delete) and stars, with their webhooks. */
export class Repositories extends WorldCapability {
  /** Stars (or with `starred: false` unstars); true when that changed anything. */
  async star(input: StarInput): Promise<boolean> {
    const store = this.store;
    const repo = store.requireRepo(input);
    const user = store.requireUser(input.login);
    if (store.permissionOf(repo, user.id) === null) throw notFound();
    const d = store.detail(repo);
    const idx = d.stars.findIndex((s) => s.userId === user.id);
    const want = input.starred ?? true;
    if (want && idx < 0) {
      const starredAt = Date.now();
      d.stars.push({ userId: user.id, starredAt });
      store.feed(repo, 'WatchEvent', user.id, { action: 'started' });
      await store.emit({ type: 'star', repo, senderId: user.id, action: 'created', starredAt });
      await store.emit({ type: 'watch', repo, senderId: user.id, action: 'started' });
      return true;
    }
    if (!want && idx >= 0) {
      d.stars.splice(idx, 1);
      await store.emit({ type: 'star', repo, senderId: user.id, action: 'deleted', starredAt: null });
      return true;
    }
    return false;
  }

  /**
   * A new repository with one initial commit on `main`. An App installed on the owner with "all repositories"
   * reaches it at once; GitHub then sends it `repository` created, not `installation_repositories`.
   */
  async createRepo(input: CreateRepoInput): Promise<SimRepo> {
    const store = this.store;
    const owner = store.account(input.owner ?? '');
    if (!owner) throw new SimError(404, `Unknown account "${input.owner}"`);
    validateRepoName(input.name);
    const ownerLogin =
      owner.kind === 'user'
        ? (store.users.get(owner.id) as SimUser).login
        : (store.orgs.get(owner.id) as SimOrg).login;
    if (store.repo(ownerLogin, input.name)) throw nameTaken();
    let senderId: number;
    if (input.sender) {
      const u = store.requireUser(input.sender);
      if (owner.kind === 'org' && !(store.orgs.get(owner.id) as SimOrg).members.has(u.id))
        throw new SimError(403, `${u.login} is not a member of ${ownerLogin}`);
      if (owner.kind === 'user' && u.id !== owner.id)
        throw new SimError(403, `${u.login} cannot create repositories for ${ownerLogin}`);
      senderId = u.id;
    } else if (owner.kind === 'user') senderId = owner.id;
    else {
      const org = store.orgs.get(owner.id) as SimOrg;
      const admin = [...org.members].find(([, role]) => role === 'admin')?.[0] ?? [...org.members.keys()][0];
      if (admin === undefined)
        throw new SimError(422, `${org.login} has no members to act as; name a sender`);
      senderId = admin;
    }
    const now = Date.now();
    const id = store.nextId('repo');
    const sender = store.users.get(senderId) as SimUser;
    const isPrivate = input.private ?? false;
    const repo: SimRepo = {
      id,
      ownerId: owner.id,
      ownerType: owner.kind === 'user' ? 'User' : 'Organization',
      name: input.name,
      description: input.description ?? null,
      homepage: null,
      private: isPrivate,
      visibility: isPrivate ? 'private' : 'public',
      fork: false,
      parentId: null,
      archived: false,
      disabled: false,
      deleted: false,
      defaultBranch: 'main',
      createdAt: now,
      updatedAt: now,
      pushedAt: now,
      language: null,
      languages: {},
      topics: [],
      license: null,
      forksCount: 0,
      watcherIds: new Set([senderId]),
      collaborators: new Map(),
      revoked: new Set(),
      hooks: [],
      graphKey: id,
    };
    const graph = new CommitGraph({
      key: id,
      lines: [{ base: 0, count: 1 }],
      startMs: now - 1000,
      endMs: now,
      authors: [{ name: sender.name, email: sender.email, userId: sender.id }],
      committer: { name: 'GitHub', email: 'noreply@github.com', userId: null },
      dirs: ['.'],
      ext: 'md',
    });
    store.graphs.set(repo.graphKey, graph);
    repo.detail = {
      branches: new Map([['main', { name: 'main', tip: graph.lineTip(0), protected: false }]]),
      pulls: [],
      issues: [],
      deployments: [],
      releases: [],
      tags: new Map(),
      workflows: [],
      workflowRuns: [],
      labels: [],
      stars: [],
      events: [],
      nextNumber: 1,
    };
    store.indexRepo(repo);
    store.feed(repo, 'CreateEvent', senderId, { ref: null, ref_type: 'repository', master_branch: 'main' });
    await store.emit({ type: 'repository', repo, senderId, action: 'created' });
    return repo;
  }

  /** Forks into the user's account or one of their organizations; forking again returns the existing fork. */
  async fork(input: ForkInput): Promise<SimRepo> {
    const store = this.store;
    const parent = store.requireRepo(input);
    const user = store.requireUser(input.login);
    if (store.permissionOf(parent, user.id) === null) throw notFound();
    const org = input.organization ? store.org(input.organization) : undefined;
    if (input.organization && (!org || !org.members.has(user.id)))
      throw validationFailed([{ field: 'organization', code: 'invalid' }]);
    const ownerType = org ? 'Organization' : 'User';
    const ownerId = org ? org.id : user.id;
    const ownerLogin = org ? org.login : user.login;
    const name = input.name ?? parent.name;
    validateRepoName(name);
    const existing = store.repo(ownerLogin, name);
    if (existing) {
      if (existing.parentId === parent.id) return existing;
      throw nameTaken();
    }
    const now = Date.now();
    const fork: SimRepo = {
      ...parent,
      id: store.nextId('repo'),
      ownerId,
      ownerType,
      name,
      fork: true,
      parentId: parent.id,
      archived: false,
      createdAt: now,
      updatedAt: now,
      pushedAt: parent.pushedAt,
      forksCount: 0,
      topics: [...parent.topics],
      languages: { ...parent.languages },
      watcherIds: new Set([user.id]),
      collaborators: new Map(),
      revoked: new Set(),
      hooks: [],
      detail: undefined,
    };
    const pd = store.detail(parent);
    const branches = new Map<string, SimBranch>();
    for (const b of pd.branches.values())
      if (!input.defaultBranchOnly || b.name === parent.defaultBranch)
        branches.set(b.name, { ...b, protected: false });
    fork.detail = {
      branches,
      pulls: [],
      issues: [],
      deployments: [],
      releases: [],
      // A fork has its parent's tags, as on GitHub.
      tags: new Map(pd.tags),
      workflows: [],
      workflowRuns: [],
      labels: pd.labels.map((l) => ({ ...l, id: store.nextId('label') })),
      stars: [],
      events: [],
      nextNumber: 1,
    };
    store.indexRepo(fork);
    parent.forksCount++;
    store.feed(parent, 'ForkEvent', user.id, { forkeeId: fork.id });
    await store.emit({ type: 'fork', repo: parent, senderId: user.id, forkee: fork });
    return fork;
  }

  async renameRepo(input: RenameRepoInput): Promise<SimRepo> {
    const store = this.store;
    const repo = store.requireRepo(input);
    validateRepoName(input.name);
    const clash = store.repo(store.ownerLogin(repo), input.name);
    if (clash && clash.id !== repo.id) throw nameTaken();
    const from = repo.name;
    store.releaseName(repo, true);
    repo.name = input.name;
    repo.updatedAt = Date.now();
    store.indexRepo(repo);
    await store.emit({
      type: 'repository',
      repo,
      senderId: store.senderOf(repo, input.sender),
      action: 'renamed',
      changes: { repository: { name: { from } } },
    });
    return repo;
  }

  async transferRepo(input: TransferRepoInput): Promise<SimRepo> {
    const store = this.store;
    const repo = store.requireRepo(input);
    const target = store.account(input.newOwner);
    if (!target) throw validationFailed([{ field: 'new_owner', code: 'invalid' }]);
    const targetLogin =
      target.kind === 'user'
        ? (store.users.get(target.id) as SimUser).login
        : (store.orgs.get(target.id) as SimOrg).login;
    if (store.repo(targetLogin, repo.name)) throw nameTaken();
    const sender = store.senderOf(repo, input.sender);
    const fromOwner =
      repo.ownerType === 'User'
        ? { user: store.users.get(repo.ownerId) }
        : { organization: store.orgs.get(repo.ownerId) };
    store.releaseName(repo, true);
    repo.ownerId = target.id;
    repo.ownerType = target.kind === 'user' ? 'User' : 'Organization';
    repo.updatedAt = Date.now();
    store.indexRepo(repo);
    await store.emit({
      type: 'repository',
      repo,
      senderId: sender,
      action: 'transferred',
      changes: { owner: { from: fromOwner } },
    });
    return repo;
  }

  async archiveRepo(input: ArchiveRepoInput): Promise<SimRepo> {
    const store = this.store;
    const repo = store.requireRepo(input);
    const archived = input.archived ?? true;
    if (repo.archived === archived) return repo;
    repo.archived = archived;
    repo.updatedAt = Date.now();
    await store.emit({
      type: 'repository',
      repo,
      senderId: store.senderOf(repo, input.sender),
      action: archived ? 'archived' : 'unarchived',
    });
    return repo;
  }

  async setVisibility(input: VisibilityInput): Promise<SimRepo> {
    const store = this.store;
    const repo = store.requireRepo(input);
    if (repo.private === input.private) return repo;
    repo.private = input.private;
    repo.visibility = input.private ? 'private' : 'public';
    const sender = store.senderOf(repo, input.sender);
    if (!input.private) store.feed(repo, 'PublicEvent', sender, {});
    await store.emit({
      type: 'repository',
      repo,
      senderId: sender,
      action: input.private ? 'privatized' : 'publicized',
    });
    return repo;
  }

  /** The `repository` (deleted) webhook goes out first, while the repository and its hooks are still there. */
  async deleteRepo(input: RepoRef & { sender?: string }): Promise<void> {
    const store = this.store;
    const repo = store.requireRepo(input);
    const sender = store.senderOf(repo, input.sender);
    await store.emit({ type: 'repository', repo, senderId: sender, action: 'deleted' });
    repo.deleted = true;
    store.releaseName(repo, false);
  }
}

function validateRepoName(name: string): void {
  if (typeof name !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(name) || name === '.' || name === '..') {
    throw validationFailed([{ resource: 'Repository', field: 'name', code: 'invalid' }]);
  }
}

function nameTaken(): SimError {
  return validationFailed([
    { resource: 'Repository', field: 'name', code: 'custom', message: 'name already exists on this account' },
  ]);
}
