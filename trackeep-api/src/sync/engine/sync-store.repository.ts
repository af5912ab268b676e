import type { OrgPolicyBlock } from '@trackeep/contracts';
import type { SqlRunner } from '../github/credential-limits';
import type { ActivityRow, BranchRow, CommitRow, PullRow } from './sync-rows.util';
import { repeatsLatestBranchEvent } from '../../repos/activity-dedupe';
import { fromPgJson, fromPgText, pgJson, pgText } from '../../common/pg-text.util';

/** The tables whose rows carry size figures GitHub may refuse in a partial answer. */
export type FiguresKind = 'commits' | 'pull_requests';

/** What the sync needs to know about a repository row. */
export interface SyncRepoRecord {
  id: string;
  github_id: string;
  node_id: string;
  owner: string;
  name: string;
  full_name: string;
  default_branch: string;
  visibility: string;
  archived: boolean;
  stars: number;
  forks: number;
  watchers: number;
  open_issues: number;
  pushed_at: Date | null;
  github_state: string;
}

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

const BATCH = 500;

function chunks<T>(rows: T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/**
 * Every write the sync makes to the shared repository tables, as set-based statements: each batch is one
 * `INSERT ... SELECT FROM jsonb_to_recordset(...) ON CONFLICT DO UPDATE`, never a statement per row.
 * Methods take the SqlRunner of the caller's transaction so rows and cursors commit together.
 * GitHub's text is written through pg-text (a NUL or a lone surrogate is stored escaped, never refused), and
 * what is read back for the sync's own comparisons (branch names, cursors) is decoded.
 */
export class SyncStore {
  /** `lock` holds the row until the transaction ends, so a webhook applying the same change waits and sees it. */
  async loadRepo(
    db: SqlRunner,
    repoId: string,
    opts: { lock?: boolean } = {},
  ): Promise<SyncRepoRecord | null> {
    const rows = (await db.query(
      `SELECT id, github_id::text, node_id, owner, name, full_name, default_branch, visibility, archived, stars, forks, watchers,
              open_issues, pushed_at, github_state
       FROM repositories WHERE id = $1${opts.lock ? ' FOR UPDATE' : ''}`,
      [repoId],
    )) as SyncRepoRecord[];
    const row = rows[0];
    if (!row) return null;
    return {
      ...row,
      owner: fromPgText(row.owner),
      name: fromPgText(row.name),
      full_name: fromPgText(row.full_name),
      default_branch: fromPgText(row.default_branch),
    };
  }

  async upsertCommits(db: SqlRunner, repoId: string, rows: CommitRow[]): Promise<number> {
    for (const batch of chunks(rows)) {
      await db.query(
        `INSERT INTO commits (repo_id, sha, message, author_name, author_email, author_login, authored_at, committer_name,
                              committer_email, committer_login, committed_at, additions, deletions, changed_files, parents, html_url)
         SELECT $1, x.sha, x.message, x.author_name, x.author_email, x.author_login, x.authored_at, x.committer_name,
                x.committer_email, x.committer_login, x.committed_at, x.additions, x.deletions, x.changed_files, x.parents, x.html_url
         FROM jsonb_to_recordset($2::jsonb) AS x(sha text, message text, author_name text, author_email text, author_login text,
              authored_at timestamptz, committer_name text, committer_email text, committer_login text, committed_at timestamptz,
              additions integer, deletions integer, changed_files integer, parents text[], html_url text)
         ON CONFLICT (repo_id, sha) DO UPDATE SET
           message = EXCLUDED.message,
           author_login = COALESCE(EXCLUDED.author_login, commits.author_login),
           committer_login = COALESCE(EXCLUDED.committer_login, commits.committer_login),
           additions = COALESCE(EXCLUDED.additions, commits.additions),
           deletions = COALESCE(EXCLUDED.deletions, commits.deletions),
           changed_files = COALESCE(EXCLUDED.changed_files, commits.changed_files),
           figures_status = CASE WHEN EXCLUDED.additions IS NOT NULL THEN NULL ELSE commits.figures_status END,
           parents = EXCLUDED.parents`,
        [repoId, pgJson(batch)],
      );
    }
    return rows.length;
  }

  async addBranchCommits(db: SqlRunner, repoId: string, branch: string, shas: string[]): Promise<void> {
    if (!shas.length) return;
    await db.query(
      `INSERT INTO branch_commits (repo_id, branch, sha) SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING`,
      [repoId, pgText(branch), shas],
    );
  }

  /** Which of `shas` are already recorded on any of `branches`. */
  async knownOnBranches(
    db: SqlRunner,
    repoId: string,
    branches: string[],
    shas: string[],
  ): Promise<Set<string>> {
    if (!shas.length) return new Set();
    const rows = (await db.query(
      `SELECT DISTINCT sha FROM branch_commits WHERE repo_id = $1 AND branch = ANY($2::text[]) AND sha = ANY($3::text[])`,
      [repoId, branches.map(pgText), shas],
    )) as Array<{ sha: string }>;
    return new Set(rows.map((r) => r.sha));
  }

  async loadBranches(db: SqlRunner, repoId: string): Promise<Map<string, BranchRow>> {
    const rows = (await db.query(
      `SELECT name, head_sha, protected, last_commit_at FROM branches WHERE repo_id = $1`,
      [repoId],
    )) as Array<BranchRow & { last_commit_at: Date | null }>;
    return new Map(
      rows.map((r) => {
        const name = fromPgText(r.name);
        return [
          name,
          { ...r, name, last_commit_at: r.last_commit_at ? new Date(r.last_commit_at).toISOString() : null },
        ];
      }),
    );
  }

  /** Makes the branches table exactly `rows` for this repository. */
  async replaceBranches(db: SqlRunner, repoId: string, rows: BranchRow[]): Promise<void> {
    for (const batch of chunks(rows)) {
      await db.query(
        `INSERT INTO branches (repo_id, name, head_sha, protected, last_commit_at, updated_at)
         SELECT $1, x.name, x.head_sha, x.protected, x.last_commit_at, now()
         FROM jsonb_to_recordset($2::jsonb) AS x(name text, head_sha text, protected boolean, last_commit_at timestamptz)
         ON CONFLICT (repo_id, name) DO UPDATE SET head_sha = EXCLUDED.head_sha, protected = EXCLUDED.protected,
           last_commit_at = EXCLUDED.last_commit_at, updated_at = now()
         WHERE (branches.head_sha, branches.protected, branches.last_commit_at) IS DISTINCT FROM
               (EXCLUDED.head_sha, EXCLUDED.protected, EXCLUDED.last_commit_at)`,
        [repoId, pgJson(batch)],
      );
    }
    const names = rows.map((r) => pgText(r.name));
    await db.query(`DELETE FROM branches WHERE repo_id = $1 AND NOT (name = ANY($2::text[]))`, [
      repoId,
      names,
    ]);
  }

  /** Forgets what the sync recorded for deleted branches (their commits stay, reachable from others). */
  async forgetBranches(db: SqlRunner, repoId: string, names: string[]): Promise<void> {
    if (!names.length) return;
    await db.query(`DELETE FROM branch_commits WHERE repo_id = $1 AND branch = ANY($2::text[])`, [
      repoId,
      names.map(pgText),
    ]);
    await db.query(`DELETE FROM sync_cursors WHERE repo_id = $1 AND stream = ANY($2::text[])`, [
      repoId,
      names.map((n) => pgText(commitStream(n))),
    ]);
  }

  /** Upserts pull requests; a row already newer on our side (e.g. from a webhook) is left alone. */
  async upsertPulls(db: SqlRunner, repoId: string, rows: PullRow[]): Promise<number> {
    for (const batch of chunks(rows)) {
      await db.query(
        `INSERT INTO pull_requests (repo_id, number, node_id, title, state, draft, author_login, created_at, updated_at, closed_at,
                                    merged_at, base_ref, head_ref, additions, deletions, changed_files, commits_count, review_count,
                                    first_review_at, labels, html_url)
         SELECT $1, x.number, x.node_id, x.title, x.state, x.draft, x.author_login, x.created_at, x.updated_at, x.closed_at,
                x.merged_at, x.base_ref, x.head_ref, x.additions, x.deletions, x.changed_files, x.commits_count, x.review_count,
                x.first_review_at, x.labels, x.html_url
         FROM jsonb_to_recordset($2::jsonb) AS x(number integer, node_id text, title text, state text, draft boolean, author_login text,
              created_at timestamptz, updated_at timestamptz, closed_at timestamptz, merged_at timestamptz, base_ref text, head_ref text,
              additions integer, deletions integer, changed_files integer, commits_count integer, review_count integer,
              first_review_at timestamptz, labels text[], html_url text)
         ON CONFLICT (repo_id, number) DO UPDATE SET
           node_id = EXCLUDED.node_id, title = EXCLUDED.title, state = EXCLUDED.state, draft = EXCLUDED.draft,
           author_login = EXCLUDED.author_login, updated_at = EXCLUDED.updated_at, closed_at = EXCLUDED.closed_at,
           merged_at = EXCLUDED.merged_at, base_ref = EXCLUDED.base_ref, head_ref = EXCLUDED.head_ref,
           -- null only when GitHub refused the figure in a partial answer: keep what we knew
           additions = COALESCE(EXCLUDED.additions, pull_requests.additions), deletions = COALESCE(EXCLUDED.deletions, pull_requests.deletions),
           changed_files = COALESCE(EXCLUDED.changed_files, pull_requests.changed_files),
           figures_status = CASE WHEN EXCLUDED.additions IS NOT NULL THEN NULL ELSE pull_requests.figures_status END,
           commits_count = EXCLUDED.commits_count, review_count = EXCLUDED.review_count,
           first_review_at = EXCLUDED.first_review_at, labels = EXCLUDED.labels, html_url = EXCLUDED.html_url
         WHERE pull_requests.updated_at <= EXCLUDED.updated_at`,
        [repoId, pgJson(batch)],
      );
    }
    return rows.length;
  }

  /** Inserts timeline entries not recorded yet (by dedupe key); returns the ids of the new ones. */
  async insertActivity(db: SqlRunner, repoId: string, rows: ActivityRow[]): Promise<string[]> {
    const ids: string[] = [];
    for (const batch of chunks(rows)) {
      const inserted = (await db.query(
        `INSERT INTO activity_events (repo_id, type, actor, title, url, occurred_at, data, dedupe_key)
         SELECT $1, x.type, x.actor, x.title, x.url, x.occurred_at, x.data, x.dedupe_key
         FROM jsonb_to_recordset($2::jsonb) AS x(type text, actor text, title text, url text, occurred_at timestamptz, data jsonb, dedupe_key text)
         WHERE NOT ${repeatsLatestBranchEvent('$1::uuid', 'x.type', "x.data->>'ref'")}
         ON CONFLICT (repo_id, dedupe_key) DO NOTHING
         RETURNING id::text`,
        [repoId, pgJson(batch)],
      )) as Array<{ id: string }>;
      ids.push(...inserted.map((r) => r.id));
    }
    return ids;
  }

  async updateRepository(
    db: SqlRunner,
    repoId: string,
    r: RestRepository,
    githubState: string,
  ): Promise<void> {
    await db.query(
      `UPDATE repositories SET node_id = $2, owner = $3, name = $4, full_name = $5, description = $6, language = $7, topics = $8,
         visibility = $9, default_branch = $10, archived = $11, stars = $12, forks = $13, watchers = $14, open_issues = $15,
         size_kb = $16, pushed_at = $17, github_updated_at = $18, html_url = $19, github_state = $20, updated_at = now()
       WHERE id = $1`,
      [
        repoId,
        r.node_id,
        pgText(r.owner.login),
        pgText(r.name),
        pgText(r.full_name),
        pgText(r.description),
        pgText(r.language),
        (r.topics ?? []).map(pgText),
        r.visibility ?? (r.private ? 'private' : 'public'),
        pgText(r.default_branch),
        r.archived,
        r.stargazers_count,
        r.forks_count,
        r.subscribers_count ?? r.watchers_count,
        r.open_issues_count,
        r.size,
        r.pushed_at,
        r.updated_at,
        r.html_url,
        githubState,
      ],
    );
  }

  async updateLanguages(db: SqlRunner, repoId: string, languages: Record<string, number>): Promise<void> {
    await db.query(
      `UPDATE repositories SET languages = $2 WHERE id = $1 AND languages IS DISTINCT FROM $2::jsonb`,
      [repoId, JSON.stringify(languages)],
    );
  }

  async renameRepository(
    db: SqlRunner,
    repoId: string,
    fullName: string,
    githubState: string,
  ): Promise<void> {
    const [owner, name] = fullName.split('/');
    await db.query(
      `UPDATE repositories SET owner = $2, name = $3, full_name = $4, github_state = $5, updated_at = now() WHERE id = $1`,
      [repoId, pgText(owner), pgText(name), pgText(fullName), githubState],
    );
  }

  /**
   * Rows stored without the size figures GitHub refused: fetched again later (see refetchFigures). A commit's
   * figures never change, so one already known is kept; a pull request's may have, so it is asked again.
   */
  async markFiguresPending(db: SqlRunner, repoId: string, kind: FiguresKind, keys: string[]): Promise<void> {
    if (!keys.length) return;
    const key = kind === 'commits' ? 'sha' : 'node_id';
    const unknown = kind === 'commits' ? 'AND additions IS NULL' : '';
    await db.query(
      `UPDATE ${kind} SET figures_status = 'pending' WHERE repo_id = $1 AND ${key} = ANY($2::text[]) ${unknown} AND figures_status IS DISTINCT FROM 'pending'`,
      [repoId, keys],
    );
  }

  /** Keys (commit sha / pull request node id) whose figures are still to be fetched, oldest refusals first. */
  async pendingFigures(db: SqlRunner, repoId: string, kind: FiguresKind, limit: number): Promise<string[]> {
    const key = kind === 'commits' ? 'sha' : 'node_id';
    const rows = (await db.query(
      `SELECT ${key} AS key FROM ${kind} WHERE repo_id = $1 AND figures_status = 'pending' ORDER BY figures_refusals, ${key} LIMIT $2`,
      [repoId, limit],
    )) as Array<{ key: string }>;
    return rows.map((r) => r.key);
  }

  async saveFigures(
    db: SqlRunner,
    repoId: string,
    kind: FiguresKind,
    key: string,
    f: { additions: number; deletions: number; changedFiles: number | null },
  ): Promise<void> {
    await db.query(
      `UPDATE ${kind} SET additions = $3, deletions = $4, changed_files = COALESCE($5, changed_files), figures_status = NULL, figures_refusals = 0
       WHERE repo_id = $1 AND ${kind === 'commits' ? 'sha' : 'node_id'} = $2`,
      [repoId, key, f.additions, f.deletions, f.changedFiles],
    );
  }

  /** GitHub refused the figures again; after `giveUpAfter` refusals they are marked unavailable for good. */
  async refuseFigures(
    db: SqlRunner,
    repoId: string,
    kind: FiguresKind,
    keys: string[],
    giveUpAfter: number,
  ): Promise<void> {
    if (!keys.length) return;
    await db.query(
      `UPDATE ${kind} SET figures_refusals = figures_refusals + 1,
         figures_status = CASE WHEN figures_refusals + 1 >= $3 THEN 'unavailable' ELSE 'pending' END
       WHERE repo_id = $1 AND ${kind === 'commits' ? 'sha' : 'node_id'} = ANY($2::text[]) AND figures_status = 'pending'`,
      [repoId, keys, giveUpAfter],
    );
  }

  /** An organization policy blocks GitHub's answers: shown on the repository, nothing revoked. */
  async setBlock(db: SqlRunner, repoId: string, block: OrgPolicyBlock): Promise<void> {
    await db.query(
      `UPDATE repositories SET github_state = $2, github_block = $3::jsonb, updated_at = now() WHERE id = $1`,
      [repoId, block.kind === 'sso' ? 'needs_sso' : 'oauth_app_blocked', JSON.stringify(block)],
    );
  }

  /** GitHub answers again: a policy block (if any) is over. */
  async clearBlock(db: SqlRunner, repoId: string): Promise<void> {
    await db.query(
      `UPDATE repositories SET github_state = CASE WHEN github_state IN ('needs_sso', 'oauth_app_blocked') THEN 'ok' ELSE github_state END,
         github_block = NULL, updated_at = now()
       WHERE id = $1 AND (github_block IS NOT NULL OR github_state IN ('needs_sso', 'oauth_app_blocked'))`,
      [repoId],
    );
  }

  /** One more 404 in a row for this user on this repository; returns how many in a row so far. */
  async notFoundStrike(db: SqlRunner, userId: string, repoId: string): Promise<number> {
    const rows = (await db.query(
      `UPDATE repo_access SET not_found_strikes = not_found_strikes + 1 WHERE user_id = $1 AND repo_id = $2 RETURNING not_found_strikes`,
      [userId, repoId],
    )) as [Array<{ not_found_strikes: number }>, number] | Array<{ not_found_strikes: number }>;
    const list = Array.isArray(rows[0])
      ? (rows[0] as Array<{ not_found_strikes: number }>)
      : (rows as Array<{ not_found_strikes: number }>);
    return list[0]?.not_found_strikes ?? 0;
  }

  async clearNotFoundStrikes(db: SqlRunner, userId: string, repoId: string): Promise<void> {
    await db.query(
      `UPDATE repo_access SET not_found_strikes = 0 WHERE user_id = $1 AND repo_id = $2 AND not_found_strikes <> 0`,
      [userId, repoId],
    );
  }

  async setGithubState(db: SqlRunner, repoId: string, state: string): Promise<void> {
    await db.query(
      `UPDATE repositories SET github_state = $2, updated_at = now() WHERE id = $1 AND github_state <> $2`,
      [repoId, state],
    );
  }

  async lastSnapshot(
    db: SqlRunner,
    repoId: string,
  ): Promise<{
    captured_at: Date;
    stars: number;
    forks: number;
    watchers: number;
    open_issues: number;
  } | null> {
    const rows = (await db.query(
      `SELECT captured_at, stars, forks, watchers, open_issues FROM repo_stats_snapshots WHERE repo_id = $1 ORDER BY captured_at DESC LIMIT 1`,
      [repoId],
    )) as Array<{ captured_at: Date; stars: number; forks: number; watchers: number; open_issues: number }>;
    return rows[0] ?? null;
  }

  async insertSnapshot(
    db: SqlRunner,
    repoId: string,
    c: { stars: number; forks: number; watchers: number; open_issues: number },
  ): Promise<void> {
    await db.query(
      `INSERT INTO repo_stats_snapshots (repo_id, stars, forks, watchers, open_issues) VALUES ($1, $2, $3, $4, $5)`,
      [repoId, c.stars, c.forks, c.watchers, c.open_issues],
    );
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
