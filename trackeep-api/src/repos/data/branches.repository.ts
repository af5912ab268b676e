import { prepared, type SqlExecutor } from '@trackeep/server-core';
import { sql } from 'kysely';
import type { DB } from '../../database/db.types';
import { fromPgText, pgJson, pgText } from '../../common/pg-text.util';
import type { BranchWrite } from './github-data.types';
import { chunks, recordsetColumns } from './recordset.util';
import { mergeSql, type MergeRules } from './merge-rules';

type Column = Exclude<keyof BranchWrite, 'name'>;

/**
 * Which copy of a branch is newer: when its state was seen (a push's time by webhook, the database's clock
 * when the sync read the refs). GitHub gives a ref no updated_at of its own.
 */
const NEWER = 'EXCLUDED.updated_at >= t.updated_at';

export const BRANCH_RULES: MergeRules<Column> = {
  head_sha: 'newest',
  last_commit_at: 'fill',
  // Only the sync sees protection, and it has no time of its own: the sync's latest look wins.
  protected: 'latest',
  // Only the sync reads the comparison with the default branch, always with the two heads it is for.
  ahead_by: 'latest',
  behind_by: 'latest',
  compared_sha: 'latest',
  compared_to_sha: 'latest',
  updated_at: 'max',
};

const TYPES: Readonly<Record<keyof BranchWrite, string>> = {
  name: 'text',
  head_sha: 'text',
  protected: 'boolean',
  last_commit_at: 'timestamptz',
  ahead_by: 'integer',
  behind_by: 'integer',
  compared_sha: 'text',
  compared_to_sha: 'text',
  updated_at: 'timestamptz',
};

/** A branch as the sync compares it (name decoded, last commit time as ISO text). */
export interface StoredBranch {
  name: string;
  head_sha: string;
  protected: boolean;
  last_commit_at: string | null;
}

/** Replaced heads kept per branch until checked; a branch rewritten more often between checks keeps the newest. */
export const MAX_REPLACED_HEADS = 5;

/** The branches table, merged by BRANCH_RULES. */
export class BranchesRepository {
  static async load(db: SqlExecutor<DB>, repoId: string): Promise<Map<string, StoredBranch>> {
    const rows = await db
      .selectFrom('branches')
      .select(['name', 'head_sha', 'protected', 'last_commit_at'])
      .where('repo_id', '=', repoId)
      .execute();
    return new Map(
      rows.map((r) => {
        const name = fromPgText(r.name);
        return [
          name,
          {
            ...r,
            name,
            last_commit_at: r.last_commit_at ? new Date(r.last_commit_at).toISOString() : null,
          },
        ];
      }),
    );
  }

  /**
   * The sync read every ref (as of each row's `updated_at`, or now): the branches become `rows`, except where a
   * push newer than that look (a webhook applied meanwhile) says otherwise. A branch missing from `rows` is
   * deleted unless pushed since.
   */
  static async replaceAll(db: SqlExecutor<DB>, repoId: string, rows: BranchWrite[]): Promise<void> {
    await this.upsert(db, repoId, rows);
    const seenAt = rows.reduce<Date | string | null>((t, r) => r.updated_at ?? t, null);
    await db
      .deleteFrom('branches')
      .where('repo_id', '=', repoId)
      .where(sql<boolean>`NOT (name = ANY(${rows.map((r) => pgText(r.name))}::text[]))`)
      .where(sql<boolean>`updated_at <= COALESCE(${seenAt}::timestamptz, now())`)
      .execute();
  }

  /** Upserts branch heads from one source, merged by BRANCH_RULES. */
  static async upsert(db: SqlExecutor<DB>, repoId: string, rows: BranchWrite[]): Promise<void> {
    if (!rows.length) return;
    const carried = recordsetColumns(rows, TYPES).filter((c) => c !== 'updated_at');
    const merged: Column[] = [
      ...carried.filter((c): c is Exclude<Column, 'updated_at'> => c !== 'name'),
      'updated_at',
    ];
    const m = mergeSql(BRANCH_RULES, merged, {
      stored: 't',
      incoming: 'EXCLUDED',
      newer: NEWER,
      // A look that finds nothing new rewrites nothing.
      quiet: ['updated_at'],
    });
    const names = carried.join(', ');
    const defs = [...carried, 'updated_at'].map((c) => `${c} ${TYPES[c as keyof BranchWrite]}`).join(', ');
    for (const batch of chunks(rows)) {
      await prepared(sql`
        INSERT INTO branches AS t (repo_id, ${sql.raw(names)}, updated_at)
        SELECT ${repoId}::uuid, ${sql.raw(names)}, COALESCE(x.updated_at, now())
          FROM jsonb_to_recordset(${pgJson(batch)}::jsonb) AS x(${sql.raw(defs)})
        ON CONFLICT (repo_id, name) DO UPDATE SET ${sql.raw(m.set)}
        WHERE ${sql.raw(m.changes)}`).execute(db);
    }
  }

