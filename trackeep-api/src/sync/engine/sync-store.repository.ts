import type { OrgPolicyBlock } from '@trackeep/contracts';
import { prepared, type SqlExecutor } from '@trackeep/server-core';
import { sql } from 'kysely';
import { fromPgJson, fromPgText, pgJson, pgText } from '../../common/pg-text.util';
import type { DB } from '../../database/db.types';
import { ActivityRepository } from '../../repos/data/activity.repository';
import { BranchesRepository, type StoredBranch } from '../../repos/data/branches.repository';
import { CommitsRepository } from '../../repos/data/commits.repository';
import type {
  ActivityWrite,
  BranchWrite,
  CommitWrite,
  HistoryCommit,
  Counters,
  PullRequestWrite,
} from '../../repos/data/github-data.types';
import {
  PullRequestReviewsRepository,
  type ReviewWrite,
} from '../../repos/data/pull-request-reviews.repository';
import { PullRequestsRepository } from '../../repos/data/pull-requests.repository';
import { RepoStatsRepository } from '../../repos/data/repo-stats.repository';
import { RepositoriesRepository, type SyncRepoRecord } from '../../repos/data/repositories.repository';
import {
  SizeFiguresRepository,
  type FiguresKind,
  type SizeFigures,
} from '../../repos/data/size-figures.repository';

export type { FiguresKind, SyncRepoRecord };

export interface CursorRow {
  stream: string;
  high_water: Date | null;
  pending_high_water: Date | null;
  head_sha: string | null;
  pending_head: string | null;
  end_cursor: string | null;
  state: Record<string, unknown>;
}

export type CursorPatch = Partial<Omit<CursorRow, 'stream'>>;

/** GitHub's full repository object (REST), the fields the sync keeps. */
export interface RestRepository {
  id: number;
  node_id: string;
  name: string;
  full_name: string;
  owner: { login: string };
  description: string | null;
  language: string | null;
  topics?: string[];
  visibility?: string;
  private: boolean;
  default_branch: string;
  archived: boolean;
  stargazers_count: number;
  forks_count: number;
  subscribers_count?: number;
  watchers_count: number;
  open_issues_count: number;
  size: number;
  pushed_at: string | null;
  updated_at: string | null;
  html_url: string;
  permissions?: Partial<Record<'admin' | 'maintain' | 'push' | 'triage' | 'pull', boolean>>;
}

/**
 * The sync's writes. GitHub data goes through the write model (repos/data), which merges every source's copy
 * by the same per-column rules; what stays here is the sync's own state (cursors) and its 404 strikes.
 * Methods take the caller's transaction so rows and cursors commit together.
 */
export class SyncStore {
  loadRepo(
    db: SqlExecutor<DB>,
    repoId: string,
    opts: { lock?: boolean } = {},
  ): Promise<SyncRepoRecord | null> {
    return RepositoriesRepository.load(db, repoId, opts);
  }

  async upsertCommits(db: SqlExecutor<DB>, repoId: string, rows: CommitWrite[]): Promise<number> {
    await CommitsRepository.upsert(db, repoId, rows);
    return rows.length;
  }

  addBranchCommits(db: SqlExecutor<DB>, repoId: string, branch: string, shas: string[]): Promise<void> {
    return CommitsRepository.addToBranch(db, repoId, branch, shas);
  }

  /** Takes `shas` off a rewritten branch; those on no other branch are removed. */
  dropBranchCommits(db: SqlExecutor<DB>, repoId: string, branch: string, shas: string[]): Promise<void> {
    return CommitsRepository.removeFromBranch(db, repoId, branch, shas);
  }

  /** Notes heads `branch` had before a rewrite, for the force-push check (see rewritten-branches.ts). */
  noteReplacedHeads(db: SqlExecutor<DB>, repoId: string, branch: string, heads: string[]): Promise<void> {
    return BranchesRepository.noteReplacedHeads(db, repoId, branch, heads);
  }

  /** The replaced heads waiting to be checked, by branch. */
  replacedHeads(db: SqlExecutor<DB>, repoId: string): Promise<Map<string, string[]>> {
    return BranchesRepository.replacedHeads(db, repoId);
  }

  /** Forgets the replaced heads the check compared. */
  dropReplacedHeads(db: SqlExecutor<DB>, repoId: string, branch: string, checked: string[]): Promise<void> {
    return BranchesRepository.dropReplacedHeads(db, repoId, branch, checked);
  }

  /** Which of `shas` are already recorded (completely) on any of `branches`. */
  knownOnBranches(
    db: SqlExecutor<DB>,
    repoId: string,
    branches: string[],
    shas: string[],
  ): Promise<Set<string>> {
    return CommitsRepository.knownOnBranches(db, repoId, branches, shas);
  }

