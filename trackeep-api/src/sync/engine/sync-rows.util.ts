import type {
  ActivityWrite,
  BranchComparisonColumn,
  BranchWrite,
  CommitWrite,
  HistoryCommit,
  PullRequestWrite,
} from '../../repos/data/github-data.types';
import { reviewState, type ReviewWrite } from '../../repos/data/pull-request-reviews.repository';
import type { GqlCommit, GqlPull, GqlRef } from '../github/sync-graphql.types';

export function commitRow(c: GqlCommit): CommitWrite {
  return {
    sha: c.oid,
    message: c.message,
    author_name: c.author?.name ?? null,
    author_email: c.author?.email ?? null,
    author_login: c.author?.user?.login ?? null,
    authored_at: c.author?.date ?? c.committedDate,
    committer_name: c.committer?.name ?? null,
    committer_email: c.committer?.email ?? null,
    committer_login: c.committer?.user?.login ?? null,
    committed_at: c.committedDate,
    additions: c.additions ?? null,
    deletions: c.deletions ?? null,
    changed_files: c.changedFilesIfAvailable ?? null,
    parents: c.parents.nodes.map((p) => p.oid),
    html_url: c.url,
  };
}

/**
 * A ref's comparison with the default branch, from the branch's side (GitHub compared it as the base), with the
 * two heads it holds for. Null columns when GitHub could not compare them: the stored counts stay, and are shown
 * only while their heads are current.
 */
export function branchComparison(r: GqlRef): Pick<BranchWrite, BranchComparisonColumn> {
  const c = r.compare;
  const to = c?.headTarget?.oid;
  if (!c || !to || !r.target)
    return { ahead_by: null, behind_by: null, compared_sha: null, compared_to_sha: null };
  return { ahead_by: c.behindBy, behind_by: c.aheadBy, compared_sha: r.target.oid, compared_to_sha: to };
}

/** A pull request as a GraphQL page gives it: always with its node id, times as ISO text. */
export type GqlPullRow = PullRequestWrite & { node_id: string; created_at: string; updated_at: string };

export function pullRow(p: GqlPull): GqlPullRow {
  const firstReview = p.reviews?.nodes[0];
  return {
    number: p.number,
    node_id: p.id,
    title: p.title,
    state: p.state === 'MERGED' || p.mergedAt ? 'merged' : p.state === 'CLOSED' ? 'closed' : 'open',
    draft: p.isDraft,
    author_login: p.author?.login ?? null,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    closed_at: p.closedAt,
    merged_at: p.mergedAt,
    base_ref: p.baseRefName,
    head_ref: p.headRefName,
    additions: p.additions ?? null,
    deletions: p.deletions ?? null,
    changed_files: p.changedFiles ?? null,
    commits_count: p.commits?.totalCount ?? null,
    first_commit_at: p.commits?.nodes?.[0]?.commit?.authoredDate ?? null,
    review_count: p.reviews?.totalCount ?? 0,
    first_review_at: firstReview ? (firstReview.submittedAt ?? firstReview.createdAt) : null,
    labels: (p.labels?.nodes ?? []).map((l) => l.name),
    html_url: p.url,
    comments_count: p.totalCommentsCount ?? null,
  };
}

/** The submitted reviews a pull request's page carries (its first 25; pending ones have no time yet). */
export function pullReviews(p: GqlPull): ReviewWrite[] {
  return (p.reviews?.nodes ?? []).flatMap((r) => {
    const state = reviewState(r.state);
    if (!state || !r.submittedAt || typeof r.databaseId !== 'number') return [];
    const login = r.author?.login ?? null;
    return [
      {
        review_id: r.databaseId,
        pull_number: p.number,
        reviewer_login: login,
        reviewer_is_bot: r.author?.__typename === 'Bot' || (login?.endsWith('[bot]') ?? false),
        state,
        submitted_at: r.submittedAt,
      },
    ];
  });
}

/**
 * Timeline entries a pull request implies. Dedupe keys are the webhook processor's ('pr_opened:<n>',
 * 'pr_merged:<n>', 'pr_closed:<n>:<closed_at ISO>'), so both paths converge on one row each.
 */