  /**
   * A push moved a branch (unless a newer state is stored), and the repository's pushed_at moves forward with
   * it: one statement, on the webhook's hot path.
   */
  static async recordPush(
    db: SqlExecutor<DB>,
    repoId: string,
    branch: Required<Pick<BranchWrite, 'name' | 'head_sha' | 'last_commit_at'>>,
    pushedAt: Date,
  ): Promise<void> {
    const m = mergeSql(BRANCH_RULES, ['head_sha', 'last_commit_at', 'updated_at'], {
      stored: 't',
      incoming: 'EXCLUDED',
      newer: NEWER,
      quiet: ['updated_at'],
    });
    await prepared(sql`
      WITH head AS (
        INSERT INTO branches AS t (repo_id, name, head_sha, last_commit_at, updated_at)
        VALUES (${repoId}::uuid, ${pgText(branch.name)}, ${branch.head_sha}, ${branch.last_commit_at}::timestamptz, ${pushedAt}::timestamptz)
        ON CONFLICT (repo_id, name) DO UPDATE SET ${sql.raw(m.set)} WHERE ${sql.raw(m.changes)})
      UPDATE repositories SET pushed_at = ${pushedAt}::timestamptz, updated_at = now()
       WHERE id = ${repoId}::uuid AND (pushed_at IS NULL OR pushed_at < ${pushedAt}::timestamptz)`).execute(
      db,
    );
  }

  /**
   * Heads a branch had before a rewrite (a forced push, or a walk that never met the old head), kept for the
   * sync's check of which commits the branch lost; re-noting one makes it the newest, and the newest
   * MAX_REPLACED_HEADS stay. Written by the webhook and by the sync alike; the head's own merge is untouched.
   */
  static async noteReplacedHeads(
    db: SqlExecutor<DB>,
    repoId: string,
    name: string,
    heads: string[],
  ): Promise<void> {
    if (!heads.length) return;
    await prepared(sql`
      UPDATE branches SET replaced_heads = ARRAY(
        SELECT k.h FROM (SELECT u.h, max(u.n) AS n
                           FROM unnest(replaced_heads || ${heads}::text[]) WITH ORDINALITY AS u(h, n)
                          GROUP BY u.h ORDER BY max(u.n) DESC LIMIT ${MAX_REPLACED_HEADS}) k
         ORDER BY k.n)
       WHERE repo_id = ${repoId}::uuid AND name = ${pgText(name)}`).execute(db);
  }

  /** The branches of a repository that hold replaced heads to check, by name. */
  static async replacedHeads(db: SqlExecutor<DB>, repoId: string): Promise<Map<string, string[]>> {
    const rows = await db
      .selectFrom('branches')
      .select(['name', 'replaced_heads'])
      .where('repo_id', '=', repoId)
      .where(sql<boolean>`cardinality(replaced_heads) > 0`)
      .execute();
    return new Map(rows.map((r) => [fromPgText(r.name), r.replaced_heads]));
  }

  /** Forgets the replaced heads the check compared; those noted since stay. */
  static async dropReplacedHeads(
    db: SqlExecutor<DB>,
    repoId: string,
    name: string,
    checked: string[],
  ): Promise<void> {
    if (!checked.length) return;
    await sql`
      UPDATE branches
         SET replaced_heads = ARRAY(SELECT u.h FROM unnest(replaced_heads) WITH ORDINALITY AS u(h, n)
                                     WHERE NOT u.h = ANY(${checked}::text[]) ORDER BY u.n)
       WHERE repo_id = ${repoId}::uuid AND name = ${pgText(name)} AND replaced_heads && ${checked}::text[]`.execute(
      db,
    );
  }

  /**
   * A branch deleted on GitHub at `seenAt`: gone, unless a later push recreated it; its commit list goes
   * with it.
   */
  static async delete(db: SqlExecutor<DB>, repoId: string, name: string, seenAt: Date): Promise<void> {
    const branch = pgText(name);
    await sql`
      WITH gone AS (
        DELETE FROM branches WHERE repo_id = ${repoId}::uuid AND name = ${branch} AND updated_at <= ${seenAt}::timestamptz
        RETURNING name)
      DELETE FROM branch_commits
       WHERE repo_id = ${repoId}::uuid AND branch = ${branch}
         AND (EXISTS (SELECT 1 FROM gone)
              OR NOT EXISTS (SELECT 1 FROM branches WHERE repo_id = ${repoId}::uuid AND name = ${branch}))`.execute(
      db,
    );
  }
}
