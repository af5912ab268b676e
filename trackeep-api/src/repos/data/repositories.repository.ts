import { prepared, type SqlExecutor } from '@trackeep/server-core';
import type { OrgPolicyBlock } from '@trackeep/contracts';
import { sql } from 'kysely';
import type { DB } from '../../database/db.types';
import { fromPgText, pgJson, pgText } from '../../common/pg-text.util';
import type { Counters, RepositoryWrite } from './github-data.types';
import { mergeSql, type MergeRules } from './merge-rules';

type Column = keyof RepositoryWrite;

/**
 * Which copy of a repository is newer: GitHub's updated_at (a copy without one applies, as it always did:
 * some payloads carry no time).
 */
const newer = (stored: string) =>
  `(x.github_updated_at IS NULL OR ${stored}.github_updated_at IS NULL OR x.github_updated_at >= ${stored}.github_updated_at)`;

/**
 * Per column: which copy wins. Webhook repository objects lack subscribers_count (their watchers_count counts
 * stars), size and sometimes topics or language.
 */
export const REPOSITORY_RULES: MergeRules<Column> = {
  node_id: 'fill',
  owner: 'fill',
  name: 'fill',
  full_name: 'fill',
  description: 'newest',
  language: 'fill',
  topics: 'fill',
  visibility: 'fill',
  default_branch: 'fill',
  archived: 'fill',
  html_url: 'fill',
  stars: 'fill',
  forks: 'fill',
  // Only the sync's REST answer has these (a payload's watchers_count counts stars).
  watchers: 'latest',
  open_issues: 'fill',
  size_kb: 'latest',
  // Only moves forward: pushes are not undone by an older answer.
  pushed_at: 'max',
  github_updated_at: 'max',
};

const TYPES: Readonly<Record<Column, string>> = {
  node_id: 'text',
  owner: 'text',
  name: 'text',
  full_name: 'text',
  description: 'text',
  language: 'text',
  topics: 'text[]',
  visibility: 'text',
  default_branch: 'text',
  archived: 'boolean',
  html_url: 'text',
  stars: 'integer',
  forks: 'integer',
  watchers: 'integer',
  open_issues: 'integer',
  size_kb: 'integer',
  pushed_at: 'timestamptz',
  github_updated_at: 'timestamptz',
};

/** What the sync needs to know about a repository row (text decoded). */
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
  /** The repository's own history window: a first day (YYYY-MM-DD), or everything; neither: the instance's. */
  history_since: string | null;
  history_all: boolean;
}

/** The outcome of a merge: whether the copy was newer, and the row before and after. */
export interface RepositoryMerge {
  newer: boolean;
  before: { full_name: string; archived: boolean; stars: number };
  after: Counters;
}

/** GitHub's data on the repositories table, merged by REPOSITORY_RULES; and Trackeep's view of the repository. */
export class RepositoriesRepository {
  /** `lock` holds the row until the transaction ends, so a webhook applying the same change waits and sees it. */
  static async load(
    db: SqlExecutor<DB>,
    repoId: string,
    opts: { lock?: boolean } = {},
  ): Promise<SyncRepoRecord | null> {
    let query = db
      .selectFrom('repositories')
      .select([
        'id',
        sql<string>`github_id::text`.as('github_id'),
        'node_id',
        'owner',
        'name',
        'full_name',
        'default_branch',
        'visibility',
        'archived',
        'stars',
        'forks',
        'watchers',
        'open_issues',
        'pushed_at',
        'github_state',
        sql<string | null>`to_char(history_since, 'YYYY-MM-DD')`.as('history_since'),
        'history_all',
      ])
      .where('id', '=', repoId);
    if (opts.lock) query = query.forUpdate();
    const row = await query.executeTakeFirst();
    if (!row) return null;
    return {
      ...row,
      owner: fromPgText(row.owner),
      name: fromPgText(row.name),
      full_name: fromPgText(row.full_name),
      default_branch: fromPgText(row.default_branch),
    };
  }

  /**
   * The row of GitHub's repository `githubId` on `githubHost`, created when Trackeep has none; then `copy` is
   * merged into it like any other source's copy (an older copy does not roll it back). Its id.
   */
  /** Sets the repository's own history window (`since` null and `all` false: the instance's default). */
  static async setHistoryWindow(
    db: SqlExecutor<DB>,
    repoId: string,
    window: { since: string | null; all: boolean },
  ): Promise<void> {
    await db
      .updateTable('repositories')
      .set({ history_since: window.all ? null : window.since, history_all: window.all })
      .where('id', '=', repoId)
      .execute();
  }

  static async upsert(
    db: SqlExecutor<DB>,
    githubHost: string,
    githubId: number | bigint,
    copy: RepositoryWrite & {
      node_id: string;
      owner: string;
      name: string;
      full_name: string;
      html_url: string;
    },
    state?: { value: string; when: 'always' | 'newer' },
  ): Promise<string> {
    await db
      .insertInto('repositories')
      .values({
        github_host: githubHost,
        github_id: String(githubId),
        node_id: copy.node_id,
        owner: pgText(copy.owner),
        name: pgText(copy.name),
        full_name: pgText(copy.full_name),
        html_url: copy.html_url,
      })
      .onConflict((oc) => oc.columns(['github_host', 'github_id']).doNothing())
      .execute();
    const { id } = await db
      .selectFrom('repositories')
      .select('id')
      .where('github_host', '=', githubHost)
      .where('github_id', '=', String(githubId))
      .executeTakeFirstOrThrow();
    await RepositoriesRepository.merge(db, id, copy, state);
    return id;
  }

