import { inTransaction } from '@trackeep/server-core';
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../database/db.types';
import {
  runVersion,
  workflowRunFromGithub,
  WorkflowRunsRepository,
  type WorkflowRunWrite,
} from '../../repos/data/workflow-runs.repository';
import { TransientGithubError } from '../github/sync-github.errors';
import type { SyncGithubGateway } from '../github/sync-github.gateway';
import { emptyCursor, type CursorRow, type SyncStore } from './sync-store.repository';

export const WORKFLOW_RUNS_STREAM = 'workflow_runs';
/** GitHub's largest REST page. */
const PAGE = 100;
/** GitHub answers at most this many runs for a filtered list; older ones are reached by narrowing `created`. */
const SEARCH_LIMIT = 1000;
const DAY_MS = 24 * 3600_000;

/** GitHub's answer to a runs list (`workflow_run` items, see workflowRunFromGithub). */
interface RunsPage {
  total_count?: number;
  workflow_runs?: unknown[];
}

type RunsState = {
  /** The page of the current walk. */
  page?: number;
  /** The newest creation date (YYYY-MM-DD) the current walk asks for, once it went past GitHub's 1,000 results. */
  until?: string | null;
  /** The oldest creation time the current walk has seen. */
  oldest?: string | null;
  backfilledAt?: string;
  checkedAt?: string;
  /** GitHub's status when the credential may not read runs (an App without `actions: read`, Actions off). */
  unavailable?: number | null;
};

export interface WorkflowRunsOptions {
  db: Kysely<DB>;
  store: SyncStore;
  gateway: SyncGithubGateway;
  repoId: string;
  fullName: string;
  defaultBranch: string;
  cursors: Map<string, CursorRow>;
  onPage(tx: Transaction<DB>): Promise<void>;
  shouldYield?(): boolean;
  maxTransientFailures?: number;
  onRetry?(error: Error, attempt: number): void;
  sleep(ms: number): Promise<void>;
  /** Start of the history window (ms), or null for everything. */
  from: number | null;
  now: () => number;
}

/**
 * GitHub Actions runs on the default branch, by REST (GraphQL has no list of a repository's runs), newest first,
 * conditional on the stored ETag so an unchanged list costs nothing. The first read walks back through the
 * history window, page by page with the page committed in the cursor; past GitHub's 1,000 results it asks again
 * for runs created up to the oldest day seen. Later reads stop at the first page that brings nothing new or
 * changed. A 403 or 404 (an App without `actions: read`, Actions disabled) is recorded on the cursor, not an
 * error: the repository's other data is unaffected.
 *
 * Returns false when it stopped early to yield.
 */
export async function readWorkflowRuns(o: WorkflowRunsOptions): Promise<boolean> {
  const cursor = o.cursors.get(WORKFLOW_RUNS_STREAM) ?? emptyCursor(WORKFLOW_RUNS_STREAM);
  const state = (): RunsState => cursor.state as RunsState;
  const backfilled = !!state().backfilledAt;
  let failures = 0;
  for (;;) {
    const page = state().page ?? 1;
    let answer: Awaited<ReturnType<typeof o.gateway.getConditional<RunsPage>>>;
    try {
      // Only the first page of a read after the backfill is polled; the backfill's pages are read once.
      answer = await o.gateway.getConditional<RunsPage>(
        runsPath(o, page, backfilled ? null : o.from, state().until ?? null),
        backfilled && page === 1,
      );
    } catch (err) {
      if (!(err instanceof TransientGithubError)) throw err;
      if (++failures > (o.maxTransientFailures ?? 8)) throw err;
      o.onRetry?.(err, failures);
      await o.sleep(Math.min(30_000, 250 * 2 ** failures) + Math.round(Math.random() * 250));
      continue;
    }
    failures = 0;
    const at = new Date(o.now()).toISOString();
    if (!answer.data) {
      await inTransaction(o.db, async (tx) => {
        cursor.state = { checkedAt: at, unavailable: answer.status, backfilledAt: state().backfilledAt };
        await o.store.saveCursor(tx, o.repoId, WORKFLOW_RUNS_STREAM, cursor);
        await o.onPage(tx);
      });
      return true;
    }
    const all = (answer.data.workflow_runs ?? []).flatMap((r) => {
      const row = workflowRunFromGithub(r);
      return row ? [row] : [];
    });
    const rows = o.from === null ? all : all.filter((r) => Date.parse(String(r.created_at)) >= (o.from ?? 0));
    await inTransaction(o.db, async (tx) => {
      const stored = await WorkflowRunsRepository.versions(
        tx,
        o.repoId,
        rows.map((r) => r.run_id),
      );
      const moved = rows.some((r) => stored.get(r.run_id) !== runVersion(r));
      await WorkflowRunsRepository.upsert(tx, o.repoId, rows);
      const total = typeof answer.data?.total_count === 'number' ? answer.data.total_count : null;
      cursor.state = next(state(), all, page, total, backfilled && !moved, o.from, at);
      await o.store.saveCursor(tx, o.repoId, WORKFLOW_RUNS_STREAM, cursor);
      await o.onPage(tx);
    });
    if (!state().page) return true;
    if (o.shouldYield?.()) return false;
  }
}

/** The cursor's state after a page: the next page to read, or (no `page`) the walk is over. */
function next(
  s: RunsState,
  all: WorkflowRunWrite[],
  page: number,
  /** GitHub's `total_count` (capped at 1,000 for a filtered list, so only a smaller one says where it ends). */
  total: number | null,
  unchanged: boolean,
  from: number | null,
  at: string,
): RunsState {
  const oldest = all.reduce<string | null>((min, r) => {
    const t = new Date(r.created_at).toISOString();
    return !min || t < min ? t : min;
  }, s.oldest ?? null);
  const pastWindow = from !== null && oldest !== null && Date.parse(oldest) < from;
  const listed = total !== null && total < SEARCH_LIMIT && page * PAGE >= total;
  const done = all.length < PAGE || listed || pastWindow || unchanged;
  if (done) return { checkedAt: at, backfilledAt: s.backfilledAt ?? at, unavailable: null };
  if (page * PAGE < SEARCH_LIMIT) return { ...s, page: page + 1, oldest, checkedAt: at };
  // GitHub lists no further: ask again for runs created up to the oldest day seen (that day is read again, and
  // the write model keeps one row per run). A day of over 1,000 runs is stepped over rather than looped on.
  let until = (oldest ?? at).slice(0, 10);
  if (until === s.until) until = new Date(Date.parse(until) - DAY_MS).toISOString().slice(0, 10);
  return { ...s, page: 1, until, oldest, checkedAt: at };
}

/** The runs list of the default branch (GitHub's `created` range syntax; dates are days in UTC). */
function runsPath(o: WorkflowRunsOptions, page: number, from: number | null, until: string | null): string {
  const [owner, name] = o.fullName.split('/');
  const params = new URLSearchParams({ branch: o.defaultBranch, per_page: String(PAGE) });
  const since = from === null ? null : new Date(from).toISOString().slice(0, 10);
  if (since && until) params.set('created', `${since}..${until}`);
  else if (since) params.set('created', `>=${since}`);
  else if (until) params.set('created', `<=${until}`);
  params.set('exclude_pull_requests', 'true');
  if (page > 1) params.set('page', String(page));
  return `/repos/${encodeURIComponent(owner ?? '')}/${encodeURIComponent(name ?? '')}/actions/runs?${params.toString()}`;
}
