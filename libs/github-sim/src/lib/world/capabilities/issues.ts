import { notFound, validationFailed } from '../sim-error';
import type { RepoRef } from '../world-store';
import type { SimIssue } from '../world.types';
import { WorldCapability } from './world-capability';

export interface OpenIssueInput extends RepoRef {
  title: string;
  body?: string;
  author?: string;
  labels?: string[];
}

export interface CloseIssueInput extends RepoRef {
  number: number;
  reason?: 'completed' | 'not_planned';
  sender?: string;
  reopen?: boolean;
}

/** Issues: open, close (completed or not planned) and reopen. Anyone who can read the repo may do so. */
export class Issues extends WorldCapability {
  async openIssue(input: OpenIssueInput): Promise<SimIssue> {
    const store = this.store;
    const repo = store.writableRepo(input);
    if (typeof input.title !== 'string' || !input.title.trim())
      throw validationFailed([{ resource: 'Issue', field: 'title', code: 'missing_field' }]);
    const d = store.detail(repo);
    const author = store.senderOf(repo, input.author, 'pull');
    const now = Date.now();
    const issue: SimIssue = {
      id: store.nextId('issue'),
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
    store.feed(repo, 'IssuesEvent', author, { action: 'opened', number: issue.number, issueId: issue.id });
    await store.emit({ type: 'issues', repo, senderId: author, action: 'opened', issue });
    return issue;
  }

  async closeIssue(input: CloseIssueInput): Promise<SimIssue> {
    const store = this.store;
    const repo = store.writableRepo(input);
    const issue = store.detail(repo).issues.find((i) => i.number === input.number);
    if (!issue) throw notFound();
    const sender = store.senderOf(repo, input.sender, 'pull');
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
    store.feed(repo, 'IssuesEvent', sender, { action, number: issue.number, issueId: issue.id });
    await store.emit({ type: 'issues', repo, senderId: sender, action, issue });
    return issue;
  }
}
