import type { SqlExecutor } from '@trackeep/server-core';
import type { DB } from '../../database/db.types';
import {
  StarHistoryRepository,
  type ForkWrite,
  type HistoryKind,
  type StargazerWrite,
} from '../../repos/data/star-history.repository';
import type {
  GqlConnection,
  GqlEdgeConnection,
  GqlFork,
  GqlStargazerEdge,
} from '../github/sync-graphql.types';
import { emptyCursor, type CursorRow, type SyncStore } from './sync-store.repository';

/** GitHub's largest page; a stargazers or forks page costs one request whatever its size. */
export const HISTORY_PAGE = 100;

/**
 * `new`: newest first until the stored rows are reached (the first sync reads everything this way).
 * `full`: every row again, then the rows not seen are removed (stars taken back and forks deleted while no
 * webhook told).
 */
type PassMode = 'new' | 'full';

interface HistoryState {
  mode?: PassMode;
  /** The newest stored time when the pass began: a `new` pass stops at it. */
  stopAt?: string | null;
  /** Database time a `full` pass began: rows not confirmed since are gone on GitHub. */
  sweepBefore?: string;
  /** GitHub's count minus the stored rows when the last pass ended (rows GitHub counts but does not list). */
  offset?: number;
}

export function stargazerRows(conn: GqlEdgeConnection<GqlStargazerEdge>): StargazerWrite[] {
  return conn.edges.flatMap((e) =>
    e.node && typeof e.node.databaseId === 'number'
      ? [{ user_github_id: e.node.databaseId, login: e.node.login, starred_at: e.starredAt }]
      : [],
  );
}

export function forkRows(conn: GqlConnection<GqlFork | null>): ForkWrite[] {
  return conn.nodes.flatMap((f) =>
    f && typeof f.databaseId === 'number'
      ? [{ fork_github_id: f.databaseId, full_name: f.nameWithOwner, created_at: f.createdAt }]
      : [],
  );
}

/**
 * One of the two history streams (stargazers, forks) of a repository's sync. Nothing is fetched while the
 * stored rows account for GitHub's count (what the change detection or the REST metadata already gave), so
 * an unchanged repository costs nothing here; a changed one reads only the newest page(s). Each page's rows
 * and the stream's cursor commit in the page's transaction.
 */
export class StarHistoryStream {
  private constructor(
    readonly kind: HistoryKind,
    private readonly repoId: string,
    private readonly store: SyncStore,
    private readonly cursor: CursorRow,
    private done: boolean,
  ) {}

  /** `githubCount`: the repository's stargazer (or fork) count as GitHub reports it now. */
  static async open(
    db: SqlExecutor<DB>,
    store: SyncStore,
    repoId: string,
    kind: HistoryKind,
    cursors: Map<string, CursorRow>,
    githubCount: number,
  ): Promise<StarHistoryStream> {
    const cursor = cursors.get(kind) ?? emptyCursor(kind);
    const state = cursor.state as HistoryState;
    if (cursor.end_cursor) return new StarHistoryStream(kind, repoId, store, cursor, false);
    const stored = await StarHistoryRepository.summary(db, repoId, kind);
    if (githubCount - stored.count === (state.offset ?? 0))
      return new StarHistoryStream(kind, repoId, store, cursor, true);
    cursor.state = {
      ...state,
      mode: 'new',
      stopAt: stored.newest ? stored.newest.toISOString() : null,
    } satisfies HistoryState;
    return new StarHistoryStream(kind, repoId, store, cursor, false);
  }

  /** The page size to ask for this round (0: nothing to read). */
  get want(): number {
    return this.done ? 0 : HISTORY_PAGE;
  }

  get after(): string | null {
    return this.cursor.end_cursor;
  }

  async stargazersPage(tx: SqlExecutor<DB>, conn: GqlEdgeConnection<GqlStargazerEdge>): Promise<number> {
    const rows = stargazerRows(conn);
    await StarHistoryRepository.upsertStargazers(tx, this.repoId, rows);
    // Every edge's time, a stargazer GitHub shows without a user (a deleted account) included.
    await this.advance(
      tx,
      conn,
      conn.edges.map((e) => e.starredAt),
    );
    return rows.length;
  }

  async forksPage(tx: SqlExecutor<DB>, conn: GqlConnection<GqlFork | null>): Promise<number> {
    const rows = forkRows(conn);
    await StarHistoryRepository.upsertForks(tx, this.repoId, rows);
    await this.advance(
      tx,
      conn,
      conn.nodes.flatMap((f) => (f ? [f.createdAt] : [])),
    );
    return rows.length;
  }

  private async advance(
    tx: SqlExecutor<DB>,
    conn: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null } },
    times: Array<Date | string>,
  ): Promise<void> {
    const c = this.cursor;
    const state = c.state as HistoryState;
    const oldest = times.length ? Date.parse(String(times[times.length - 1])) : null;
    const reachedStored =
      state.mode !== 'full' && !!state.stopAt && oldest !== null && oldest <= Date.parse(state.stopAt);
    const more = conn.pageInfo.hasNextPage && times.length > 0 && !reachedStored;
    if (more) {
      c.end_cursor = conn.pageInfo.endCursor;
      await this.store.saveCursor(tx, this.repoId, this.kind, c);
      return;
    }
    c.end_cursor = null;
    if (state.mode === 'full' && state.sweepBefore)
      await StarHistoryRepository.sweep(tx, this.repoId, this.kind, new Date(state.sweepBefore));
    const stored = await StarHistoryRepository.summary(tx, this.repoId, this.kind);
    const offset = conn.totalCount - stored.count;
    if (offset !== 0 && offset !== (state.offset ?? 0) && state.mode !== 'full') {
      // Rows are missing or gone without a webhook saying so: read them all once more and keep what is seen.
      const sweepBefore = await StarHistoryRepository.now(tx);
      c.state = { offset: state.offset ?? 0, mode: 'full', sweepBefore: sweepBefore.toISOString() };
      await this.store.saveCursor(tx, this.repoId, this.kind, c);
      return;
    }
    c.state = { offset } satisfies HistoryState;
    this.done = true;
    await this.store.saveCursor(tx, this.repoId, this.kind, c);
  }
}
