import { Injectable } from '@nestjs/common';
import type { ActivityEvent, ActivityType, Page } from '@trackeep/contracts';
import { DataSource } from 'typeorm';
import { ApiException } from '../common/api-exception';
import { decodeCursor, encodeCursor, keysetTime, page } from '../common/cursor.util';
import { decodePgText, fromPgJson, fromPgText } from '../common/pg-text.util';

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

const ACTIVITY_COLUMNS =
  'a.id, a.repo_id, r.full_name, a.type, a.actor, a.title, a.url, a.occurred_at, a.data';
const ACTIVITY_FROM = 'FROM activity_events a JOIN repositories r ON r.id = a.repo_id';
const SELECT_ACTIVITY = `SELECT ${ACTIVITY_COLUMNS} ${ACTIVITY_FROM}`;

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

export interface ActivityPageQuery {
  repoIds: string[];
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
  constructor(private readonly dataSource: DataSource) {}

  /** One timeline page, newest first by when events happened, with the cursor of the next page. */
  async findPage(query: ActivityPageQuery): Promise<Page<ActivityEvent>> {
    const scope = `activity:${query.repo?.toLowerCase() ?? '*'}:${query.type ?? '*'}`;
    const before = query.cursor === null ? null : decodeCursor(query.cursor, scope, ['date', 'string']);
    if (before && !/^\d{1,18}$/.test(String(before[1])))
      throw ApiException.badRequest('cursor is malformed; pass back the nextCursor of the previous page');
    if (query.repoIds.length === 0) return { items: [], nextCursor: null };
    const params: unknown[] = [query.repoIds];
    const param = (value: unknown) => `$${params.push(value)}`;
    const where = ['a.repo_id = ANY($1::uuid[])'];
    if (query.type) where.push(`a.type = ${param(query.type)}`);
    // A plain row comparison (no "IS NULL OR") so the planner walks the (occurred_at, id) index from the cursor.
    if (before)
      where.push(`(a.occurred_at, a.id) < (${param(before[0])}::timestamptz, ${param(before[1])}::bigint)`);
    const rows: Array<ActivityRow & { cursor_time: string }> = await this.dataSource.query(
      `SELECT ${ACTIVITY_COLUMNS}, ${keysetTime('a.occurred_at')} AS cursor_time ${ACTIVITY_FROM}
       WHERE ${where.join(' AND ')}
       ORDER BY a.occurred_at DESC, a.id DESC
       LIMIT ${param(query.limit + 1)}`,
      params,
    );
    return page(rows, query.limit, (r) => encodeCursor(scope, [r.cursor_time, String(r.id)]), toActivity);
  }

  async findByIds(ids: string[]): Promise<ActivityEvent[]> {
    if (ids.length === 0) return [];
    const rows: ActivityRow[] = await this.dataSource.query(
      `${SELECT_ACTIVITY} WHERE a.id = ANY($1::bigint[]) ORDER BY a.id`,
      [ids],
    );
    return rows.map(toActivity);
  }

  /**
   * Activity with an id above `afterId`, oldest first; `repoIds` null means every repository. When more than
   * `limit` are waiting, the newest `limit` are returned (a client that was away that long reloads anyway).
   */
  async findAfter(afterId: string, repoIds: string[] | null, limit: number): Promise<ActivityEvent[]> {
    const rows: ActivityRow[] = await this.dataSource.query(
      `SELECT * FROM (${SELECT_ACTIVITY}
         WHERE a.id > $1::bigint AND ($2::uuid[] IS NULL OR a.repo_id = ANY($2::uuid[]))
         ORDER BY a.id DESC LIMIT $3) newest
       ORDER BY id`,
      [afterId, repoIds, limit],
    );
    return rows.map(toActivity);
  }
}
