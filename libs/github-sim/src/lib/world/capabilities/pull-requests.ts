import { closingReferences } from '../issue-timeline';
import { closeIssueBy } from './issues';
import { makeCommit } from '../git-objects';
import { SimError, validationFailed } from '../sim-error';
import type { RepoRef } from '../world-store';
import type { SimCommit, SimCommitAuthor, SimPull, SimReview, SimUser } from '../world.types';
import { WorldCapability } from './world-capability';

export interface OpenPullInput extends RepoRef {
  head: string;
  base?: string;
  title: string;
  body?: string;
  author?: string;
  draft?: boolean;
}

export interface UpdatePullInput extends RepoRef {
  number: number;
  title?: string;
  body?: string;
  state?: 'open' | 'closed';
  draft?: boolean;
  sender?: string;
}

export interface ClosePullInput extends RepoRef {
  number: number;
  sender?: string;
}

export interface MergePullInput extends RepoRef {
  number: number;
  method?: 'merge' | 'squash' | 'rebase';
  sender?: string;
  commitTitle?: string;
}

export interface ReviewPullInput extends RepoRef {
  number: number;
  reviewer: string;
  state?: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED';
  body?: string;
}

/** Pull requests: open, edit, close or reopen, merge (merge, squash, rebase) and review, with GitHub's rules. */
export class PullRequests extends WorldCapability {
  async openPull(input: OpenPullInput): Promise<SimPull> {
    const store = this.store;
    const repo = store.writableRepo(input);
    const d = store.detail(repo);
    if (typeof input.title !== 'string' || !input.title.trim())
      throw validationFailed([{ resource: 'PullRequest', field: 'title', code: 'missing_field' }]);
    const base = input.base ?? repo.defaultBranch;
    const headName = input.head.includes(':') ? (input.head.split(':')[1] ?? '') : input.head;
    const head = d.branches.get(headName);
    const baseBranch = d.branches.get(base);
    if (!head) throw validationFailed([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
    if (!baseBranch) throw validationFailed([{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
    if (d.pulls.some((p) => p.state === 'open' && p.headRef === headName && p.baseRef === base)) {
      throw validationFailed([
        {
          resource: 'PullRequest',
          code: 'custom',
          message: `A pull request already exists for ${store.ownerLogin(repo)}:${headName}.`,
        },
      ]);
    }
    const graph = store.graph(repo);
    if (graph.isAncestor(head.tip, baseBranch.tip)) {
      throw validationFailed([
        { resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${headName}` },
      ]);
    }
    const author = store.senderOf(repo, input.author);
    const now = Date.now();
    const pull: SimPull = {
      id: store.nextId('pull'),
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
    const ahead = graph
      .history(head.tip, { skip: 0, take: 250 })
      .commits.filter((c) => !graph.isAncestor(c.sha, baseBranch.tip));
    pull.commits = ahead.length;
    pull.additions = ahead.reduce((s, c) => s + c.additions, 0);
    pull.deletions = ahead.reduce((s, c) => s + c.deletions, 0);
    pull.changedFiles = new Set(ahead.flatMap((c) => c.files.map((f) => f.filename))).size;
    d.pulls.push(pull);
    store.feed(repo, 'PullRequestEvent', author, { action: 'opened', number: pull.number, pullId: pull.id });
    await store.emit({ type: 'pull_request', repo, senderId: author, action: 'opened', pull });
    return pull;
  }

  /** Edits title/body, toggles draft, closes or reopens; one webhook per kind of change, as GitHub sends. */
  async updatePull(input: UpdatePullInput): Promise<SimPull> {
    const store = this.store;
    const repo = store.writableRepo(input);
    const pull = store.pull(repo, input.number);
    const sender = store.senderOf(repo, input.sender);
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
      await store.emit({ type: 'pull_request', repo, senderId: sender, action: 'edited', pull, changes });
    if (input.draft !== undefined && input.draft !== pull.draft && pull.state === 'open') {
      pull.draft = input.draft;
      await store.emit({
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
      store.feed(repo, 'PullRequestEvent', sender, { action, number: pull.number, pullId: pull.id });
      await store.emit({ type: 'pull_request', repo, senderId: sender, action, pull });
    }
    return pull;
  }

  async closePull(input: ClosePullInput): Promise<SimPull> {
    return this.updatePull({ ...input, state: 'closed' });
  }

  async mergePull(input: MergePullInput): Promise<{ sha: string; merged: true; message: string }> {
    const store = this.store;
    const repo = store.writableRepo(input);
    const d = store.detail(repo);
    const pull = store.pull(repo, input.number);
    if (pull.mergedAt) throw new SimError(405, 'Pull Request is not mergeable');
    if (pull.state !== 'open') throw new SimError(405, 'Pull Request is not mergeable');
    if (pull.draft) throw new SimError(405, 'Pull Request is still a draft');
    const base = d.branches.get(pull.baseRef);
    if (!base) throw new SimError(422, 'Base branch was deleted');
    const sender = store.senderOf(repo, input.sender);
    const mergerUser = store.users.get(sender) as SimUser;
    const merger: SimCommitAuthor = { name: mergerUser.name, email: mergerUser.email, userId: mergerUser.id };
    const method = input.method ?? 'merge';
    const graph = store.graph(repo);
    const ahead = graph
      .history(pull.headSha, { skip: 0, take: 250 })
      .commits.filter((c) => !graph.isAncestor(c.sha, base.tip));
    const files = mergeFiles(ahead);
    const author = store.users.get(pull.authorId) as SimUser;
    const message =
      method === 'merge'
        ? `Merge pull request #${pull.number} from ${store.ownerLogin(repo)}/${pull.headRef}\n\n${input.commitTitle ?? pull.title}`
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
    store.feed(repo, 'PushEvent', sender, {
      ref: `refs/heads/${base.name}`,
      head: commit.sha,
      before,
      shas: [commit.sha],
    });
    store.feed(repo, 'PullRequestEvent', sender, { action: 'closed', number: pull.number, pullId: pull.id });
    await store.emit({
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
    await store.emit({ type: 'pull_request', repo, senderId: sender, action: 'closed', pull });
    // Merged into the default branch, a pull request closes the open issues its body names ("Fixes #N").
    if (pull.baseRef === repo.defaultBranch)
      for (const n of closingReferences(pull.body)) {
        const issue = d.issues.find((i) => i.number === n && i.state === 'open');
        if (issue) await closeIssueBy(store, repo, issue, { senderId: sender, pull });
      }
    return { sha: commit.sha, merged: true, message: 'Pull Request successfully merged' };
  }

  async reviewPull(input: ReviewPullInput): Promise<SimReview> {
    const store = this.store;
    const repo = store.writableRepo(input);
    const pull = store.pull(repo, input.number);
    const reviewer = store.requireUser(input.reviewer);
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
      id: store.nextId('review'),
      userId: reviewer.id,
      state,
      body: input.body ?? '',
      submittedAt: Date.now(),
      commitId: pull.headSha,
    };
    pull.reviews.push(review);
    pull.updatedAt = review.submittedAt;
    store.feed(repo, 'PullRequestReviewEvent', reviewer.id, {
      action: 'created',
      number: pull.number,
      pullId: pull.id,
      reviewId: review.id,
    });
    await store.emit({
      type: 'pull_request_review',
      repo,
      senderId: reviewer.id,
      action: 'submitted',
      pull,
      review,
    });
    return review;
  }
}

/** The files a merge commit touches: the pull's commits' files with their line counts summed. */
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
