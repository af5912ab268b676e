import { inTransaction } from '@trackeep/server-core';
import type { Kysely } from 'kysely';
import type { DB } from '../../database/db.types';
import { TransientGithubError } from '../github/sync-github.errors';
import type { SyncGithubGateway } from '../github/sync-github.gateway';
import type { SyncStore } from './sync-store.repository';

const PER_PAGE = 100;
/** At most this many commits are taken off a branch per old head and run (GitHub's compare pages of 100). */
const MAX_PAGES = 10;

interface RestComparison {
  ahead_by: number;
  commits: Array<{ sha: string }>;
}

/** A branch whose walk is complete at `head`, with the heads it had before a rewrite. */
export interface RewrittenBranch {
  branch: string;
  head: string;
  replaced: string[];
}

export interface RewrittenOptions {
  db: Kysely<DB>;
  store: SyncStore;
  gateway: SyncGithubGateway;
  repoId: string;
  /** `/repositories/{id}`. */
  restBase: string;
  branches: RewrittenBranch[];
}

/**
 * A walk that ends without meeting the branch's previous head may follow a force-push. GitHub's comparison of the
 * new head with the old one (`compare/{new}...{old}`) lists the commits the old head had that the new one has not;
 * they leave the branch, and those no branch holds any more are removed, as they are from GitHub's lists. A
 * fast-forward the walk merely did not see answers `ahead_by: 0` and changes nothing.
 */
export async function dropRewrittenCommits(o: RewrittenOptions): Promise<void> {
  for (const b of o.branches) {
    // The head walked may be one a webhook has since heard replaced: it stays noted until the branch moves on.
    const compared = b.replaced.filter((old) => old !== b.head);
    if (!compared.length) continue;
    const gone = new Set<string>();
    try {
      for (const old of compared) for (const sha of await commitsOnlyIn(o, old, b.head)) gone.add(sha);
    } catch (err) {
      // Asked again by the next run: the replaced heads stay noted.
      if (err instanceof TransientGithubError) continue;
      throw err;
    }
    await inTransaction(o.db, async (tx) => {
      await o.store.dropBranchCommits(tx, o.repoId, b.branch, [...gone]);
      // Only the heads compared: one a webhook noted meanwhile waits for the next run.
      await o.store.dropReplacedHeads(tx, o.repoId, b.branch, compared);
    });
  }
}

/** Commits reachable from `old` and not from `head`; none when GitHub no longer has one of the two. */
async function commitsOnlyIn(o: RewrittenOptions, old: string, head: string): Promise<string[]> {
  const shas: string[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const res = await o.gateway.getConditional<RestComparison>(
      `${o.restBase}/compare/${head}...${old}?per_page=${PER_PAGE}&page=${page}`,
      false,
    );
    if (res.status !== 200 || !res.data || res.data.ahead_by === 0) break;
    shas.push(...res.data.commits.map((x) => x.sha));
    if (shas.length >= res.data.ahead_by || res.data.commits.length < PER_PAGE) break;
  }
  return shas;
}
