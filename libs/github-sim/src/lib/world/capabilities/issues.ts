import { recordIssueEvent } from '../issue-timeline';
import { notFound, validationFailed } from '../sim-error';
import type { RepoRef, WorldStore } from '../world-store';
import type { SimIssue, SimPull, SimRepo } from '../world.types';
import { WorldCapability } from './world-capability';

/** GitHub's limit of assignees per issue. */
export const MAX_ASSIGNEES = 10;

export interface OpenIssueInput extends RepoRef {
  title: string;
  body?: string;
  author?: string;
  labels?: string[];
  /** Logins; each must be able to read the repository (else 422, as GitHub's create-issue answers). */
  assignees?: string[];
}

export interface CloseIssueInput extends RepoRef {
  number: number;
  reason?: 'completed' | 'not_planned';
  sender?: string;
  reopen?: boolean;
}

export interface AssigneesInput extends RepoRef {
  number: number;
  /** Logins to assign or unassign. Users who cannot be assigned are left out silently, as GitHub does. */
  assignees: string[];
  remove?: boolean;
  sender?: string;
}

/** Issues: open, close (completed or not planned), reopen and assign. Anyone who can read the repo may do so. */
export class Issues extends WorldCapability {
  async openIssue(input: OpenIssueInput): Promise<SimIssue> {
    const store = this.store;
    const repo = store.writableRepo(input);
    if (typeof input.title !== 'string' || !input.title.trim())
      throw validationFailed([{ resource: 'Issue', field: 'title', code: 'missing_field' }]);
    const d = store.detail(repo);
    const author = store.senderOf(repo, input.author, 'pull');
    const assigneeIds = (input.assignees ?? []).map((login) => {
      const id = assignableId(store, repo, login);
      if (id === null) throw validationFailed([{ resource: 'Issue', field: 'assignees', code: 'invalid' }]);
      return id;
    });
    if (new Set(assigneeIds).size > MAX_ASSIGNEES)
      throw validationFailed([{ resource: 'Issue', field: 'assignees', code: 'invalid' }]);
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
      assigneeIds: [...new Set(assigneeIds)],
      timeline: [],
    };
    d.issues.push(issue);
    for (const assigneeId of issue.assigneeIds ?? [])
      recordIssueEvent(issue, { type: 'assigned', at: now, actorId: author, assigneeId });
    store.feed(repo, 'IssuesEvent', author, { action: 'opened', number: issue.number, issueId: issue.id });
    // GitHub sends `opened` with the assignees already on the issue, then one `assigned` per assignee.
    await store.emit({ type: 'issues', repo, senderId: author, action: 'opened', issue });
    for (const assigneeId of issue.assigneeIds ?? [])
      await store.emit({ type: 'issues', repo, senderId: author, action: 'assigned', issue, assigneeId });
    return issue;
  }

  async closeIssue(input: CloseIssueInput): Promise<SimIssue> {
    const store = this.store;
    const repo = store.writableRepo(input);
    const issue = store.detail(repo).issues.find((i) => i.number === input.number);
    if (!issue) throw notFound();
    const sender = store.senderOf(repo, input.sender, 'pull');
    if (input.reopen) {
      if (issue.state === 'open') return issue;
      const now = Date.now();
      recordIssueEvent(issue, { type: 'reopened', at: now, actorId: sender });
      issue.state = 'open';
      issue.stateReason = 'reopened';
      issue.closedAt = null;
      issue.updatedAt = now;
      store.feed(repo, 'IssuesEvent', sender, {
        action: 'reopened',
        number: issue.number,
        issueId: issue.id,
      });
      await store.emit({ type: 'issues', repo, senderId: sender, action: 'reopened', issue });
      return issue;
    }
    if (issue.state === 'closed') return issue;
    await closeIssueBy(store, repo, issue, { senderId: sender, reason: input.reason ?? 'completed' });
    return issue;
  }

  /** Adds or removes assignees (at most 10 in all), one `assigned` / `unassigned` webhook per change. */
  async setAssignees(input: AssigneesInput): Promise<SimIssue> {
    const store = this.store;
    const repo = store.writableRepo(input);
    const issue = store.detail(repo).issues.find((i) => i.number === input.number);
    if (!issue) throw notFound();
    if (!Array.isArray(input.assignees) || input.assignees.some((a) => typeof a !== 'string'))
      throw validationFailed([{ resource: 'Issue', field: 'assignees', code: 'invalid' }]);
    const sender = store.senderOf(repo, input.sender, 'triage');
    const current = issue.assigneeIds ?? [];
    const named = input.assignees
      .map((login) => (input.remove ? store.user(login)?.id : assignableId(store, repo, login)))
      .filter((id): id is number => typeof id === 'number');
    const changed = input.remove
      ? current.filter((id) => named.includes(id))
      : [...new Set(named)].filter((id) => !current.includes(id)).slice(0, MAX_ASSIGNEES - current.length);
    if (!changed.length) return issue;
    const now = Date.now();
    issue.assigneeIds = input.remove
      ? current.filter((id) => !changed.includes(id))
      : [...current, ...changed];
    issue.updatedAt = now;
    const action = input.remove ? 'unassigned' : 'assigned';
    for (const assigneeId of changed) {
      recordIssueEvent(issue, { type: action, at: now, actorId: sender, assigneeId });
      await store.emit({ type: 'issues', repo, senderId: sender, action, issue, assigneeId });
    }
    return issue;
  }
}

/** A user who can be assigned issues of the repository: anyone who can read it (null when not). */
function assignableId(store: WorldStore, repo: SimRepo, login: string): number | null {
  const u = store.user(login);
  return u && store.permissionOf(repo, u.id) !== null ? u.id : null;
}

/**
 * Closes an open issue: by a person, or by a merged pull request or a pushed commit whose message says so (the
 * timeline names that closer; the `issues` webhook does not, as on GitHub).
 */
export async function closeIssueBy(
  store: WorldStore,
  repo: SimRepo,
  issue: SimIssue,
  by: { senderId: number; reason?: 'completed' | 'not_planned'; pull?: SimPull; commit?: string },
): Promise<void> {
  const now = Date.now();
  const reason = by.reason ?? 'completed';
  recordIssueEvent(issue, {
    type: 'closed',
    at: now,
    actorId: by.senderId,
    stateReason: reason,
    ...(by.pull ? { closerPullId: by.pull.id } : {}),
    ...(by.commit ? { closerCommit: by.commit } : {}),
  });
  issue.state = 'closed';
  issue.stateReason = reason;
  issue.closedAt = now;
  issue.updatedAt = now;
  store.feed(repo, 'IssuesEvent', by.senderId, { action: 'closed', number: issue.number, issueId: issue.id });
  await store.emit({ type: 'issues', repo, senderId: by.senderId, action: 'closed', issue });
}
