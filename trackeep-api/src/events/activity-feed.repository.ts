import { Injectable } from '@nestjs/common';
import type { ActivityEvent, ActivityType } from '@trackeep/contracts';
import { DataSource } from 'typeorm';

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

const SELECT_ACTIVITY = `
  SELECT a.id, a.repo_id, r.full_name, a.type, a.actor, a.title, a.url, a.occurred_at, a.data
  FROM activity_events a JOIN repositories r ON r.id = a.repo_id`;

function toActivity(row: ActivityRow): ActivityEvent {
  return {
    id: String(row.id),
    repoId: row.repo_id,
    repoFullName: row.full_name,
    type: row.type,
    actor: row.actor,
    title: row.title,
    url: row.url,
    occurredAt: new Date(row.occurred_at).toISOString(),
    data: row.data ?? {},
  };
}

/** Where a timeline page starts: just below this event in (occurred_at, id) order. */
export interface ActivityKey {
  /** occurred_at as text with microseconds, so the keyset compares exactly with the stored value. */
  occurredAt: string;
  id: string;
}

export interface ActivityPageQuery {
  repoIds: string[];
  type: ActivityType | null;
  before: ActivityKey | null;
  limit: number;
}

/**
 * Reads activity_events: by id (live fan-out), after an id (Last-Event-ID resumption) and in timeline pages
 * (newest first by when it happened, which the (repo_id, occurred_at, id) indexes serve).
 */
@Injectable()
export class ActivityFeedRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Up to `limit` events with their keys, newest first; the caller asks for one extra to know if more follow. */
  async findPage(query: ActivityPageQuery): Promise<Array<{ event: ActivityEvent; key: ActivityKey }>> {
    if (query.repoIds.length === 0) return [];
    const params: unknown[] = [query.repoIds];
    const param = (value: unknown) => `$${params.push(value)}`;
    const where = ['a.repo_id = ANY($1::uuid[])'];
    if (query.type) where.push(`a.type = ${param(query.type)}`);
    // A plain row comparison (no "IS NULL OR") so the planner walks the (occurred_at, id) index from the cursor.
    if (query.before) where.push(`(a.occurred_at, a.id) < (${param(query.before.occurredAt)}::timestamptz, ${param(query.before.id)}::bigint)`);
    const rows: Array<ActivityRow & { cursor_time: string }> = await this.dataSource.query(
      `SELECT a.id, a.repo_id, r.full_name, a.type, a.actor, a.title, a.url, a.occurred_at, a.data,
              to_char(a.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_time
       FROM activity_events a JOIN repositories r ON r.id = a.repo_id
       WHERE ${where.join(' AND ')}
       ORDER BY a.occurred_at DESC, a.id DESC
       LIMIT ${param(query.limit)}`,
      params,
    );
    return rows.map((row) => ({ event: toActivity(row), key: { occurredAt: row.cursor_time, id: String(row.id) } }));
  }

  async findByIds(ids: string[]): Promise<ActivityEvent[]> {
    if (ids.length === 0) return [];
    const rows: ActivityRow[] = await this.dataSource.query(`${SELECT_ACTIVITY} WHERE a.id = ANY($1::bigint[]) ORDER BY a.id`, [ids]);
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
