import { Injectable } from '@nestjs/common';
import { Kysely, sql } from 'kysely';
import type { DB } from '../database/db.types';
import { inRepoScope, type RepoScope } from '../repos/repo-access.repository';

/** The fingerprint of the scope's repositories' fact versions, as an SQL expression (text). */
export const factsFingerprintSql = (scope: RepoScope) => sql<string>`
  (SELECT coalesce(sum(version), 0)::text || ':' || count(*)
     FROM repo_fact_versions WHERE ${inRepoScope('repo_id', scope)})`;

/**
 * Per-repository versions of the stored GitHub data that pages are computed from (the FactVersions migration):
 * writers queue the repositories they touched, folding gives each a new version.
 */
@Injectable()
export class FactVersionsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Gives every queued repository a new version (one folder at a time across replicas); true when any was queued. */
  async fold(): Promise<boolean> {
    const { rows } = await sql`SELECT fact_fold() WHERE EXISTS (SELECT 1 FROM fact_changes)`.execute(this.db);
    return rows.length > 0;
  }

  /**
   * Each of these repositories' version (absent: never changed since versions began). Queued changes are folded
   * first, so every change committed before this call is counted; one statement when nothing is queued (one
   * snapshot: nothing committed before it is left out).
   */
  async versionsOf(repoIds: readonly string[]): Promise<Map<string, string>> {
    const read = () =>
      sql<{ repo_id: string | null; version: string | null; queued: boolean }>`
      SELECT v.repo_id, v.version::text AS version, q.queued
        FROM (SELECT EXISTS (SELECT 1 FROM fact_changes) AS queued) q
        LEFT JOIN repo_fact_versions v ON v.repo_id = ANY(${repoIds}::uuid[])`.execute(this.db);
    let { rows } = await read();
    if (rows[0]?.queued) {
      await this.fold();
      ({ rows } = await read());
    }
    return new Map(rows.flatMap((r) => (r.repo_id && r.version ? [[r.repo_id, r.version] as const] : [])));
  }
}
