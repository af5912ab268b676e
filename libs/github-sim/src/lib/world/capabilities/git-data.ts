import { makeCommit, tagObjectSha, ZERO_SHA } from '../git-objects';
import { closingReferences } from '../issue-timeline';
import { COMMIT_SUBJECTS, COMMIT_VERBS, FILE_STEMS } from '../names.constant';
import { hash32, Rng } from '../random.util';
import { SimError, validationFailed } from '../sim-error';
import type { RepoRef, WorldStore } from '../world-store';
import type { SimBranch, SimCommit, SimCommitAuthor, SimRepo, SimTag, SimUser } from '../world.types';
import { closeIssueBy } from './issues';
import { WorldCapability } from './world-capability';

export interface PushCommitSpec {
  message?: string;
  /** Login of a simulated user, or a raw name/email (an author GitHub cannot link: REST `author: null`). */
  author?: string | { name: string; email: string };
  date?: string | number | Date;
  additions?: number;
  deletions?: number;
  files?: string[];
}

export interface PushInput extends RepoRef {
  branch?: string;
  /** How many commits to make (1..2000), or one spec each; 0 (or none) only with `onto`, to reset the branch. */
  commits?: number | PushCommitSpec[];
  sender?: string;
  /** Allows an update that is not a fast-forward (without it: 422 `Update is not a fast forward`). */
  force?: boolean;
  /** Branch, tag or commit SHA to build the new commits on instead of the branch's tip (a rewrite). */
  onto?: string;
}

export interface PushResult {
  ref: string;
  before: string;
  after: string;
  shas: string[];
}

export interface CreateBranchInput extends RepoRef {
  branch: string;
  /** Branch, ref or commit SHA to start from (default: the default branch). */
  from?: string;
  sender?: string;
}

export interface DeleteBranchInput extends RepoRef {
  branch: string;
  sender?: string;
}

export interface CreateTagInput extends RepoRef {
  tag: string;
  /** Branch, tag or commit SHA to tag (default: the default branch). */
  from?: string;
  /** Makes an annotated tag (a tag object by the sender with this message); lightweight without. */
  message?: string;
  sender?: string;
}

export interface DeleteTagInput extends RepoRef {
  tag: string;
  sender?: string;
}

