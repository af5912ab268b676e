import type { SqlExecutor } from '@trackeep/server-core';
import { sql } from 'kysely';
import type { DB } from '../../database/db.types';

/** The tables whose rows carry size figures GitHub may refuse in a partial answer. */
export type FiguresKind = 'commits' | 'pull_requests';

/** A row's size figures as GitHub gave them (key: commit sha or pull request node id). */
export interface SizeFigures {
  key: string;
  additions: number;
  deletions: number;
  changedFiles: number | null;
}

const KEY: Readonly<Record<FiguresKind, string>> = { commits: 'sha', pull_requests: 'node_id' };

/**
 * Size figures GitHub refused: marked pending, fetched again later, and after enough refusals marked
 * unavailable. A commit's figures never change, so one already known is kept; a pull request's may have.
 */
export class SizeFiguresRepository {
  static async markPending(
    db: SqlExecutor<DB>,
    repoId: string,
    kind: FiguresKind,
    keys: string[],
  ): Promise<void> {
    if (!keys.length) return;
    const unknown = kind === 'commits' ? sql`AND additions IS NULL` : sql``;
    await sql`
      UPDATE ${sql.table(kind)} SET figures_status = 'pending'
       WHERE repo_id = ${repoId}::uuid AND ${sql.ref(KEY[kind])} = ANY(${keys}::text[]) ${unknown}
         AND figures_status IS DISTINCT FROM 'pending'`.execute(db);
  }

  /** Keys (commit sha / pull request node id) whose figures are still to be fetched, oldest refusals first. */
  static async pending(
    db: SqlExecutor<DB>,
    repoId: string,
    kind: FiguresKind,
    limit: number,
  ): Promise<string[]> {
    const { rows } = await sql<{ key: string }>`
      SELECT ${sql.ref(KEY[kind])} AS key FROM ${sql.table(kind)}
       WHERE repo_id = ${repoId}::uuid AND figures_status = 'pending'
       ORDER BY figures_refusals, ${sql.ref(KEY[kind])} LIMIT ${limit}`.execute(db);
    return rows.map((r) => r.key);
  }

  /** Figures GitHub answered, one statement for the whole batch. */
  static async save(
    db: SqlExecutor<DB>,
    repoId: string,
    kind: FiguresKind,
    rows: SizeFigures[],
  ): Promise<void> {
    if (!rows.length) return;
    await sql`
      UPDATE ${sql.table(kind)} AS t
         SET additions = f.additions, deletions = f.deletions,
             changed_files = COALESCE(f.changed_files, t.changed_files), figures_status = NULL, figures_refusals = 0
        FROM unnest(${rows.map((r) => r.key)}::text[], ${rows.map((r) => r.additions)}::integer[],
                    ${rows.map((r) => r.deletions)}::integer[], ${rows.map((r) => r.changedFiles)}::integer[])
             AS f(key, additions, deletions, changed_files)
       WHERE t.repo_id = ${repoId}::uuid AND ${sql.ref(`t.${KEY[kind]}`)} = f.key`.execute(db);
  }

  /** GitHub refused the figures again; after `giveUpAfter` refusals they are marked unavailable for good. */
  static async refuse(
    db: SqlExecutor<DB>,
    repoId: string,
    kind: FiguresKind,
    keys: string[],
    giveUpAfter: number,
  ): Promise<void> {
    if (!keys.length) return;
    await sql`
      UPDATE ${sql.table(kind)} SET figures_refusals = figures_refusals + 1,
             figures_status = CASE WHEN figures_refusals + 1 >= ${giveUpAfter} THEN 'unavailable' ELSE 'pending' END
       WHERE repo_id = ${repoId}::uuid AND ${sql.ref(KEY[kind])} = ANY(${keys}::text[]) AND figures_status = 'pending'`.execute(
      db,
    );
  }
}
