import type { ApiRequest, ApiResult, ApiRouter } from '../http/api-router';
import type { SimContext } from '../http/sim-context';
import type { CommitGraph } from '../world/commit-graph';
import { notFound } from '../world/sim-error';
import type { SimCommit, SimFileChange, SimRepo } from '../world/world.types';
import { repoFromPath } from './access';
import { pagingOf } from './pagination';
import { commit, diffEntry, type Schemas } from './serializers';

/** Without `page` or `per_page` GitHub lists a comparison's newest 250 commits. */
const UNPAGED_COMMITS = 250;
/** A comparison lists at most 300 changed files (on its first page only). */
const MAX_FILES = 300;

/**
 * GET /repos/{o}/{r}/compare/{BASE...HEAD} (and /repositories/{id}/compare/…, which the server maps here):
 * `git log BASE..HEAD` oldest first, with the counts both ways, the merge base and the files HEAD changed.
 */
export function registerCompareRoutes(api: ApiRouter, ctx: SimContext): void {
  const w = ctx.world;

  /** One side of `basehead`: a branch, tag or commit SHA, optionally as `OWNER:ref` with this repository's owner. */
  const sideOf = (repo: SimRepo, text: string): string => {
    const colon = text.indexOf(':');
    let ref = text;
    if (colon >= 0) {
      // Comparing across a fork network is not simulated: another owner's ref is unknown here.
      if (text.slice(0, colon).toLowerCase() !== w.ownerLogin(repo).toLowerCase()) throw notFound();
      ref = text.slice(colon + 1);
    }
    const sha = ref ? w.resolveRef(repo, ref) : undefined;
    if (!sha) throw notFound();
    return sha;
  };

  api.get('/repos/:owner/:repo/compare/*basehead', '/repos/{owner}/{repo}/compare/{basehead}', (r) => {
    const repo = repoFromPath(w, r);
    const raw = (r.req.params as Record<string, unknown>)['basehead'];
    const basehead = Array.isArray(raw) ? raw.join('/') : String(raw ?? '');
    // Ref names cannot hold "..", so the first "..." is the separator.
    const dots = basehead.indexOf('...');
    if (dots < 0) throw notFound();
    const baseSha = sideOf(repo, basehead.slice(0, dots));
    const headSha = sideOf(repo, basehead.slice(dots + 3));
    const graph = w.graph(repo);
    const base = graph.get(baseSha) as SimCommit;
    const mergeBase = graph.mergeBase(headSha, baseSha);
    if (!mergeBase) throw notFound();
    const aheadBy = graph.countNotIn(headSha, baseSha);
    const behindBy = graph.countNotIn(baseSha, headSha);

    const { commits, firstPage, link } = aheadCommits(r, graph, headSha, baseSha, aheadBy);
    const full = w.fullName(repo);
    const owner = w.ownerLogin(repo);
    const html = `${r.urls.web}/${full}/compare/${basehead}`;
    const body: Schemas['commit-comparison'] = {
      url: `${r.urls.api}/repos/${full}/compare/${basehead}`,
      html_url: html,
      permalink_url: `${r.urls.web}/${full}/compare/${owner}:${baseSha}...${owner}:${headSha}`,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      base_commit: commit(w, r.urls, repo, base, false),
      merge_base_commit: commit(w, r.urls, repo, mergeBase, false),
      status:
        headSha === baseSha ? 'identical' : behindBy === 0 ? 'ahead' : aheadBy === 0 ? 'behind' : 'diverged',
      ahead_by: aheadBy,
      behind_by: behindBy,
      total_commits: aheadBy,
      commits: commits.map((c) => commit(w, r.urls, repo, c, false)),
    };
    if (firstPage) body.files = changedFiles(firstPage).map((f) => diffEntry(w, r.urls, repo, headSha, f));
    return { body, link };
  });
}

/**
 * The page of HEAD's own commits asked for, oldest first: the newest 250 without paging parameters, else
 * `per_page` of them with page 1 holding the oldest. `firstPage` is set where the answer lists the changed files
 * (the newest 250 own commits, the most a comparison's files are read from here).
 */
function aheadCommits(
  r: ApiRequest,
  graph: CommitGraph,
  head: string,
  base: string,
  aheadBy: number,
): { commits: SimCommit[]; firstPage: SimCommit[] | null; link?: ApiResult['link'] } {
  if (r.query('page') === undefined && r.query('per_page') === undefined) {
    const commits = graph.commitsNotIn(head, base, 0, UNPAGED_COMMITS).reverse();
    return { commits, firstPage: commits };
  }
  const { page, perPage } = pagingOf(r);
  // Newest first, page p's commits are the ones after the newest `aheadBy - p * perPage`.
  const skip = Math.max(0, aheadBy - page * perPage);
  const take = aheadBy - (page - 1) * perPage - skip;
  const commits = graph.commitsNotIn(head, base, skip, take).reverse();
  const firstPage =
    page !== 1
      ? null
      : take >= aheadBy
        ? commits
        : graph.commitsNotIn(head, base, 0, UNPAGED_COMMITS).reverse();
  return { commits, firstPage, link: { page, perPage, lastPage: Math.max(1, Math.ceil(aheadBy / perPage)) } };
}

/**
 * The files `commits` (oldest first) change, one entry per file with their lines summed: added when the first
 * commit adds it, removed when the last removes it, left out when it is both (it is on neither side).
 */
function changedFiles(commits: SimCommit[]): SimFileChange[] {
  const byName = new Map<string, { file: SimFileChange; existed: boolean }>();
  for (const c of commits)
    for (const f of c.files) {
      const seen = byName.get(f.filename);
      if (!seen) {
        byName.set(f.filename, { file: { ...f }, existed: f.status !== 'added' });
        continue;
      }
      seen.file.additions += f.additions;
      seen.file.deletions += f.deletions;
      seen.file.status = f.status === 'removed' ? 'removed' : seen.existed ? 'modified' : 'added';
    }
  return [...byName.values()]
    .filter(({ file, existed }) => existed || file.status !== 'removed')
    .map(({ file }) => file)
    .sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0))
    .slice(0, MAX_FILES);
}