  /**
   * Merges a copy of the repository's GitHub fields (those `copy` has) into the row. `state` also sets
   * Trackeep's github_state: always, or only when the copy is newer. Null when the copy is older and adds
   * nothing.
   */
  static async merge(
    db: SqlExecutor<DB>,
    repoId: string,
    copy: RepositoryWrite,
    state?: { value: string; when: 'always' | 'newer' },
  ): Promise<RepositoryMerge | null> {
    const carried = (Object.keys(TYPES) as Column[]).filter((c) => copy[c] !== undefined);
    const defs = [...new Set<Column>([...carried, 'github_updated_at'])].map((c) => `${c} ${TYPES[c]}`);
    const m = mergeSql(REPOSITORY_RULES, carried, { stored: 't', incoming: 'x', newer: newer('t') });
    const stateSet =
      state === undefined
        ? sql``
        : state.when === 'always'
          ? sql`, github_state = ${state.value}`
          : sql`, github_state = CASE WHEN ${sql.raw(newer('t'))} THEN ${state.value} ELSE t.github_state END`;
    const stateChanges =
      state?.when === 'always' ? sql` OR t.github_state IS DISTINCT FROM ${state.value}` : sql``;
    const set = carried.length ? sql.raw(`${m.set},`) : sql``;
    // FOR NO KEY UPDATE, as the UPDATE itself takes: FOR UPDATE would also wait for the key-share locks that
    // inserting rows referencing the repository (an issue, a commit) holds, and two such transactions deadlock.
    const { rows } = await prepared(sql<{
      newer: boolean;
      before_full_name: string;
      before_archived: boolean;
      before_stars: number;
      stars: number;
      forks: number;
      watchers: number;
      open_issues: number;
    }>`
      UPDATE repositories t SET ${set} updated_at = now() ${stateSet}
        FROM jsonb_to_record(${pgJson(copy)}::jsonb) AS x(${sql.raw(defs.join(', '))}),
             (SELECT full_name, archived, stars, github_updated_at FROM repositories WHERE id = ${repoId}::uuid FOR NO KEY UPDATE) old
       WHERE t.id = ${repoId}::uuid AND (${sql.raw(newer('t'))} OR ${sql.raw(m.changes)} ${stateChanges})
      RETURNING ${sql.raw(newer('old'))} AS newer, old.full_name AS before_full_name, old.archived AS before_archived,
                old.stars AS before_stars, t.stars, t.forks, t.watchers, t.open_issues`).execute(db);
    const row = rows[0];
    if (!row) return null;
    return {
      newer: row.newer,
      before: {
        full_name: fromPgText(row.before_full_name),
        archived: row.before_archived,
        stars: row.before_stars,
      },
      after: { stars: row.stars, forks: row.forks, watchers: row.watchers, open_issues: row.open_issues },
    };
  }

  /** GitHub answered with another name for the same repository id (sync): recorded as seen now. */
  static async rename(
    db: SqlExecutor<DB>,
    repoId: string,
    fullName: string,
    githubState: string,
  ): Promise<void> {
    const [owner = '', name = ''] = fullName.split('/');
    await db
      .updateTable('repositories')
      .set({
        owner: pgText(owner),
        name: pgText(name),
        full_name: pgText(fullName),
        github_state: githubState,
        updated_at: sql`now()`,
      })
      .where('id', '=', repoId)
      .execute();
  }

  static async updateLanguages(
    db: SqlExecutor<DB>,
    repoId: string,
    languages: Record<string, number>,
  ): Promise<void> {
    await sql`UPDATE repositories SET languages = ${JSON.stringify(languages)}::jsonb
               WHERE id = ${repoId}::uuid AND languages IS DISTINCT FROM ${JSON.stringify(languages)}::jsonb`.execute(
      db,
    );
  }

  static async setGithubState(db: SqlExecutor<DB>, repoId: string, state: string): Promise<void> {
    await db
      .updateTable('repositories')
      .set({ github_state: state, updated_at: sql`now()` })
      .where('id', '=', repoId)
      .where('github_state', '<>', state)
      .execute();
  }

  /** An organization policy blocks GitHub's answers: shown on the repository, nothing revoked. */
  static async setBlock(db: SqlExecutor<DB>, repoId: string, block: OrgPolicyBlock): Promise<void> {
    await db
      .updateTable('repositories')
      .set({
        github_state: block.kind === 'sso' ? 'needs_sso' : 'oauth_app_blocked',
        github_block: JSON.stringify(block),
        updated_at: sql`now()`,
      })
      .where('id', '=', repoId)
      .execute();
  }

  /** GitHub answers again: a policy block (if any) is over. */
  static async clearBlock(db: SqlExecutor<DB>, repoId: string): Promise<void> {
    await sql`
      UPDATE repositories SET github_state = CASE WHEN github_state IN ('needs_sso', 'oauth_app_blocked') THEN 'ok' ELSE github_state END,
             github_block = NULL, updated_at = now()
       WHERE id = ${repoId}::uuid AND (github_block IS NOT NULL OR github_state IN ('needs_sso', 'oauth_app_blocked'))`.execute(
      db,
    );
  }
}
