import { Injectable } from '@nestjs/common';
import type { ActivityEvent, ActivityType, Page } from '@trackeep/contracts';
import { prepared } from '@trackeep/server-core';
import { Kysely, sql } from 'kysely';
import { ApiException } from '../common/api-exception';
import { decodeCursor, encodeCursor, keysetTime, page } from '../common/cursor.util';
import { decodePgText, fromPgJson, fromPgText } from '../common/pg-text.util';
import type { DB } from '../database/db.types';
import { inRepoScope, type RepoScope } from '../repos/repo-access.repository';

interface ActivityRow {
  id: string;
  repo_id: string;
  full_name: string;
  type: ActivityType;
  actor: string | null;
  title: string;
  url: string | null;
  occurred_at: Date;
  data: Record<string, unknown>;
}

export interface ActivityPageQuery {
  scope: RepoScope;
  /** Part of the cursor scope: a cursor is only valid for the filters it was made with. */
  repo: string | null;
  type: ActivityType | null;
  cursor: string | null;
  limit: number;
}

/**
 * Reads activity_events: by id (live fan-out), after an id (Last-Event-ID resumption) and in timeline pages
 * (newest first by when it happened, which the (repo_id, occurred_at, id) indexes serve).
 */
@Injectable()
export class ActivityFeedRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** One timeline page, newest first by when events happened, with the cursor of the next page. */
  async findPage(query: ActivityPageQuery): Promise<Page<ActivityEvent>> {
    const scope = `activity:${query.repo?.toLowerCase() ?? '*'}:${query.type ?? '*'}`;
    const before = query.cursor === null ? null : decodeCursor(query.cursor, scope, ['date', 'string']);
    if (before && !/^\d{1,18}$/.test(String(before[1])))
      throw ApiException.badRequest('cursor is malformed; pass back the nextCursor of the previous page');
    if ('repoIds' in query.scope && query.scope.repoIds.length === 0) return { items: [], nextCursor: null };
    let select = this.selectActivity()
      .select(sql<string>`${sql.raw(keysetTime('a.occurred_at'))}`.as('cursor_time'))
      .where(inRepoScope('a.repo_id', query.scope));
    if (query.type) select = select.where('a.type', '=', query.type);
    // A plain row comparison (no "IS NULL OR") so the planner walks the (occurred_at, id) index from the cursor.
    if (before)
      select = select.where(
        sql<boolean>`(a.occurred_at, a.id) < (${String(before[0])}::timestamptz, ${String(before[1])}::bigint)`,
      );
    const rows = await select
      .orderBy('a.occurred_at', 'desc')
      .orderBy('a.id', 'desc')
      .limit(query.limit + 1)
      .execute();
    return page(rows, query.limit, (r) => encodeCursor(scope, [r.cursor_time, String(r.id)]), toActivity);
  }

  async findByIds(ids: readonly string[]): Promise<ActivityEvent[]> {
    if (ids.length === 0) return [];
    // Every replica runs this for every announced batch: one prepared text, not the builder's per-call assembly.
    const { rows } = await prepared(sql<ActivityRow>`
      SELECT a.id, a.repo_id, r.full_name, a.actor, a.title, a.url, a.occurred_at, a.type, a.data
        FROM activity_events a JOIN repositories r ON r.id = a.repo_id
       WHERE a.id = ANY(${[...ids]}::bigint[])
       ORDER BY a.id`).execute(this.db);
    return rows.map(toActivity);
  }

  /**
   * Activity with an id above `afterId`, oldest first; `repoIds` null means every repository. When more than
   * `limit` are waiting, the newest `limit` are returned (a client that was away that long reloads anyway).
   */
  async findAfter(afterId: string, repoIds: string[] | null, limit: number): Promise<ActivityEvent[]> {
    let select = this.selectActivity().where('a.id', '>', sql<string>`${afterId}::bigint`);
    if (repoIds !== null) select = select.where('a.repo_id', '=', sql<string>`ANY(${repoIds}::uuid[])`);
    const newest = await select.orderBy('a.id', 'desc').limit(limit).execute();
    return newest.reverse().map(toActivity);
  }

  private selectActivity() {
    return this.db
      .selectFrom('activity_events as a')
      .innerJoin('repositories as r', 'r.id', 'a.repo_id')
      .select(['a.id', 'a.repo_id', 'r.full_name', 'a.actor', 'a.title', 'a.url', 'a.occurred_at'])
      .select([
        // Written only from ACTIVITY_TYPE_NAMES, and always a JSON object.
        sql<ActivityType>`a.type`.as('type'),
        sql<Record<string, unknown>>`a.data`.as('data'),
      ]);
  }
}

function toActivity(row: ActivityRow): ActivityEvent {
  return {
    id: String(row.id),
    repoId: row.repo_id,
    repoFullName: row.full_name,
    type: row.type,
    actor: fromPgText(row.actor),
    title: decodePgText(row.title),
    url: row.url,
    occurredAt: new Date(row.occurred_at).toISOString(),
    data: fromPgJson(row.data ?? {}),
  };
}
