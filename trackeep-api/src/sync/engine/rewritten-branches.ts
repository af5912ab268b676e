import { inTransaction } from '@trackeep/server-core';
import type { Kysely } from 'kysely';
import type { DB } from '../../database/db.types';
import { TransientGithubError } from '../github/sync-github.errors';
import type { SyncGithubGateway } from '../github/sync-github.gateway';
import { MAX_REMEMBERED, REWRITTEN_KEY, type CursorRow, type SyncStore } from './sync-store.repository';

const PER_PAGE = 100;
/** At most this many commits are taken off a branch per old head and run (GitHub's compare pages of 100). */
const MAX_PAGES = 10;

/** The previous heads waiting to be checked in a commit cursor's state. */
export function rewrittenHeads(state: Record<string, unknown>): string[] {
  const v = state[REWRITTEN_KEY];
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

/** `state` with `oldHeads` added to the heads to check (none: `state` as it is). */
export function withRewritten(
  state: Record<string, unknown>,
  oldHeads: Array<string | null | undefined>,
): Record<string, unknown> {
  const heads = [...new Set([...rewrittenHeads(state), ...oldHeads.filter((h): h is string => !!h)])];
  if (!heads.length) return state;
  return { ...state, [REWRITTEN_KEY]: heads.slice(-MAX_REMEMBERED) };
}

function withoutRewritten(state: Record<string, unknown>): Record<string, unknown> {
  const { [REWRITTEN_KEY]: _checked, ...rest } = state;
  return rest;
}

interface RestComparison {
  ahead_by: number;
  commits: Array<{ sha: string }>;
}

export interface RewrittenOptions {
  db: Kysely<DB>;
  store: SyncStore;
  gateway: SyncGithubGateway;
  repoId: string;
  /** `/repositories/{id}`. */
  restBase: string;
  /** Commit cursors whose walks are complete and which name old heads to check. */
  cursors: CursorRow[];
}

/**
 * A walk that ends without meeting the branch's previous head may follow a force-push. GitHub's comparison of the
 * new head with the old one (`compare/{new}...{old}`) lists the commits the old head had that the new one has not;
 * they leave the branch, and those no branch holds any more are removed, as they are from GitHub's lists. A
 * fast-forward the walk merely did not see answers `ahead_by: 0` and changes nothing.
 */
export async function dropRewrittenCommits(o: RewrittenOptions): Promise<void> {
  for (const c of o.cursors) {
    const head = c.head_sha;
    if (c.pending_head || !head) continue;
    const gone = new Set<string>();
    try {
      for (const old of rewrittenHeads(c.state))
        if (old !== head) for (const sha of await commitsOnlyIn(o, old, head)) gone.add(sha);
    } catch (err) {
      // Asked again by the next run: the old heads stay in the cursor.
      if (err instanceof TransientGithubError) continue;
      throw err;
    }
    await inTransaction(o.db, async (tx) => {
      await o.store.dropBranchCommits(tx, o.repoId, c.stream.slice('commits:'.length), [...gone]);
      const checked = rewrittenHeads(c.state);
      c.state = withoutRewritten(c.state);
      await o.store.saveCursor(tx, o.repoId, c.stream, c, checked);
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
