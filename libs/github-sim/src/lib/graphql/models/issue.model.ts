import { iso, nodeId } from '../../rest/serializers';
import { closingPulls, issueTimeline } from '../../world/issue-timeline';
import type { SimIssue, SimIssueEvent, SimRepo, SimUser } from '../../world/world.types';
import { decodeCursor, encodeCursor, listConnection, typedError, type PageArgs } from '../connection';
import { GqlModel, type Obj } from './gql-model';

/** The timeline item types the simulator records (`IssueTimelineItemsItemType`); other types have no items. */
const ITEM_TYPES: Record<SimIssueEvent['type'], { itemType: string; typename: string }> = {
  closed: { itemType: 'CLOSED_EVENT', typename: 'ClosedEvent' },
  reopened: { itemType: 'REOPENED_EVENT', typename: 'ReopenedEvent' },
  assigned: { itemType: 'ASSIGNED_EVENT', typename: 'AssignedEvent' },
  unassigned: { itemType: 'UNASSIGNED_EVENT', typename: 'UnassignedEvent' },
};

type TimelineArgs = PageArgs & { itemTypes?: string[] | null; since?: string | null; skip?: number | null };

/**
 * Issue: state with its reason, labels, assignees, the pull requests that close it (closing keywords in their
 * body), its timeline (assignments, closes with their closer, reopens) and comment counts (bodies are not simulated).
 */
export class IssueModel extends GqlModel {
  of(repo: SimRepo, i: SimIssue): Obj {
    const w = this.w;
    const m = this.m;
    const full = w.fullName(repo);
    const user = (id: number) => m.user.of(w.users.get(id) as SimUser);
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
      author: () => user(i.authorId),
      repository: () => m.repository.of(repo),
      labels: (a: PageArgs) => m.label.connection(repo, i.labels, a),
      comments: (a: PageArgs) => ({ ...listConnection([], a, (x) => x), totalCount: i.comments }),
      assignees: (a: PageArgs) => listConnection(i.assigneeIds ?? [], a, user),
      // GitHub lists open pull requests only, unless includeClosedPrs (merged ones are closed).
      closedByPullRequestsReferences: (a: PageArgs & { includeClosedPrs?: boolean | null }) => {
        const pulls = closingPulls(w.detail(repo).pulls, i).filter(
          (p) => a.includeClosedPrs === true || p.state === 'open',
        );
        return listConnection(pulls, a, (p) => m.pullRequest.of(repo, p));
      },
      timelineItems: (a: TimelineArgs) => this.timeline(repo, i, a),
    };
  }

  private timeline(repo: SimRepo, i: SimIssue, a: TimelineArgs): Obj {
    const since = a.since ? Date.parse(a.since) : undefined;
    if (since !== undefined && !Number.isFinite(since))
      throw typedError(
        'INVALID_ARGUMENTS',
        `Argument 'since' on Field 'timelineItems' has an invalid value (${JSON.stringify(a.since)}). Expected type 'DateTime'.`,
      );
    const all = issueTimeline(i)
      .map((e, k) => ({ e, k }))
      .filter(({ e }) => !a.itemTypes || a.itemTypes.includes(ITEM_TYPES[e.type].itemType));
    const kept = all.filter(({ e }) => since === undefined || e.at >= since);
    // GitHub's counts: filteredCount within the after/before cursors, pageCount after skip and first/last too.
    const end = a.before ? Math.min(kept.length, decodeCursor(a.before)) : kept.length;
    const from = Math.min(end, a.after ? decodeCursor(a.after) + 1 : 0);
    const start = Math.min(end, from + Math.max(0, a.skip ?? 0));
    const conn = listConnection(
      kept,
      {
        first: a.first,
        last: a.last,
        after: start > 0 ? encodeCursor(start - 1) : null,
        before: end < kept.length ? encodeCursor(end) : null,
      },
      ({ e, k }) => this.event(repo, i, e, k),
    );
    return {
      ...conn,
      totalCount: all.length,
      filteredCount: end - from,
      pageCount: conn.nodes().length,
      updatedAt: iso(i.updatedAt),
    };
  }

  private event(repo: SimRepo, i: SimIssue, e: SimIssueEvent, k: number): Obj {
    const w = this.w;
    const m = this.m;
    const full = w.fullName(repo);
    const { typename } = ITEM_TYPES[e.type];
    // Timeline events have ids of their own on GitHub; here the issue's id and the event's place stand in.
    const eventId = i.id * 100 + k;
    const base: Obj = {
      __typename: typename,
      id: nodeId(typename, eventId),
      createdAt: iso(e.at),
      actor: () => {
        const u = w.users.get(e.actorId);
        return u ? m.user.of(u) : null;
      },
    };
    if (e.type === 'assigned' || e.type === 'unassigned') {
      const assignee = () => {
        const u = w.users.get(e.assigneeId);
        return u ? m.user.of(u) : null;
      };
      return { ...base, assignable: () => this.of(repo, i), assignee, user: assignee };
    }
    const closable = () => this.of(repo, i);
    if (e.type !== 'closed') return { ...base, closable, stateReason: 'REOPENED' };
    return {
      ...base,
      closable,
      stateReason: e.stateReason.toUpperCase(),
      url: `${this.c.urls.web}/${full}/issues/${i.number}#event-${eventId}`,
      resourcePath: `/${full}/issues/${i.number}#event-${eventId}`,
      closer: () => {
        if (e.closerPullId !== undefined) {
          const p = w.detail(repo).pulls.find((x) => x.id === e.closerPullId);
          return p ? m.pullRequest.of(repo, p) : null;
        }
        const c = e.closerCommit ? w.graph(repo).get(e.closerCommit) : undefined;
        return c ? m.commit.of(repo, c) : null;
      },
    };
  }
}
