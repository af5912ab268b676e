import { iso, nodeId } from '../../rest/serializers';
import { closingReferences } from '../../world/issue-timeline';
import type { SimPull, SimRepo, SimReview, SimUser } from '../../world/world.types';
import { listConnection, type PageArgs } from '../connection';
import { GqlModel, sortBy, type Obj, type OrderArg } from './gql-model';

/** PullRequest with its refs, commits, reviews (PullRequestReview) and review requests. */
export class PullRequestModel extends GqlModel {
  of(repo: SimRepo, p: SimPull): Obj {
    const w = this.w;
    const m = this.m;
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
      author: () => m.user.of(w.users.get(p.authorId) as SimUser),
      authorAssociation: repo.ownerType === 'User' && repo.ownerId === p.authorId ? 'OWNER' : 'MEMBER',
      mergedBy: () => (p.mergedById ? m.user.of(w.users.get(p.mergedById) as SimUser) : null),
      additions: this.figure(repo, 'pull request', 'additions', p.additions),
      deletions: this.figure(repo, 'pull request', 'deletions', p.deletions),
      changedFiles: this.figure(repo, 'pull request', 'changedFiles', p.changedFiles),
      headRefName: p.headRef,
      baseRefName: p.baseRef,
      headRefOid: p.headSha,
      baseRefOid: p.baseSha,
      headRef: () => {
        const b = d.branches.get(p.headRef);
        return b ? m.ref.of(repo, b.name, b.tip) : null;
      },
      baseRef: () => {
        const b = d.branches.get(p.baseRef);
        return b ? m.ref.of(repo, b.name, b.tip) : null;
      },
      headRepository: () => m.repository.of(repo),
      baseRepository: () => m.repository.of(repo),
      isCrossRepository: false,
      mergeable: p.state === 'open' ? 'MERGEABLE' : 'UNKNOWN',
      mergeCommit: () => {
        const c = p.mergeCommitSha ? w.graph(repo).get(p.mergeCommitSha) : undefined;
        return c ? m.commit.of(repo, c) : null;
      },
      reviewDecision: last ? last.state : p.reviews.length ? 'REVIEW_REQUIRED' : null,
      repository: () => m.repository.of(repo),
      reviews: (a: PageArgs & { states?: string[]; author?: string }) => {
        const reviews = p.reviews.filter(
          (r) =>
            (!a.states || a.states.includes(r.state)) &&
            (!a.author || w.users.get(r.userId)?.login === a.author),
        );
        return listConnection(reviews, a, (r) => this.review(repo, p, r));
      },
      labels: (a: PageArgs) => m.label.connection(repo, p.labels, a),
      // The issues its body says it closes ("Fixes #N"); closed ones stay listed, as on GitHub.
      closingIssuesReferences: (a: PageArgs & { orderBy?: OrderArg }) => {
        const numbers = closingReferences(p.body);
        const issues = sortBy(
          d.issues.filter((i) => numbers.includes(i.number)),
          a.orderBy,
          { CREATED_AT: (i) => i.createdAt, UPDATED_AT: (i) => i.updatedAt, COMMENTS: (i) => i.comments },
          'CREATED_AT',
        );
        return listConnection(issues, a, (i) => m.issue.of(repo, i));
      },
      assignees: (a: PageArgs) => listConnection([], a, (x) => x),
      reviewRequests: (a: PageArgs) =>
        listConnection(p.requestedReviewerIds, a, (id) => ({
          __typename: 'ReviewRequest',
          id: nodeId('ReviewRequest', `${p.id}:${id}`),
          requestedReviewer: m.user.of(w.users.get(id) as SimUser),
        })),
      comments: (a: PageArgs) => ({ ...listConnection([], a, (x) => x), totalCount: p.comments }),
      // REST's comments + review_comments (the simulator has no review comments).
      totalCommentsCount: p.comments,
      commits: (a: PageArgs) => {
        const graph = w.graph(repo);
        const list = () => graph.ownCommits(p.headSha, p.baseSha);
        const conn = () =>
          listConnection(list(), a, (c) => ({
            __typename: 'PullRequestCommit',
            id: nodeId('PullRequestCommit', `${p.id}:${c.sha}`),
            commit: m.commit.of(repo, c),
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
    const m = this.m;
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
      author: () => m.user.of(w.users.get(r.userId) as SimUser),
      authorAssociation: 'MEMBER',
      commit: c ? () => m.commit.of(repo, c) : null,
      pullRequest: () => this.of(repo, p),
    };
  }
}

/** PullRequestState: MERGED is a closed pull request that was merged. */
export function pullState(p: SimPull): string {
  return p.mergedAt ? 'MERGED' : p.state === 'open' ? 'OPEN' : 'CLOSED';
}
