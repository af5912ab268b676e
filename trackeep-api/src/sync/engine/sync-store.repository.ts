import type { OrgPolicyBlock } from '@trackeep/contracts';
import type { SqlRunner } from '../github/credential-limits';
import { fromPgJson, fromPgText, pgJson, pgText } from '../../common/pg-text.util';
import { ActivityRepository } from '../../repos/data/activity.repository';
import { BranchesRepository, type StoredBranch } from '../../repos/data/branches.repository';
import { CommitsRepository } from '../../repos/data/commits.repository';
import type { DataHandle } from '../../repos/data/github-data.db';
import type {
  ActivityWrite,
  BranchWrite,
  CommitWrite,
  Counters,
  PullRequestWrite,
} from '../../repos/data/github-data.types';
import { PullRequestsRepository } from '../../repos/data/pull-requests.repository';
import { RepoStatsRepository } from '../../repos/data/repo-stats.repository';
import { RepositoriesRepository, type SyncRepoRecord } from '../../repos/data/repositories.repository';
import { SizeFiguresRepository, type FiguresKind } from '../../repos/data/size-figures.repository';

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
  loadRepo(db: SqlRunner, repoId: string, opts: { lock?: boolean } = {}): Promise<SyncRepoRecord | null> {
    return RepositoriesRepository.load(handle(db), repoId, opts);
  }

  async upsertCommits(db: SqlRunner, repoId: string, rows: CommitWrite[]): Promise<number> {
    await CommitsRepository.upsert(handle(db), repoId, rows);
    return rows.length;
  }

  addBranchCommits(db: SqlRunner, repoId: string, branch: string, shas: string[]): Promise<void> {
    return CommitsRepository.addToBranch(handle(db), repoId, branch, shas);
  }

  /** Which of `shas` are already recorded (completely) on any of `branches`. */
  knownOnBranches(db: SqlRunner, repoId: string, branches: string[], shas: string[]): Promise<Set<string>> {
    return CommitsRepository.knownOnBranches(handle(db), repoId, branches, shas);
  }

  loadBranches(db: SqlRunner, repoId: string): Promise<Map<string, StoredBranch>> {
    return BranchesRepository.load(handle(db), repoId);
  }

  /** The branches as the refs show them now (a push seen since keeps its state). */
  replaceBranches(db: SqlRunner, repoId: string, rows: BranchWrite[]): Promise<void> {
    return BranchesRepository.replaceAll(handle(db), repoId, rows);
  }

  /** Forgets what the sync recorded for deleted branches (their commits stay, reachable from others). */
  async forgetBranches(db: SqlRunner, repoId: string, names: string[]): Promise<void> {
    if (!names.length) return;
    await CommitsRepository.forgetBranches(handle(db), repoId, names);
    await db.query(`DELETE FROM sync_cursors WHERE repo_id = $1 AND stream = ANY($2::text[])`, [
      repoId,
      names.map((n) => pgText(commitStream(n))),
    ]);
  }

  async upsertPulls(db: SqlRunner, repoId: string, rows: PullRequestWrite[]): Promise<number> {
    await PullRequestsRepository.upsert(handle(db), repoId, rows);
    return rows.length;
  }

  /** Inserts timeline entries not recorded yet (by dedupe key); returns the ids of the new ones. */
  insertActivity(db: SqlRunner, repoId: string, rows: ActivityWrite[]): Promise<string[]> {
    return ActivityRepository.insert(handle(db), repoId, rows);
  }

  /** GitHub's REST answer for the repository, merged into the row; the sync's verdict on its state is set. */
  async updateRepository(
    db: SqlRunner,
    repoId: string,
    r: RestRepository,
    githubState: string,
  ): Promise<void> {
    await RepositoriesRepository.merge(
      handle(db),
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

  updateLanguages(db: SqlRunner, repoId: string, languages: Record<string, number>): Promise<void> {
    return RepositoriesRepository.updateLanguages(handle(db), repoId, languages);
  }

  renameRepository(db: SqlRunner, repoId: string, fullName: string, githubState: string): Promise<void> {
    return RepositoriesRepository.rename(handle(db), repoId, fullName, githubState);
  }

  /** Rows stored without the size figures GitHub refused: fetched again later (see refetchFigures). */
  markFiguresPending(db: SqlRunner, repoId: string, kind: FiguresKind, keys: string[]): Promise<void> {
    return SizeFiguresRepository.markPending(handle(db), repoId, kind, keys);
  }

  pendingFigures(db: SqlRunner, repoId: string, kind: FiguresKind, limit: number): Promise<string[]> {
    return SizeFiguresRepository.pending(handle(db), repoId, kind, limit);
  }

  saveFigures(
    db: SqlRunner,
    repoId: string,
    kind: FiguresKind,
    key: string,
    f: { additions: number; deletions: number; changedFiles: number | null },
  ): Promise<void> {
    return SizeFiguresRepository.save(handle(db), repoId, kind, key, f);
  }

  refuseFigures(
    db: SqlRunner,
    repoId: string,
    kind: FiguresKind,
    keys: string[],
    giveUpAfter: number,
  ): Promise<void> {
    return SizeFiguresRepository.refuse(handle(db), repoId, kind, keys, giveUpAfter);
  }

  setBlock(db: SqlRunner, repoId: string, block: OrgPolicyBlock): Promise<void> {
    return RepositoriesRepository.setBlock(handle(db), repoId, block);
  }

  clearBlock(db: SqlRunner, repoId: string): Promise<void> {
    return RepositoriesRepository.clearBlock(handle(db), repoId);
  }

  setGithubState(db: SqlRunner, repoId: string, state: string): Promise<void> {
    return RepositoriesRepository.setGithubState(handle(db), repoId, state);
  }

  async lastSnapshot(db: SqlRunner, repoId: string): Promise<(Counters & { captured_at: Date }) | null> {
    return RepoStatsRepository.latest(handle(db), repoId);
  }

  insertSnapshot(db: SqlRunner, repoId: string, c: Counters): Promise<void> {
    return RepoStatsRepository.insert(handle(db), repoId, c);
  }

  async loadCursors(db: SqlRunner, repoId: string): Promise<Map<string, CursorRow>> {
    const rows = (await db.query(
      `SELECT stream, high_water, pending_high_water, head_sha, pending_head, end_cursor, state FROM sync_cursors WHERE repo_id = $1`,
      [repoId],
    )) as CursorRow[];
    return new Map(
      rows.map((r) => [
        fromPgText(r.stream),
        { ...r, stream: fromPgText(r.stream), state: fromPgJson(r.state) },
      ]),
    );
  }

  async saveCursor(db: SqlRunner, repoId: string, stream: string, c: CursorRow): Promise<void> {
    await db.query(
      `INSERT INTO sync_cursors (repo_id, stream, high_water, pending_high_water, head_sha, pending_head, end_cursor, state, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
       ON CONFLICT (repo_id, stream) DO UPDATE SET high_water = EXCLUDED.high_water, pending_high_water = EXCLUDED.pending_high_water,
         head_sha = EXCLUDED.head_sha, pending_head = EXCLUDED.pending_head, end_cursor = EXCLUDED.end_cursor, state = EXCLUDED.state,
         updated_at = now()`,
      [
        repoId,
        pgText(stream),
        c.high_water,
        c.pending_high_water,
        c.head_sha,
        c.pending_head,
        c.end_cursor,
        pgJson(c.state ?? {}),
      ],
    );
  }
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

/** The sync's handles (TypeORM's DataSource or a transaction's EntityManager), as the write model takes them. */
function handle(db: SqlRunner): DataHandle {
  return db as DataHandle;
}