export function pullActivity(p: PullRequestWrite): ActivityWrite[] {
  const out: ActivityWrite[] = [
    {
      type: 'pr_opened',
      actor: p.author_login,
      title: `#${p.number} ${p.title}`,
      url: p.html_url,
      occurred_at: p.created_at,
      data: { number: p.number, baseRef: p.base_ref, headRef: p.head_ref },
      dedupe_key: `pr_opened:${p.number}`,
    },
  ];
  if (p.state === 'merged' && p.merged_at) {
    out.push({
      type: 'pr_merged',
      actor: p.author_login,
      title: `#${p.number} ${p.title}`,
      url: p.html_url,
      occurred_at: p.merged_at,
      data: { number: p.number, baseRef: p.base_ref, additions: p.additions, deletions: p.deletions },
      dedupe_key: `pr_merged:${p.number}`,
    });
  } else if (p.state === 'closed' && p.closed_at) {
    out.push({
      type: 'pr_closed',
      actor: p.author_login,
      title: `#${p.number} ${p.title}`,
      url: p.html_url,
      occurred_at: p.closed_at,
      data: { number: p.number },
      dedupe_key: `pr_closed:${p.number}:${new Date(p.closed_at).toISOString()}`,
    });
  }
  return out;
}

/** Star counts worth a timeline entry when crossed. */
export const STAR_MILESTONES = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000];

export function crossedMilestones(before: number, after: number): number[] {
  return STAR_MILESTONES.filter((m) => before < m && after >= m);
}

/** Direct commits by one person with at most this between them count as one push. */
const PUSH_GAP_MS = 3600_000;
/** Commits counted into one reconstructed merge (GitHub's push payloads list at most 20; this only bounds work). */
const MERGE_COUNT_LIMIT = 1000;

/**
 * The pushes a branch's history implies, newest first, for a first sync (git keeps no record of pushes): each merge
 * on the first-parent line from the head is one push with the commits it brought in; a run of direct commits by
 * one author with under an hour between them is another. Keys are the webhook's (`push:<head sha>`), so a push
 * also heard by webhook is one entry.
 */
export function reconstructedPushes(
  branch: string,
  head: string,
  history: readonly HistoryCommit[],
  since: Date | null,
): ActivityWrite[] {
  const bySha = new Map(history.map((c) => [c.sha, c]));
  const line: HistoryCommit[] = [];
  const onLine = new Set<string>();
  for (let c = bySha.get(head); c && (!since || c.committedAt >= since); c = bySha.get(c.parents[0] ?? '')) {
    if (onLine.has(c.sha)) break;
    line.push(c);
    onLine.add(c.sha);
  }
  const out: ActivityWrite[] = [];
  for (let i = 0; i < line.length;) {
    const top = line[i] as HistoryCommit;
    let commits = 1;
    let j = i + 1;
    if (top.parents.length > 1) commits += mergedIn(top, bySha, onLine);
    else
      while (j < line.length) {
        const next = line[j] as HistoryCommit;
        const prev = line[j - 1] as HistoryCommit;
        if (next.parents.length > 1 || next.author !== top.author) break;
        if (prev.committedAt.getTime() - next.committedAt.getTime() > PUSH_GAP_MS) break;
        commits++;
        j++;
      }
    const oldest = line[j - 1] as HistoryCommit;
    out.push({
      type: 'push',
      actor: top.authorLogin ?? top.author,
      title: `Pushed ${commits} commit${commits === 1 ? '' : 's'} to ${branch}`,
      url: null,
      occurred_at: top.committedAt.toISOString(),
      data: { ref: branch, commits, before: oldest.parents[0] ?? null, head: top.sha, reconstructed: true },
      dedupe_key: `push:${top.sha}`,
    });
    i = j;
  }
  return out;
}

/** The commits a merge brought in: reachable from its other parents and not on the first-parent line. */
function mergedIn(merge: HistoryCommit, bySha: Map<string, HistoryCommit>, onLine: Set<string>): number {
  const seen = new Set<string>();
  const stack = merge.parents.slice(1);
  while (stack.length && seen.size < MERGE_COUNT_LIMIT) {
    const sha = stack.pop() as string;
    if (seen.has(sha) || onLine.has(sha)) continue;
    const c = bySha.get(sha);
    if (!c) continue;
    seen.add(sha);
    stack.push(...c.parents);
  }
  return seen.size;
}
