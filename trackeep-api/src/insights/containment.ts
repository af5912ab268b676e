import { isMerged, type CommitFact, type MergedPull, type PullFact, type RepoFacts } from './insights.facts';
import type { Deployment } from './deployment-detection';

/**
 * Which deployment first contains each merged pull request.
 *
 * The rule: a deployment of commit S contains every pull request whose merge commit M is S or an ancestor of S
 * (M is in S's history). A pull request's deployment is the earliest successful deployment, at or after its
 * merge, that contains it. Squash and rebase merges work the same way: M is the commit the merge put on the
 * base branch.
 *
 * Walking the stored commit graph (commits.parents), each commit is visited once over all deployments: the
 * deployments are taken oldest first, and the commits newly reachable from a deployment's sha are the ones it
 * is the first to contain.
 *
 * Where the graph cannot answer, time decides: a deployment whose sha is unknown (or not in the stored
 * history) contains every pull request merged into the default branch at or before it that no earlier
 * deployment contained; a pull request whose merge commit is unknown is contained by the first successful
 * deployment at or after its merge.
 */
export function firstDeploymentOf(
  pulls: readonly PullFact[],
  deployments: readonly Deployment[],
  commits: readonly CommitFact[],
  defaultBranch: string,
): Map<number, Deployment> {
  const parents = new Map(commits.map((c) => [c.sha, c.parents]));
  const merged = pulls
    .filter(isMerged)
    .filter((p) => p.baseRef === defaultBranch)
    .sort((a, b) => a.mergedAt.getTime() - b.mergedAt.getTime());
  const firstContaining = new Map<string, Deployment>();
  const out = new Map<number, Deployment>();
  let next = 0;
  let pending: MergedPull[] = [];
  for (const d of deployments) {
    if (d.status !== 'success') continue;
    const known = d.sha !== null && parents.has(d.sha);
    if (d.sha !== null && known) {
      const stack = [d.sha];
      for (let sha = stack.pop(); sha !== undefined; sha = stack.pop()) {
        if (firstContaining.has(sha)) continue;
        firstContaining.set(sha, d);
        for (const p of parents.get(sha) ?? []) if (!firstContaining.has(p)) stack.push(p);
      }
    }
    for (let p = merged[next]; p && p.mergedAt.getTime() <= d.at.getTime(); p = merged[++next])
      pending.push(p);
    const waiting: MergedPull[] = [];
    for (const p of pending) {
      const sha = p.mergeCommitSha;
      const byGraph = known && sha !== null && parents.has(sha);
      // Reached by this deployment, or by an earlier one stamped before the merge (clocks that disagree).
      if (!byGraph || firstContaining.has(sha)) out.set(p.number, d);
      else waiting.push(p);
    }
    pending = waiting;
  }
  return out;
}

/**
 * The merge commit of a pull request when GitHub's own messages name it: "Merge pull request #N from …" for a
 * merge commit, a first line ending in "(#N)" for a squash merge. Only commits on the default branch, within
 * a day of the merge, are taken (a rebase merge leaves no such mark: its merge commit stays unknown).
 */
export function mergeCommitsByMessage(
  pulls: readonly Pick<PullFact, 'number' | 'mergedAt'>[],
  defaultBranchCommits: readonly CommitFact[],
): Map<number, string> {
  const byNumber = new Map<number, CommitFact[]>();
  for (const c of defaultBranchCommits) {
    const first = c.message.split('\n', 1)[0] ?? '';
    const m = /^Merge pull request #(\d+) from /.exec(first) ?? /\(#(\d+)\)\s*$/.exec(first);
    if (!m) continue;
    const n = Number(m[1]);
    byNumber.set(n, [...(byNumber.get(n) ?? []), c]);
  }
  const out = new Map<number, string>();
  for (const p of pulls) {
    const mergedAt = p.mergedAt;
    if (!mergedAt) continue;
    const near = (byNumber.get(p.number) ?? [])
      .map((c) => ({ c, gap: Math.abs(c.committedAt.getTime() - mergedAt.getTime()) }))
      .filter((x) => x.gap <= 86_400_000)
      .sort((a, b) => a.gap - b.gap);
    if (near[0]) out.set(p.number, near[0].c.sha);
  }
  return out;
}

/** GitHub lists at most this many commits in a pull request. */
const PULL_COMMITS_MAX = 250;

/**
 * When the first commit of a pull request merged with a merge commit was written: the commits its merge brought in
 * are those reachable from the merge's second parent and not from its first. Null for a squash or rebase merge
 * (one parent: the original commits are not in the default branch's history) or when the history is not stored.
 */
export function firstCommitOfMerge(mergeSha: string, bySha: ReadonlyMap<string, CommitFact>): Date | null {
  const merge = bySha.get(mergeSha);
  const [base, head] = merge?.parents ?? [];
  if (!base || !head) return null;
  const brought = new Map<string, CommitFact>();
  for (const stack = [head]; stack.length && brought.size < PULL_COMMITS_MAX;) {
    const c = bySha.get(stack.pop() ?? '');
    if (!c || brought.has(c.sha)) continue;
    brought.set(c.sha, c);
    stack.push(...c.parents);
  }
  if (!brought.size) return null;
  // The base side's history back to the oldest candidate is enough to tell the branch's own commits apart.
  const oldest = Math.min(...[...brought.values()].map((c) => c.committedAt.getTime()));
  const seen = new Set<string>();
  for (const stack = [base]; stack.length;) {
    const c = bySha.get(stack.pop() ?? '');
    if (!c || seen.has(c.sha) || c.committedAt.getTime() < oldest) continue;
    seen.add(c.sha);
    brought.delete(c.sha);
    stack.push(...c.parents);
  }
  const times = [...brought.values()].map((c) => c.authoredAt.getTime());
  return times.length ? new Date(Math.min(...times)) : null;
}

/**
 * Fills in what the stored pull requests lack: the merge commit (from GitHub's messages) and, for a merge commit,
 * when the first commit it brought in was written. Known values are kept.
 */
export function completePulls(facts: RepoFacts): RepoFacts {
  const found = mergeCommitsByMessage(facts.pulls, facts.commits);
  const bySha = new Map(facts.commits.map((c) => [c.sha, c]));
  const pulls = facts.pulls.map((p) => {
    const mergeCommitSha = p.mergeCommitSha ?? found.get(p.number) ?? null;
    const firstCommitAt =
      p.firstCommitAt ?? (mergeCommitSha ? firstCommitOfMerge(mergeCommitSha, bySha) : null);
    return { ...p, mergeCommitSha, firstCommitAt };
  });
  return { ...facts, pulls };
}
