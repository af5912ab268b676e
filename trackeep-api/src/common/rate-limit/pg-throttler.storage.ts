import type { ThrottlerStorage } from '@nestjs/throttler';
import type { RateLimitRepository } from './rate-limit.repository';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** @nestjs/throttler's storage on the shared PostgreSQL counters, so every replica counts the same hits. */
export class PgThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly counters: RateLimitRepository) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const hit = await this.counters.hit(
      `throttle:${throttlerName}:${key}`,
      ttl,
      limit,
      blockDuration > 0 ? blockDuration : ttl,
    );
    return {
      totalHits: hit.hits,
      timeToExpire: hit.windowSeconds,
      isBlocked: hit.blocked,
      timeToBlockExpire: hit.blockSeconds,
    };
  }
}
