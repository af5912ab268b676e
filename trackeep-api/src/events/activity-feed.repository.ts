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

/** Reads activity_events for the live stream: by id (fan-out) and after an id (Last-Event-ID resumption). */
@Injectable()
export class ActivityFeedRepository {
  constructor(private readonly dataSource: DataSource) {}

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
