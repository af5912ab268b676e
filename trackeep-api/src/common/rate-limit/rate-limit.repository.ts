import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Kysely, sql } from 'kysely';
import type { DB } from '../../database/db.types';

/** One counted hit: the window's count after it, and the block before and after it. */
export interface RateLimitHit {
  hits: number;
  /** Seconds until the counting window ends. */
  windowSeconds: number;
  /** The key was already blocked before this hit (the hit was not counted). */
  wasBlocked: boolean;
  /** The key is blocked after this hit (already, or because this hit went over the limit). */
  blocked: boolean;
  /** Seconds the block still lasts, 0 when not blocked. */
  blockSeconds: number;
}

interface HitRow {
  hits: number;
  window_ms: number;
  was_blocked: boolean;
  block_ms: number | null;
}

const SWEEP_EVERY_MS = 5 * 60_000;

/**
 * Fixed-window rate-limit counters in PostgreSQL (`rate_limit_counters`), so a limit means the same with one
 * replica or ten: every replica counts into the same row. One statement per hit, atomic under concurrency
 * (INSERT ... ON CONFLICT DO UPDATE locks the row). A hit over `limit` blocks the key for `blockMs`; hits
 * during a block are not counted.
 */
@Injectable()
export class RateLimitRepository implements OnModuleDestroy {
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly db: Kysely<DB>) {
    this.sweeper = setInterval(() => void this.sweep().catch(() => undefined), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  async hit(key: string, windowMs: number, limit: number, blockMs: number): Promise<RateLimitHit> {
    // `old` is the row before this hit (NULL columns for a new key); now() is the same instant throughout.
    const window = sql`make_interval(secs => ${windowMs} / 1000.0)`;
    const block = sql`make_interval(secs => ${blockMs} / 1000.0)`;
    const { rows } = await sql<HitRow>`
      WITH old AS (SELECT hits, window_ends_at, blocked_until FROM rate_limit_counters WHERE key = ${key}),
      upsert AS (
        INSERT INTO rate_limit_counters AS c (key, hits, window_ends_at, blocked_until)
        VALUES (${key}, 1, now() + ${window}, CASE WHEN 1 > ${limit} THEN now() + ${block} END)
        ON CONFLICT (key) DO UPDATE SET
          hits = CASE WHEN c.blocked_until > now() THEN c.hits WHEN c.window_ends_at <= now() THEN 1 ELSE c.hits + 1 END,
          window_ends_at = CASE WHEN c.blocked_until > now() OR c.window_ends_at > now() THEN c.window_ends_at
                                ELSE now() + ${window} END,
          blocked_until = CASE WHEN c.blocked_until > now() THEN c.blocked_until
                               WHEN (CASE WHEN c.window_ends_at <= now() THEN 1 ELSE c.hits + 1 END) > ${limit}
                                 THEN now() + ${block}
                               ELSE NULL END
        RETURNING c.hits, c.window_ends_at, c.blocked_until)
      SELECT u.hits,
             GREATEST(0, extract(epoch FROM u.window_ends_at - now()) * 1000)::int AS window_ms,
             COALESCE((SELECT o.blocked_until > now() FROM old o), false) AS was_blocked,
             CASE WHEN u.blocked_until > now() THEN extract(epoch FROM u.blocked_until - now()) * 1000 END::int AS block_ms
        FROM upsert u`.execute(this.db);
    const row = rows[0];
    if (!row) throw new Error('rate limit counter not written');
    const blockSeconds = row.block_ms === null ? 0 : Math.max(1, Math.ceil(row.block_ms / 1000));
    return {
      hits: row.hits,
      windowSeconds: Math.ceil(row.window_ms / 1000),
      wasBlocked: row.was_blocked === true,
      blocked: blockSeconds > 0,
      blockSeconds,
    };
  }

  /** Counters whose window and block are both over count nothing any more. */
  async sweep(): Promise<void> {
    await this.db
      .deleteFrom('rate_limit_counters')
      .where('window_ends_at', '<', sql<Date>`now() - interval '1 minute'`)
      .where((eb) => eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<', sql<Date>`now()`)]))
      .execute();
  }
}
