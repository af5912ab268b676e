import { createHash, randomBytes } from 'node:crypto';
import { resolveSizes } from '../presets.constant';
import type { SimPreset, SimSizes } from '../sim.types';
import { CommitGraph } from './commit-graph';
import type { SimDomainEvent, SimEventListener } from './domain-events';
import { generateRepoDetail, ID_BASES, type IdKind, populateWorld, type WorldStore } from './generator';
import { COMMIT_SUBJECTS, COMMIT_VERBS, FILE_STEMS } from './names.constant';
import { hash32, Rng } from './random.util';
import { notFound, SimError, validationFailed } from './sim-error';
import type {
  RepoPermission,
  SimBranch,
  SimCommit,
  SimCommitAuthor,
  SimDelivery,
  SimIssue,
  SimOAuthApp,
  SimOrg,
  SimPull,
  SimRepo,
  SimRepoDetail,
  SimReview,
  SimToken,
  SimUser,
} from './world.types';

export const ZERO_SHA = '0000000000000000000000000000000000000000';

const PERMISSION_RANK: Record<RepoPermission, number> = {
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

export interface PushCommitSpec {
  message?: string;
  /** Login of a simulated user, or a raw name/email (an author GitHub cannot link: REST `author: null`). */
  author?: string | { name: string; email: string };
  date?: string | number | Date;
  additions?: number;
  deletions?: number;
  files?: string[];
}

export interface RepoRef {
  owner: string;
  repo: string;
}

/**
 * The simulated GitHub: users, orgs, repos, tokens and every mutation of the control API.
 * Mutations are async: they resolve once every webhook they trigger has been delivered.
 * Every field is kept by the world file (world-file.ts) as it is; a field that is process wiring, not world
 * state, goes in its RUNTIME_FIELDS.
 */
export class SimWorld implements WorldStore {
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
  private readonly logins = new Map<string, { kind: 'user' | 'org'; id: number }>();
  private readonly repoNames = new Map<string, number>();
  private readonly movedRepos = new Map<string, number>();
  private readonly counters = new Map<IdKind, number>();
  private readonly listeners: SimEventListener[] = [];
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
    this.logins.clear();
    this.repoNames.clear();
    this.movedRepos.clear();
    this.counters.clear();
    this.anchorMs = anchorOf(this.options.now);
    populateWorld(this);
  }

  // ---------------------------------------------------------------- store plumbing (used by the generator)

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

  on(listener: SimEventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  private readonly pending = new Set<Promise<unknown>>();

  /** Register background work (webhook deliveries) that `settled()` waits for. */
  track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p)).catch(() => undefined);
  }

  /** Resolves once every webhook delivery started so far has finished (e.g. the ping after creating a hook). */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  async emit(event: SimDomainEvent): Promise<void> {
    for (const l of [...this.listeners]) await l(event);
  }

  // ---------------------------------------------------------------- lookups

  user(login: string): SimUser | undefined {
    const hit = this.logins.get(login.toLowerCase());
    return hit?.kind === 'user' ? this.users.get(hit.id) : undefined;
  }

  requireUser(login: string): SimUser {
    const u = this.user(login);
    if (!u) throw new SimError(404, `Unknown user "${login}"`);
    return u;
  }

  org(login: string): SimOrg | undefined {
    const hit = this.logins.get(login.toLowerCase());
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

  graph(repo: SimRepo): CommitGraph {
    return this.graphs.get(repo.graphKey) as CommitGraph;
  }

  detail(repo: SimRepo): SimRepoDetail {
    if (!repo.detail) repo.detail = generateRepoDetail(this, repo);
    return repo.detail;
  }

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
        for (const t of org.teams) if (t.members.has(userId)) raise(t.repos.get(repo.id));
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

  orgsOf(userId: number): SimOrg[] {
    return [...this.orgs.values()].filter((o) => o.members.has(userId));
  }

  commitCount(): number {
    let n = 0;
    for (const g of this.graphs.values()) n += g.size;
    return n;
  }

  // ---------------------------------------------------------------- tokens and OAuth apps

  registerOAuthApp(app: {
    clientId: string;
    clientSecret: string;
    name?: string;
    callbackUrl?: string;
  }): void {
    this.oauthApps.set(app.clientId, {
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      name: app.name ?? app.clientId,
      callbackUrl: app.callbackUrl ?? null,
    });
  }

  issueToken(
    login: string,
    scopes: string[] = ['repo', 'read:org', 'read:user', 'user:email'],
    clientId: string | null = null,
  ): string {
    const user = this.requireUser(login);
    const token = `gho_${base62(randomBytes(27)).slice(0, 36)}`;
    this.tokens.set(token, {
      token,
      userId: user.id,
      scopes: normalizeScopes(scopes),
      clientId,
      createdAt: Date.now(),
    });
    return token;
  }

  revokeToken(token: string): boolean {
    return this.tokens.delete(token);
  }

  /** Revoke every token of a user for an OAuth app (DELETE /applications/{client_id}/grant). */
  revokeGrant(clientId: string, userId: number): number {
    let n = 0;
    for (const [t, rec] of this.tokens) {
      if (rec.clientId === clientId && rec.userId === userId) {
        this.tokens.delete(t);
        n++;
      }
    }
    return n;
  }

  // ---------------------------------------------------------------- mutations

  addUser(input: { login: string; name?: string; email?: string }): SimUser {
    if (!/^[a-z\d](?:[a-z\d]|-(?=[a-z\d])){0,38}$/i.test(input.login))
      throw validationFailed([{ field: 'login', code: 'invalid' }]);
    if (this.logins.has(input.login.toLowerCase()))
      throw validationFailed([{ field: 'login', code: 'already_exists' }]);
    const user: SimUser = {
      id: this.nextId('user'),
      login: input.login,
      name: input.name ?? input.login,
      email: input.email ?? `${input.login.toLowerCase()}@users.example.com`,
      company: null,
      location: null,
      bio: null,
      createdAt: Date.now(),
      siteAdmin: false,
    };
    this.indexUser(user);
    return user;
  }

  setOrgMembership(input: { org: string; login: string; role?: 'admin' | 'member' | null }): void {
    const org = this.org(input.org);
    if (!org) throw new SimError(404, `Unknown organization "${input.org}"`);
    const user = this.requireUser(input.login);
    if (input.role === null) {
      org.members.delete(user.id);
      org.publicMembers.delete(user.id);
      for (const t of org.teams) t.members.delete(user.id);
    } else org.members.set(user.id, input.role ?? 'member');
  }

  async pushCommits(
    input: RepoRef & {
      branch?: string;
      commits?: number | PushCommitSpec[];
      sender?: string;
      force?: boolean;
    },
  ): Promise<{
    ref: string;
    before: string;
    after: string;
    shas: string[];
  }> {
    const repo = this.writableRepo(input);
    const d = this.detail(repo);
    const graph = this.graph(repo);
    const sender = this.senderOf(repo, input.sender);
    const branchName = input.branch ?? repo.defaultBranch;
    validateRefName(branchName);
    const specs: PushCommitSpec[] =
      typeof input.commits === 'number' || input.commits === undefined
        ? Array.from({ length: input.commits ?? 1 }, () => ({}))
        : input.commits;
    if (!Array.isArray(specs) || specs.length < 1 || specs.length > 2000)
      throw validationFailed([{ field: 'commits', code: 'invalid', message: 'push 1..2000 commits' }]);
    let branch = d.branches.get(branchName);
    const created = !branch;
    const before = branch?.tip ?? ZERO_SHA;
    let parent = branch?.tip ?? (d.branches.get(repo.defaultBranch) as SimBranch).tip;
    const rng = new Rng(hash32(graph.spec.key, graph.explicit.size, 99));
    const made: SimCommit[] = [];
    let lastDate = 0;
    for (const spec of specs) {
      const author = this.authorOf(spec.author, sender);
      let date = spec.date !== undefined ? toMs(spec.date, 'date') : Math.max(Date.now(), lastDate + 1000);
      date = Math.floor(date / 1000) * 1000;
      lastDate = date;
      const fileNames = spec.files?.length
        ? spec.files
        : [`${rng.pick(graph.spec.dirs)}/${rng.pick(FILE_STEMS)}.${graph.spec.ext}`];
      const additions = spec.additions ?? rng.skewed(120);
      const deletions = spec.deletions ?? rng.skewed(40);
      const files = fileNames.map((filename, k) => ({
        filename: String(filename),
        status: 'modified' as const,
        additions:
          k === 0
            ? additions - Math.floor((additions * (fileNames.length - 1)) / fileNames.length)
            : Math.floor(additions / fileNames.length),
        deletions:
          k === 0
            ? deletions - Math.floor((deletions * (fileNames.length - 1)) / fileNames.length)
            : Math.floor(deletions / fileNames.length),
      }));
      const message = spec.message ?? `${rng.pick(COMMIT_VERBS)} ${rng.pick(COMMIT_SUBJECTS)}`;
      const commit = makeCommit({ message, author, committer: author, date, parents: [parent], files });
      graph.add(commit);
      made.push(commit);
      parent = commit.sha;
    }
    if (!branch) {
      branch = { name: branchName, tip: parent, protected: false };
      d.branches.set(branchName, branch);
    } else branch.tip = parent;
    repo.pushedAt = Date.now();
    repo.updatedAt = repo.pushedAt;
    const ref = `refs/heads/${branchName}`;
    this.feed(repo, 'PushEvent', sender, { ref, head: parent, before, shas: made.map((c) => c.sha) });
    if (created) {
      this.feed(repo, 'CreateEvent', sender, { ref: branchName, ref_type: 'branch' });
      await this.emit({ type: 'create', repo, senderId: sender, refType: 'branch', ref: branchName });
    }
    await this.emit({
      type: 'push',
      repo,
      senderId: sender,
      ref,
      before,
      after: parent,
      commits: made,
      created,
      deleted: false,
      forced: !!input.force,
    });
    for (const pull of d.pulls) {
      if (pull.state === 'open' && pull.headRef === branchName) {
        const previous = pull.headSha;
        pull.headSha = parent;
        pull.commits += made.length;
        pull.additions += made.reduce((s, c) => s + c.additions, 0);
        pull.deletions += made.reduce((s, c) => s + c.deletions, 0);
        pull.updatedAt = Date.now();
        await this.emit({
          type: 'pull_request',
          repo,
          senderId: sender,
          action: 'synchronize',
          pull,
          before: previous,
          after: parent,
        });
      }
    }
    return { ref, before, after: parent, shas: made.map((c) => c.sha) };
  }

  async createBranch(
    input: RepoRef & { branch: string; from?: string; sender?: string },
  ): Promise<SimBranch> {
    const repo = this.writableRepo(input);
    const d = this.detail(repo);
    validateRefName(input.branch);
    if (d.branches.has(input.branch)) throw new SimError(422, 'Reference already exists');
    const tip = this.resolveRef(repo, input.from ?? repo.defaultBranch);
    if (!tip) throw new SimError(422, 'Object does not exist');
    const sender = this.senderOf(repo, input.sender);
    const branch: SimBranch = { name: input.branch, tip, protected: false };
    d.branches.set(branch.name, branch);
    this.feed(repo, 'CreateEvent', sender, { ref: branch.name, ref_type: 'branch' });
    await this.emit({ type: 'create', repo, senderId: sender, refType: 'branch', ref: branch.name });
    await this.emit({
      type: 'push',
      repo,
      senderId: sender,
      ref: `refs/heads/${branch.name}`,
      before: ZERO_SHA,
      after: tip,
      commits: [],
      created: true,
      deleted: false,
      forced: false,
    });
    return branch;
  }

  async deleteBranch(input: RepoRef & { branch: string; sender?: string }): Promise<void> {
    const repo = this.writableRepo(input);
    const d = this.detail(repo);
    const branch = d.branches.get(input.branch);
    if (!branch) throw new SimError(422, 'Reference does not exist');
    if (branch.name === repo.defaultBranch) throw new SimError(422, 'Cannot delete the default branch');
    const sender = this.senderOf(repo, input.sender);
    d.branches.delete(branch.name);
    for (const pull of d.pulls) {
      if (pull.state === 'open' && pull.headRef === branch.name) {
        pull.state = 'closed';
        pull.closedAt = Date.now();
        pull.updatedAt = pull.closedAt;
        await this.emit({ type: 'pull_request', repo, senderId: sender, action: 'closed', pull });
      }
    }
    this.feed(repo, 'DeleteEvent', sender, { ref: branch.name, ref_type: 'branch' });
    await this.emit({ type: 'delete', repo, senderId: sender, refType: 'branch', ref: branch.name });
    await this.emit({
      type: 'push',
      repo,
      senderId: sender,
      ref: `refs/heads/${branch.name}`,
      before: branch.tip,
      after: ZERO_SHA,
      commits: [],
      created: false,
      deleted: true,
      forced: false,
    });
  }

  async openPull(
    input: RepoRef & {
      head: string;
      base?: string;
      title: string;
      body?: string;
      author?: string;
      draft?: boolean;
    },
  ): Promise<SimPull> {
    const repo = this.writableRepo(input);
    const d = this.detail(repo);
    if (typeof input.title !== 'string' || !input.title.trim())
      throw validationFailed([{ resource: 'PullRequest', field: 'title', code: 'missing_field' }]);
    const base = input.base ?? repo.defaultBranch;
    const headName = input.head.includes(':') ? input.head.split(':')[1] : input.head;
    const head = d.branches.get(headName);
    const baseBranch = d.branches.get(base);
    if (!head) throw validationFailed([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
    if (!baseBranch) throw validationFailed([{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
    if (d.pulls.some((p) => p.state === 'open' && p.headRef === headName && p.baseRef === base)) {
      throw validationFailed([
        {
          resource: 'PullRequest',
          code: 'custom',
          message: `A pull request already exists for ${this.ownerLogin(repo)}:${headName}.`,
        },
      ]);
    }
    if (this.graph(repo).isAncestor(head.tip, baseBranch.tip)) {
      throw validationFailed([
        { resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${headName}` },
      ]);
    }
    const author = this.senderOf(repo, input.author);
    const now = Date.now();
    const pull: SimPull = {
      id: this.nextId('pull'),
      number: d.nextNumber++,
      title: input.title,
      body: input.body ?? '',
      state: 'open',
      draft: !!input.draft,
      locked: false,
      authorId: author,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      mergedAt: null,
      mergedById: null,
      mergeCommitSha: null,
      headRef: headName,
      headSha: head.tip,
      baseRef: base,
      baseSha: baseBranch.tip,
      additions: 0,
      deletions: 0,
      changedFiles: 0,
      commits: 0,
      comments: 0,
      labels: [],
      reviews: [],
      requestedReviewerIds: [],
    };
    const ahead = this.graph(repo)
      .history(head.tip, { skip: 0, take: 250 })
      .commits.filter((c) => !this.graph(repo).isAncestor(c.sha, baseBranch.tip));
    pull.commits = ahead.length;
    pull.additions = ahead.reduce((s, c) => s + c.additions, 0);
    pull.deletions = ahead.reduce((s, c) => s + c.deletions, 0);
    pull.changedFiles = new Set(ahead.flatMap((c) => c.files.map((f) => f.filename))).size;
    d.pulls.push(pull);
    this.feed(repo, 'PullRequestEvent', author, { action: 'opened', number: pull.number, pullId: pull.id });
    await this.emit({ type: 'pull_request', repo, senderId: author, action: 'opened', pull });
    return pull;
  }

  pull(repo: SimRepo, number: number): SimPull {
    const pull = this.detail(repo).pulls.find((p) => p.number === number);
    if (!pull) throw notFound();
    return pull;
  }

  async updatePull(
    input: RepoRef & {
      number: number;
      title?: string;
      body?: string;
      state?: 'open' | 'closed';
      draft?: boolean;
      sender?: string;
    },
  ): Promise<SimPull> {
    const repo = this.writableRepo(input);
    const pull = this.pull(repo, input.number);
    const sender = this.senderOf(repo, input.sender);
    const changes: Record<string, { from: unknown }> = {};
    if (input.title !== undefined && input.title !== pull.title) {
      changes['title'] = { from: pull.title };
      pull.title = input.title;
    }
    if (input.body !== undefined && input.body !== pull.body) {
      changes['body'] = { from: pull.body };
      pull.body = input.body;
    }
    pull.updatedAt = Date.now();
    if (Object.keys(changes).length)
      await this.emit({ type: 'pull_request', repo, senderId: sender, action: 'edited', pull, changes });
    if (input.draft !== undefined && input.draft !== pull.draft && pull.state === 'open') {
      pull.draft = input.draft;
      await this.emit({
        type: 'pull_request',
        repo,
        senderId: sender,
        action: input.draft ? 'converted_to_draft' : 'ready_for_review',
        pull,
      });
    }
    if (input.state && input.state !== pull.state) {
      if (pull.mergedAt)
        throw validationFailed([
          {
            resource: 'PullRequest',
            code: 'custom',
            message: 'Cannot change the state of a merged pull request',
          },
        ]);
      pull.state = input.state;
      pull.closedAt = input.state === 'closed' ? Date.now() : null;
      const action = input.state === 'closed' ? 'closed' : 'reopened';
      this.feed(repo, 'PullRequestEvent', sender, { action, number: pull.number, pullId: pull.id });
      await this.emit({ type: 'pull_request', repo, senderId: sender, action, pull });
    }
    return pull;
  }

  async closePull(input: RepoRef & { number: number; sender?: string }): Promise<SimPull> {
    return this.updatePull({ ...input, state: 'closed' });
  }

  async mergePull(
    input: RepoRef & {
      number: number;
      method?: 'merge' | 'squash' | 'rebase';
      sender?: string;
      commitTitle?: string;
    },
  ): Promise<{ sha: string; merged: true; message: string }> {
    const repo = this.writableRepo(input);
    const d = this.detail(repo);
    const pull = this.pull(repo, input.number);
    if (pull.mergedAt) throw new SimError(405, 'Pull Request is not mergeable');
    if (pull.state !== 'open') throw new SimError(405, 'Pull Request is not mergeable');
    if (pull.draft) throw new SimError(405, 'Pull Request is still a draft');
    const base = d.branches.get(pull.baseRef);
    if (!base) throw new SimError(422, 'Base branch was deleted');
    const sender = this.senderOf(repo, input.sender);
    const mergerUser = this.users.get(sender) as SimUser;
    const merger: SimCommitAuthor = { name: mergerUser.name, email: mergerUser.email, userId: mergerUser.id };
    const method = input.method ?? 'merge';
    const graph = this.graph(repo);
    const ahead = graph
      .history(pull.headSha, { skip: 0, take: 250 })
      .commits.filter((c) => !graph.isAncestor(c.sha, base.tip));
    const files = mergeFiles(ahead);
    const author = this.users.get(pull.authorId) as SimUser;
    const message =
      method === 'merge'
        ? `Merge pull request #${pull.number} from ${this.ownerLogin(repo)}/${pull.headRef}\n\n${input.commitTitle ?? pull.title}`
        : `${input.commitTitle ?? pull.title} (#${pull.number})`;
    const commit = makeCommit({
      message,
      author: method === 'merge' ? merger : { name: author.name, email: author.email, userId: author.id },
      committer: { name: 'GitHub', email: 'noreply@github.com', userId: null },
      date: Math.floor(Date.now() / 1000) * 1000,
      parents: method === 'merge' ? [base.tip, pull.headSha] : [base.tip],
      files,
    });
    graph.add(commit);
    const before = base.tip;
    base.tip = commit.sha;
    const now = Date.now();
    pull.state = 'closed';
    pull.mergedAt = now;
    pull.closedAt = now;
    pull.updatedAt = now;
    pull.mergedById = sender;
    pull.mergeCommitSha = commit.sha;
    repo.pushedAt = now;
    this.feed(repo, 'PushEvent', sender, {
      ref: `refs/heads/${base.name}`,
      head: commit.sha,
      before,
      shas: [commit.sha],
    });
    this.feed(repo, 'PullRequestEvent', sender, { action: 'closed', number: pull.number, pullId: pull.id });
    await this.emit({
      type: 'push',
      repo,
      senderId: sender,
      ref: `refs/heads/${base.name}`,
      before,
      after: commit.sha,
      commits: [commit],
      created: false,
      deleted: false,
      forced: false,
    });
    await this.emit({ type: 'pull_request', repo, senderId: sender, action: 'closed', pull });
    return { sha: commit.sha, merged: true, message: 'Pull Request successfully merged' };
  }

  async reviewPull(
    input: RepoRef & {
      number: number;
      reviewer: string;
      state?: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED';
      body?: string;
    },
  ): Promise<SimReview> {
    const repo = this.writableRepo(input);
    const pull = this.pull(repo, input.number);
    const reviewer = this.requireUser(input.reviewer);
    const state = input.state ?? 'COMMENTED';
    if (!['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED'].includes(state))
      throw validationFailed([{ resource: 'PullRequestReview', field: 'event', code: 'invalid' }]);
    if (reviewer.id === pull.authorId && state !== 'COMMENTED') {
      throw new SimError(422, 'Unprocessable Entity', {
        errors: [
          state === 'APPROVED'
            ? 'Review Can not approve your own pull request'
            : 'Review Can not request changes on your own pull request',
        ],
      });
    }
    if (state !== 'APPROVED' && !input.body)
      throw new SimError(422, 'Unprocessable Entity', { errors: ['Review body is required for this event'] });
    const review: SimReview = {
      id: this.nextId('review'),
      userId: reviewer.id,
      state,
      body: input.body ?? '',
      submittedAt: Date.now(),
      commitId: pull.headSha,
    };
    pull.reviews.push(review);
    pull.updatedAt = review.submittedAt;
    this.feed(repo, 'PullRequestReviewEvent', reviewer.id, {
      action: 'created',
      number: pull.number,
      pullId: pull.id,
      reviewId: review.id,
    });
    await this.emit({
      type: 'pull_request_review',
      repo,
      senderId: reviewer.id,
      action: 'submitted',
      pull,
      review,
    });
    return review;
  }

  async star(input: RepoRef & { login: string; starred?: boolean }): Promise<boolean> {
    const repo = this.requireRepo(input);
    const user = this.requireUser(input.login);
    if (this.permissionOf(repo, user.id) === null) throw notFound();
    const d = this.detail(repo);
    const idx = d.stars.findIndex((s) => s.userId === user.id);
    const want = input.starred ?? true;
    if (want && idx < 0) {
      const starredAt = Date.now();
      d.stars.push({ userId: user.id, starredAt });
      this.feed(repo, 'WatchEvent', user.id, { action: 'started' });
      await this.emit({ type: 'star', repo, senderId: user.id, action: 'created', starredAt });
      await this.emit({ type: 'watch', repo, senderId: user.id, action: 'started' });
      return true;
    }
    if (!want && idx >= 0) {
      d.stars.splice(idx, 1);
      await this.emit({ type: 'star', repo, senderId: user.id, action: 'deleted', starredAt: null });
      return true;
    }
    return false;
  }

  async unstar(input: RepoRef & { login: string }): Promise<boolean> {
    return this.star({ ...input, starred: false });
  }

  async fork(
    input: RepoRef & { login: string; organization?: string; name?: string; defaultBranchOnly?: boolean },
  ): Promise<SimRepo> {
    const parent = this.requireRepo(input);
    const user = this.requireUser(input.login);
    if (this.permissionOf(parent, user.id) === null) throw notFound();
    const org = input.organization ? this.org(input.organization) : undefined;
    if (input.organization && (!org || !org.members.has(user.id)))
      throw validationFailed([{ field: 'organization', code: 'invalid' }]);
    const ownerType = org ? 'Organization' : 'User';
    const ownerId = org ? org.id : user.id;
    const ownerLogin = org ? org.login : user.login;
    const name = input.name ?? parent.name;
    validateRepoName(name);
    const existing = this.repo(ownerLogin, name);
    if (existing) {
      if (existing.parentId === parent.id) return existing;
      throw validationFailed([
        {
          resource: 'Repository',
          field: 'name',
          code: 'custom',
          message: 'name already exists on this account',
        },
      ]);
    }
    const now = Date.now();
    const fork: SimRepo = {
      ...parent,
      id: this.nextId('repo'),
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
    const pd = this.detail(parent);
    const branches = new Map<string, SimBranch>();
    for (const b of pd.branches.values())
      if (!input.defaultBranchOnly || b.name === parent.defaultBranch)
        branches.set(b.name, { ...b, protected: false });
    fork.detail = {
      branches,
      pulls: [],
      issues: [],
      labels: pd.labels.map((l) => ({ ...l, id: this.nextId('label') })),
      stars: [],
      events: [],
      nextNumber: 1,
    };
    this.indexRepo(fork);
    parent.forksCount++;
    this.feed(parent, 'ForkEvent', user.id, { forkeeId: fork.id });
    await this.emit({ type: 'fork', repo: parent, senderId: user.id, forkee: fork });
    return fork;
  }

  async renameRepo(input: RepoRef & { name: string; sender?: string }): Promise<SimRepo> {
    const repo = this.adminRepo(input);
    validateRepoName(input.name);
    const owner = this.ownerLogin(repo);
    const clash = this.repo(owner, input.name);
    if (clash && clash.id !== repo.id)
      throw validationFailed([
        {
          resource: 'Repository',
          field: 'name',
          code: 'custom',
          message: 'name already exists on this account',
        },
      ]);
    const from = repo.name;
    this.repoNames.delete(`${owner}/${from}`.toLowerCase());
    this.movedRepos.set(`${owner}/${from}`.toLowerCase(), repo.id);
    repo.name = input.name;
    repo.updatedAt = Date.now();
    this.indexRepo(repo);
    await this.emit({
      type: 'repository',
      repo,
      senderId: this.senderOf(repo, input.sender),
      action: 'renamed',
      changes: { repository: { name: { from } } },
    });
    return repo;
  }

  async transferRepo(input: RepoRef & { newOwner: string; sender?: string }): Promise<SimRepo> {
    const repo = this.adminRepo(input);
    const target = this.logins.get(input.newOwner.toLowerCase());
    if (!target) throw validationFailed([{ field: 'new_owner', code: 'invalid' }]);
    const targetLogin =
      target.kind === 'user'
        ? (this.users.get(target.id) as SimUser).login
        : (this.orgs.get(target.id) as SimOrg).login;
    if (this.repo(targetLogin, repo.name))
      throw validationFailed([
        {
          resource: 'Repository',
          field: 'name',
          code: 'custom',
          message: 'name already exists on this account',
        },
      ]);
    const sender = this.senderOf(repo, input.sender);
    const fromOwner =
      repo.ownerType === 'User'
        ? { user: this.users.get(repo.ownerId) }
        : { organization: this.orgs.get(repo.ownerId) };
    const oldKey = this.fullName(repo).toLowerCase();
    this.repoNames.delete(oldKey);
    this.movedRepos.set(oldKey, repo.id);
    repo.ownerId = target.id;
    repo.ownerType = target.kind === 'user' ? 'User' : 'Organization';
    repo.updatedAt = Date.now();
    this.indexRepo(repo);
    await this.emit({
      type: 'repository',
      repo,
      senderId: sender,
      action: 'transferred',
      changes: { owner: { from: fromOwner } },
    });
    return repo;
  }

  async archiveRepo(input: RepoRef & { archived?: boolean; sender?: string }): Promise<SimRepo> {
    const repo = this.adminRepo(input);
    const archived = input.archived ?? true;
    if (repo.archived === archived) return repo;
    repo.archived = archived;
    repo.updatedAt = Date.now();
    await this.emit({
      type: 'repository',
      repo,
      senderId: this.senderOf(repo, input.sender),
      action: archived ? 'archived' : 'unarchived',
    });
    return repo;
  }

  async setVisibility(input: RepoRef & { private: boolean; sender?: string }): Promise<SimRepo> {
    const repo = this.adminRepo(input);
    if (repo.private === input.private) return repo;
    repo.private = input.private;
    repo.visibility = input.private ? 'private' : 'public';
    const sender = this.senderOf(repo, input.sender);
    if (!input.private) this.feed(repo, 'PublicEvent', sender, {});
    await this.emit({
      type: 'repository',
      repo,
      senderId: sender,
      action: input.private ? 'privatized' : 'publicized',
    });
    return repo;
  }

  async deleteRepo(input: RepoRef & { sender?: string }): Promise<void> {
    const repo = this.adminRepo(input);
    const sender = this.senderOf(repo, input.sender);
    await this.emit({ type: 'repository', repo, senderId: sender, action: 'deleted' });
    repo.deleted = true;
    this.repoNames.delete(this.fullName(repo).toLowerCase());
  }

  async openIssue(
    input: RepoRef & { title: string; body?: string; author?: string; labels?: string[] },
  ): Promise<SimIssue> {
    const repo = this.writableRepo(input);
    if (typeof input.title !== 'string' || !input.title.trim())
      throw validationFailed([{ resource: 'Issue', field: 'title', code: 'missing_field' }]);
    const d = this.detail(repo);
    const author = this.senderOf(repo, input.author, 'pull');
    const now = Date.now();
    const issue: SimIssue = {
      id: this.nextId('issue'),
      number: d.nextNumber++,
      title: input.title,
      body: input.body ?? '',
      state: 'open',
      stateReason: null,
      authorId: author,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      comments: 0,
      labels: (input.labels ?? []).filter((l) => d.labels.some((x) => x.name === l)),
    };
    d.issues.push(issue);
    this.feed(repo, 'IssuesEvent', author, { action: 'opened', number: issue.number, issueId: issue.id });
    await this.emit({ type: 'issues', repo, senderId: author, action: 'opened', issue });
    return issue;
  }

  async closeIssue(
    input: RepoRef & {
      number: number;
      reason?: 'completed' | 'not_planned';
      sender?: string;
      reopen?: boolean;
    },
  ): Promise<SimIssue> {
    const repo = this.writableRepo(input);
    const issue = this.detail(repo).issues.find((i) => i.number === input.number);
    if (!issue) throw notFound();
    const sender = this.senderOf(repo, input.sender, 'pull');
    const now = Date.now();
    if (input.reopen) {
      if (issue.state === 'open') return issue;
      issue.state = 'open';
      issue.stateReason = 'reopened';
      issue.closedAt = null;
    } else {
      if (issue.state === 'closed') return issue;
      issue.state = 'closed';
      issue.stateReason = input.reason ?? 'completed';
      issue.closedAt = now;
    }
    issue.updatedAt = now;
    const action = input.reopen ? 'reopened' : 'closed';
    this.feed(repo, 'IssuesEvent', sender, { action, number: issue.number, issueId: issue.id });
    await this.emit({ type: 'issues', repo, senderId: sender, action, issue });
    return issue;
  }

  async revokeAccess(input: RepoRef & { login: string; sender?: string }): Promise<void> {
    const repo = this.requireRepo(input);
    const user = this.requireUser(input.login);
    const wasCollaborator = repo.collaborators.delete(user.id);
    repo.revoked.add(user.id);
    if (wasCollaborator) {
      this.feed(repo, 'MemberEvent', this.senderOf(repo, input.sender), {
        action: 'removed',
        memberId: user.id,
      });
      await this.emit({
        type: 'member',
        repo,
        senderId: this.senderOf(repo, input.sender),
        action: 'removed',
        memberId: user.id,
      });
    }
  }

  /**
   * Removes a direct collaborator, as GitHub's `DELETE /repos/{owner}/{repo}/collaborators/{username}` does:
   * access through an organization or team stays; the `member` webhook (removed) goes out if they were one.
   */
  async removeCollaborator(input: RepoRef & { login: string; senderId: number }): Promise<boolean> {
    const repo = this.requireRepo(input);
    const user = this.requireUser(input.login);
    if (!repo.collaborators.delete(user.id)) return false;
    this.feed(repo, 'MemberEvent', input.senderId, { action: 'removed', memberId: user.id });
    await this.emit({ type: 'member', repo, senderId: input.senderId, action: 'removed', memberId: user.id });
    return true;
  }

  async grantAccess(
    input: RepoRef & { login: string; permission?: RepoPermission; sender?: string },
  ): Promise<void> {
    const repo = this.requireRepo(input);
    const user = this.requireUser(input.login);
    const permission = input.permission ?? 'push';
    if (!(permission in PERMISSION_RANK)) throw validationFailed([{ field: 'permission', code: 'invalid' }]);
    repo.revoked.delete(user.id);
    const isNew = !repo.collaborators.has(user.id);
    repo.collaborators.set(user.id, permission);
    if (isNew) {
      this.feed(repo, 'MemberEvent', this.senderOf(repo, input.sender), {
        action: 'added',
        memberId: user.id,
      });
      await this.emit({
        type: 'member',
        repo,
        senderId: this.senderOf(repo, input.sender),
        action: 'added',
        memberId: user.id,
      });
    }
  }

  // ---------------------------------------------------------------- helpers

  /** Resolve a branch name, full ref, or commit SHA (or prefix) to a commit SHA in a repo. */
  resolveRef(repo: SimRepo, ref: string): string | undefined {
    const d = this.detail(repo);
    const name = ref.startsWith('refs/heads/')
      ? ref.slice(11)
      : ref.startsWith('heads/')
        ? ref.slice(6)
        : ref;
    const b = d.branches.get(name);
    if (b) return b.tip;
    return this.graph(repo).resolve(ref)?.sha;
  }

  /** Archived repos are read-only on GitHub (403). */
  private writableRepo(ref: RepoRef): SimRepo {
    const repo = this.requireRepo(ref);
    if (repo.archived) throw new SimError(403, 'Repository was archived so is read-only.');
    return repo;
  }

  private adminRepo(ref: RepoRef): SimRepo {
    return this.requireRepo(ref);
  }

  /** The acting user: a named login, else someone with write access (the owner, an org admin, octocat). */
  private senderOf(repo: SimRepo, login: string | undefined, need: RepoPermission = 'push'): number {
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
    return [...org.members.keys()][0];
  }

  private authorOf(spec: PushCommitSpec['author'], senderId: number): SimCommitAuthor {
    if (spec && typeof spec === 'object') {
      if (typeof spec.name !== 'string' || typeof spec.email !== 'string')
        throw validationFailed([{ field: 'author', code: 'invalid' }]);
      const linked = [...this.users.values()].find((u) => u.email.toLowerCase() === spec.email.toLowerCase());
      return { name: spec.name, email: spec.email, userId: linked?.id ?? null };
    }
    const u = typeof spec === 'string' ? this.requireUser(spec) : (this.users.get(senderId) as SimUser);
    return { name: u.name, email: u.email, userId: u.id };
  }

  private feed(repo: SimRepo, type: string, actorId: number, payload: Record<string, unknown>): void {
    const d = this.detail(repo);
    d.events.unshift({ id: String(this.nextId('event')), type, actorId, createdAt: Date.now(), payload });
    if (d.events.length > 300) d.events.length = 300;
  }
}

function anchorOf(now: SimWorldOptions['now']): number {
  if (now === undefined) return Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const ms = now instanceof Date ? now.getTime() : typeof now === 'number' ? now : Date.parse(now);
  if (!Number.isFinite(ms)) throw new Error(`Invalid "now": ${String(now)}`);
  return ms;
}

function toMs(v: string | number | Date, field: string): number {
  const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(ms)) throw validationFailed([{ field, code: 'invalid' }]);
  return ms;
}

function validateRefName(name: string): void {
  if (
    typeof name !== 'string' ||
    !name ||
    name.length > 250 ||
    /(^[/.]|\.\.|[~^:?*[\\\s]|@\{|\/$|\.lock$|\/\/)/.test(name)
  ) {
    throw new SimError(422, `Reference name is not valid: ${String(name)}`);
  }
}

function validateRepoName(name: string): void {
  if (typeof name !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(name) || name === '.' || name === '..') {
    throw validationFailed([{ resource: 'Repository', field: 'name', code: 'invalid' }]);
  }
}

function normalizeScopes(scopes: string[]): string[] {
  return [...new Set(scopes.map((s) => s.trim()).filter(Boolean))];
}

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function base62(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += B62[b % 62] + B62[(b * 7) % 62];
  return out;
}

function mergeFiles(commits: SimCommit[]): SimCommit['files'] {
  const byName = new Map<string, SimCommit['files'][number]>();
  for (const c of commits) {
    for (const f of c.files) {
      const prev = byName.get(f.filename);
      if (prev) {
        prev.additions += f.additions;
        prev.deletions += f.deletions;
      } else byName.set(f.filename, { ...f });
    }
  }
  return byName.size
    ? [...byName.values()]
    : [{ filename: 'README.md', status: 'modified', additions: 1, deletions: 0 }];
}

/** A commit object whose SHA is the SHA-1 of a git-style commit text, like git's own. */
function makeCommit(input: {
  message: string;
  author: SimCommitAuthor;
  committer: SimCommitAuthor;
  date: number;
  parents: string[];
  files: SimCommit['files'];
}): SimCommit {
  const treeSha = createHash('sha1')
    .update(`tree ${input.parents.join(',')} ${JSON.stringify(input.files)}`)
    .digest('hex');
  const secs = Math.floor(input.date / 1000);
  const text =
    `tree ${treeSha}\n` +
    input.parents.map((p) => `parent ${p}\n`).join('') +
    `author ${input.author.name} <${input.author.email}> ${secs} +0000\n` +
    `committer ${input.committer.name} <${input.committer.email}> ${secs} +0000\n\n${input.message}\n`;
  const sha = createHash('sha1')
    .update(`commit ${Buffer.byteLength(text)}\0${text}`)
    .digest('hex');
  return {
    sha,
    treeSha,
    message: input.message,
    author: input.author,
    committer: input.committer,
    authoredAt: input.date,
    committedAt: input.date,
    parents: input.parents,
    additions: input.files.reduce((s, f) => s + f.additions, 0),
    deletions: input.files.reduce((s, f) => s + f.deletions, 0),
    files: input.files,
  };
}