  loadBranches(db: SqlExecutor<DB>, repoId: string): Promise<Map<string, StoredBranch>> {
    return BranchesRepository.load(db, repoId);
  }

  /** The branches as the refs show them now (a push seen since keeps its state). */
  replaceBranches(db: SqlExecutor<DB>, repoId: string, rows: BranchWrite[]): Promise<void> {
    return BranchesRepository.replaceAll(db, repoId, rows);
  }

  /** Forgets what the sync recorded for deleted branches (their commits stay, reachable from others). */
  async forgetBranches(db: SqlExecutor<DB>, repoId: string, names: string[]): Promise<void> {
    if (!names.length) return;
    await CommitsRepository.forgetBranches(db, repoId, names);
    await this.forgetCursors(
      db,
      repoId,
      names.map((n) => commitStream(n)),
    );
  }

  /** Drops the cursors of these streams: their walks start over from nothing. */
  async forgetCursors(db: SqlExecutor<DB>, repoId: string, streams: string[]): Promise<void> {
    if (!streams.length) return;
    await db
      .deleteFrom('sync_cursors')
      .where('repo_id', '=', repoId)
      .where('stream', '=', sql<string>`ANY(${streams.map(pgText)}::text[])`)
      .execute();
  }

  /** Returns how many pull requests were new or changed. */
  upsertPulls(db: SqlExecutor<DB>, repoId: string, rows: PullRequestWrite[]): Promise<number> {
    return PullRequestsRepository.upsert(db, repoId, rows);
  }

  async upsertReviews(db: SqlExecutor<DB>, repoId: string, rows: ReviewWrite[]): Promise<void> {
    if (rows.length) await PullRequestReviewsRepository.upsert(db, repoId, rows);
  }

  /** Inserts timeline entries not recorded yet (by dedupe key); returns the ids of the new ones. */
  branchHistorySince(
    db: SqlExecutor<DB>,
    repoId: string,
    branch: string,
    since: Date | null,
  ): Promise<HistoryCommit[]> {
    return CommitsRepository.branchHistorySince(db, repoId, branch, since);
  }

  insertActivity(db: SqlExecutor<DB>, repoId: string, rows: ActivityWrite[]): Promise<string[]> {
    return ActivityRepository.insert(db, repoId, rows);
  }

  /** GitHub's REST answer for the repository, merged into the row; the sync's verdict on its state is set. */
  async updateRepository(
    db: SqlExecutor<DB>,
    repoId: string,
    r: RestRepository,
    githubState: string,
  ): Promise<void> {
    await RepositoriesRepository.merge(
      db,
      repoId,
      {
        node_id: r.node_id,
        owner: r.owner.login,
        name: r.name,
        full_name: r.full_name,
        description: r.description,
        language: r.language,
        topics: r.topics ?? [],
        visibility: r.visibility ?? (r.private ? 'private' : 'public'),
        default_branch: r.default_branch,
        archived: r.archived,
        stars: r.stargazers_count,
        forks: r.forks_count,
        watchers: r.subscribers_count ?? r.watchers_count,
        open_issues: r.open_issues_count,
        size_kb: r.size,
        pushed_at: r.pushed_at,
        github_updated_at: r.updated_at,
        html_url: r.html_url,
      },
      { value: githubState, when: 'always' },
    );
  }

  updateLanguages(db: SqlExecutor<DB>, repoId: string, languages: Record<string, number>): Promise<void> {
    return RepositoriesRepository.updateLanguages(db, repoId, languages);
  }

  renameRepository(
    db: SqlExecutor<DB>,
    repoId: string,
    fullName: string,
    githubState: string,
  ): Promise<void> {
    return RepositoriesRepository.rename(db, repoId, fullName, githubState);
  }

  /** Rows stored without the size figures GitHub refused: fetched again later (see refetchFigures). */
  markFiguresPending(db: SqlExecutor<DB>, repoId: string, kind: FiguresKind, keys: string[]): Promise<void> {
    return SizeFiguresRepository.markPending(db, repoId, kind, keys);
  }

  pendingFigures(db: SqlExecutor<DB>, repoId: string, kind: FiguresKind, limit: number): Promise<string[]> {
    return SizeFiguresRepository.pending(db, repoId, kind, limit);
  }

  saveFigures(db: SqlExecutor<DB>, repoId: string, kind: FiguresKind, rows: SizeFigures[]): Promise<void> {
    return SizeFiguresRepository.save(db, repoId, kind, rows);
  }

  refuseFigures(
    db: SqlExecutor<DB>,
    repoId: string,
    kind: FiguresKind,
    keys: string[],
    giveUpAfter: number,
  ): Promise<void> {
    return SizeFiguresRepository.refuse(db, repoId, kind, keys, giveUpAfter);
  }

  setBlock(db: SqlExecutor<DB>, repoId: string, block: OrgPolicyBlock): Promise<void> {
    return RepositoriesRepository.setBlock(db, repoId, block);
  }