/** Commits, branches and tags: pushes, creation and deletion, with their push/create/delete webhooks. */
export class GitData extends WorldCapability {
  async pushCommits(input: PushInput): Promise<PushResult> {
    const store = this.store;
    const repo = store.writableRepo(input);
    const d = store.detail(repo);
    const graph = store.graph(repo);
    const sender = store.senderOf(repo, input.sender);
    const branchName = input.branch ?? repo.defaultBranch;
    validateRefName(branchName);
    const specs: PushCommitSpec[] =
      typeof input.commits === 'number' || input.commits === undefined
        ? Array.from({ length: input.commits ?? 1 }, () => ({}))
        : input.commits;
    const least = input.onto === undefined ? 1 : 0;
    if (!Array.isArray(specs) || specs.length < least || specs.length > 2000)
      throw validationFailed([{ field: 'commits', code: 'invalid', message: `push ${least}..2000 commits` }]);
    let branch = d.branches.get(branchName);
    const created = !branch;
    const before = branch?.tip ?? ZERO_SHA;
    let parent = branch?.tip ?? (d.branches.get(repo.defaultBranch) as SimBranch).tip;
    if (input.onto !== undefined) {
      const onto = store.resolveRef(repo, input.onto);
      if (!onto) throw new SimError(422, 'Object does not exist');
      // The new commits are all new, so the old tip is an ancestor of the new one only through `onto`.
      if (branch && !input.force && !graph.isAncestor(branch.tip, onto)) throw notFastForward();
      parent = onto;
      // Nothing to push: git answers "Everything up-to-date" and GitHub sends nothing.
      if (!specs.length && onto === before)
        return { ref: `refs/heads/${branchName}`, before, after: before, shas: [] };
    }
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
    store.feed(repo, 'PushEvent', sender, { ref, head: parent, before, shas: made.map((c) => c.sha) });
    if (created) {
      store.feed(repo, 'CreateEvent', sender, { ref: branchName, ref_type: 'branch' });
      await store.emit({ type: 'create', repo, senderId: sender, refType: 'branch', ref: branchName });
    }
    await store.emit({
      type: 'push',
      repo,
      senderId: sender,
      ref,
      before,
      after: parent,
      commits: made,
      created,
      deleted: false,
      // GitHub sees only the old and new tips: a push is forced when the new tip does not contain the old one.
      forced: !created && !graph.isAncestor(before, parent),
    });
    // Pushed to the default branch, a commit closes the open issues its message names ("Fixes #N").
    if (branchName === repo.defaultBranch)
      for (const c of made)
        for (const n of closingReferences(c.message)) {
          const issue = d.issues.find((i) => i.number === n && i.state === 'open');
          if (issue) await closeIssueBy(store, repo, issue, { senderId: sender, commit: c.sha });
        }
    for (const pull of d.pulls) {
      if (pull.state === 'open' && pull.headRef === branchName) {
        const previous = pull.headSha;
        pull.headSha = parent;
        if (input.onto === undefined) {
          pull.commits += made.length;
          pull.additions += made.reduce((s, c) => s + c.additions, 0);
          pull.deletions += made.reduce((s, c) => s + c.deletions, 0);
        } else {
          // A rewritten head: what the pull request holds is what the head has and its base has not.
          const base = d.branches.get(pull.baseRef)?.tip ?? pull.baseSha;
          const own = graph.ownCommits(parent, base);
          pull.commits = graph.countNotIn(parent, base);
          pull.additions = own.reduce((s, c) => s + c.additions, 0);
          pull.deletions = own.reduce((s, c) => s + c.deletions, 0);
          pull.changedFiles = new Set(own.flatMap((c) => c.files.map((f) => f.filename))).size;
        }
        pull.updatedAt = Date.now();
        await store.emit({
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

  async createBranch(input: CreateBranchInput): Promise<SimBranch> {
    const store = this.store;
    const repo = store.writableRepo(input);
    const d = store.detail(repo);
    validateRefName(input.branch);
    if (d.branches.has(input.branch)) throw new SimError(422, 'Reference already exists');
    const tip = store.resolveRef(repo, input.from ?? repo.defaultBranch);
    if (!tip) throw new SimError(422, 'Object does not exist');
    const sender = store.senderOf(repo, input.sender);
    const branch: SimBranch = { name: input.branch, tip, protected: false };
    d.branches.set(branch.name, branch);
    store.feed(repo, 'CreateEvent', sender, { ref: branch.name, ref_type: 'branch' });
    await store.emit({ type: 'create', repo, senderId: sender, refType: 'branch', ref: branch.name });
    await store.emit({
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

  /** Deletes a branch; open pull requests from it are closed, as on GitHub. */
  async deleteBranch(input: DeleteBranchInput): Promise<void> {
    const store = this.store;
    const repo = store.writableRepo(input);
    const d = store.detail(repo);
    const branch = d.branches.get(input.branch);
    if (!branch) throw new SimError(422, 'Reference does not exist');
    if (branch.name === repo.defaultBranch) throw new SimError(422, 'Cannot delete the default branch');
    const sender = store.senderOf(repo, input.sender);
    d.branches.delete(branch.name);
    for (const pull of d.pulls) {
      if (pull.state === 'open' && pull.headRef === branch.name) {
        pull.state = 'closed';
        pull.closedAt = Date.now();
        pull.updatedAt = pull.closedAt;
        await store.emit({ type: 'pull_request', repo, senderId: sender, action: 'closed', pull });
      }
    }
    store.feed(repo, 'DeleteEvent', sender, { ref: branch.name, ref_type: 'branch' });
    await store.emit({ type: 'delete', repo, senderId: sender, refType: 'branch', ref: branch.name });
    await store.emit({
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

  /** Creates a tag as `git push origin <tag>` or the git refs API do: `create` (ref_type tag), then `push`. */
  async createTag(input: CreateTagInput): Promise<SimTag> {
    const store = this.store;
    const repo = store.writableRepo(input);
    const sender = store.senderOf(repo, input.sender);
    const tag = await addTag(store, repo, {
      name: input.tag,
      from: input.from ?? repo.defaultBranch,
      message: input.message,
      senderId: sender,
    });
    const d = store.detail(repo);
    const onBranch = [...d.branches.values()].find((b) => b.tip === tag.sha);
    await store.emit({
      type: 'push',
      repo,
      senderId: sender,
      ref: `refs/tags/${tag.name}`,
      before: ZERO_SHA,
      after: tag.annotation?.sha ?? tag.sha,
      commits: [],
      created: true,
      deleted: false,
      forced: false,
      headSha: tag.sha,
      baseRef: onBranch ? `refs/heads/${onBranch.name}` : null,
    });
    return tag;
  }

  /** Deletes a tag (a release on it stays, as on GitHub): `delete` (ref_type tag), then `push` with `deleted`. */
  async deleteTag(input: DeleteTagInput): Promise<void> {
    const store = this.store;
    const repo = store.writableRepo(input);
    const d = store.detail(repo);
    const tag = d.tags.get(input.tag);
    if (!tag) throw new SimError(422, 'Reference does not exist');
    const sender = store.senderOf(repo, input.sender);
    d.tags.delete(tag.name);
    store.feed(repo, 'DeleteEvent', sender, { ref: tag.name, ref_type: 'tag' });
    await store.emit({ type: 'delete', repo, senderId: sender, refType: 'tag', ref: tag.name });
    await store.emit({
      type: 'push',
      repo,
      senderId: sender,
      ref: `refs/tags/${tag.name}`,
      before: tag.annotation?.sha ?? tag.sha,
      after: ZERO_SHA,
      commits: [],
      created: false,
      deleted: true,
      forced: false,
    });
  }

  /** A commit author: a user's login, a raw name/email (linked to the user with that email), or the sender. */
  private authorOf(spec: PushCommitSpec['author'], senderId: number): SimCommitAuthor {
    if (spec && typeof spec === 'object') {
      if (typeof spec.name !== 'string' || typeof spec.email !== 'string')
        throw validationFailed([{ field: 'author', code: 'invalid' }]);
      const linked = [...this.store.users.values()].find(
        (u) => u.email.toLowerCase() === spec.email.toLowerCase(),
      );
      return { name: spec.name, email: spec.email, userId: linked?.id ?? null };
    }
    const u =
      typeof spec === 'string' ? this.store.requireUser(spec) : (this.store.users.get(senderId) as SimUser);
    return { name: u.name, email: u.email, userId: u.id };
  }
}

/**
 * Adds a tag of the commit `from` names (422 when the name is taken or not a valid ref name, or `from` names no
 * commit) and announces `create` (ref_type tag). Releases on a new tag make theirs this way.
 */
export async function addTag(
  store: WorldStore,
  repo: SimRepo,
  input: { name: string; from: string; message?: string; senderId: number; at?: number },
): Promise<SimTag> {
  validateRefName(input.name);
  const d = store.detail(repo);
  if (d.tags.has(input.name)) throw new SimError(422, 'Reference already exists');
  const sha = store.resolveRef(repo, input.from);
  if (!sha) throw new SimError(422, 'Object does not exist');
  const at = Math.floor((input.at ?? Date.now()) / 1000) * 1000;
  let annotation: SimTag['annotation'] = null;
  if (input.message !== undefined) {
    const u = store.users.get(input.senderId) as SimUser;
    const tagger = { name: u.name, email: u.email, userId: u.id };
    const args = { name: input.name, commit: sha, message: input.message, tagger, date: at };
    annotation = { sha: tagObjectSha(args), message: input.message, tagger, taggedAt: at };
  }
  const tag: SimTag = { name: input.name, sha, annotation, createdAt: at };
  d.tags.set(tag.name, tag);
  store.feed(repo, 'CreateEvent', input.senderId, { ref: tag.name, ref_type: 'tag' });
  await store.emit({ type: 'create', repo, senderId: input.senderId, refType: 'tag', ref: tag.name });
  return tag;
}

/** GitHub's answer to a ref update that would drop commits without `force` (the git refs API's 422). */
function notFastForward(): SimError {
  return new SimError(422, 'Update is not a fast forward', {
    documentation_url: 'https://docs.github.com/rest/git/refs#update-a-reference',
  });
}

function toMs(v: string | number | Date, field: string): number {
  const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(ms)) throw validationFailed([{ field, code: 'invalid' }]);
  return ms;
}

/** git's check-ref-format rules, as GitHub applies them to new branch names. */
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