  clearBlock(db: SqlExecutor<DB>, repoId: string): Promise<void> {
    return RepositoriesRepository.clearBlock(db, repoId);
  }

  setGithubState(db: SqlExecutor<DB>, repoId: string, state: string): Promise<void> {
    return RepositoriesRepository.setGithubState(db, repoId, state);
  }

  async lastSnapshot(
    db: SqlExecutor<DB>,
    repoId: string,
  ): Promise<(Counters & { captured_at: Date }) | null> {
    return RepoStatsRepository.latest(db, repoId);
  }

  insertSnapshot(db: SqlExecutor<DB>, repoId: string, c: Counters): Promise<void> {
    return RepoStatsRepository.insert(db, repoId, c);
  }

  async loadCursors(db: SqlExecutor<DB>, repoId: string): Promise<Map<string, CursorRow>> {
    const rows = await db
      .selectFrom('sync_cursors')
      .select([
        'stream',
        'high_water',
        'pending_high_water',
        'head_sha',
        'pending_head',
        'end_cursor',
        'state',
      ])
      .where('repo_id', '=', repoId)
      .execute();
    return new Map(
      rows.map((r) => {
        const stream = fromPgText(r.stream);
        return [stream, { ...r, stream, state: cursorState(r.state) }];
      }),
    );
  }

  /** Cursor writes held for one transaction (see deferCursors), by cursor: the last write of each wins. */
  private readonly heldCursors = new WeakMap<object, Map<string, HeldCursor>>();

  /**
   * From now on, `tx`'s cursor writes are held and written together by flushCursors, in one statement: a page
   * carries up to ten streams, and one upsert each was the sync's most frequent statement. Nothing reads
   * sync_cursors inside a page's transaction (they are loaded once, before the first page).
   */
  deferCursors(tx: SqlExecutor<DB>): void {
    this.heldCursors.set(tx, new Map());
  }

  /** Writes `tx`'s held cursor writes; to be called before the transaction commits. */
  async flushCursors(tx: SqlExecutor<DB>): Promise<void> {
    const held = this.heldCursors.get(tx);
    this.heldCursors.delete(tx);
    if (held?.size) await writeCursors(tx, [...held.values()]);
  }

  /** Saves a cursor as it is now (held until flushCursors when the transaction defers cursor writes). */
  async saveCursor(db: SqlExecutor<DB>, repoId: string, stream: string, c: CursorRow): Promise<void> {
    const row: HeldCursor = {
      repo_id: repoId,
      stream,
      high_water: c.high_water,
      pending_high_water: c.pending_high_water,
      head_sha: c.head_sha,
      pending_head: c.pending_head,
      end_cursor: c.end_cursor,
      // A copy: the caller goes on changing its cursor after saving it.
      state: structuredClone(c.state ?? {}),
    };
    const held = this.heldCursors.get(db);
    if (!held) return writeCursors(db, [row]);
    held.set(`${repoId} ${stream}`, row);
  }
}

interface HeldCursor extends CursorRow {
  repo_id: string;
}

/** Upserts cursors in one statement (their text through pgJson, as every text column the sync writes). */
async function writeCursors(db: SqlExecutor<DB>, rows: HeldCursor[]): Promise<void> {
  await prepared(sql`
    INSERT INTO sync_cursors
      (repo_id, stream, high_water, pending_high_water, head_sha, pending_head, end_cursor, state, updated_at)
    SELECT x.repo_id, x.stream, x.high_water, x.pending_high_water, x.head_sha, x.pending_head, x.end_cursor,
           x.state, now()
      FROM jsonb_to_recordset(${pgJson(rows)}::jsonb)
        AS x(repo_id uuid, stream text, high_water timestamptz, pending_high_water timestamptz, head_sha text,
             pending_head text, end_cursor text, state jsonb)
    ON CONFLICT (repo_id, stream) DO UPDATE
      SET high_water = EXCLUDED.high_water, pending_high_water = EXCLUDED.pending_high_water,
          head_sha = EXCLUDED.head_sha, pending_head = EXCLUDED.pending_head,
          end_cursor = EXCLUDED.end_cursor, state = EXCLUDED.state, updated_at = now()`).execute(db);
}

export function commitStream(branch: string): string {
  return `commits:${branch}`;
}

export function emptyCursor(stream: string): CursorRow {
  return {
    stream,
    high_water: null,
    pending_high_water: null,
    head_sha: null,
    pending_head: null,
    end_cursor: null,
    state: {},
  };
}

/** A cursor's state as stored (a JSON object; anything else reads as empty). */
function cursorState(stored: unknown): Record<string, unknown> {
  const state: unknown = fromPgJson(stored);
  return typeof state === 'object' && state !== null && !Array.isArray(state) ? { ...state } : {};
}
