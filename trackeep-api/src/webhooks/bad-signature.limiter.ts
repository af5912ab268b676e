import { Injectable } from '@nestjs/common';
import { RateLimitRepository } from '../common/rate-limit/rate-limit.repository';
import { ApiEnv } from '../config/api-env';

const WINDOW_MS = 60_000;
const BLOCK_MS = 60_000;
/** Bounded memory under a spray of sources: beyond this, the local block cache is dropped. */
const MAX_CACHED_BLOCKS = 10_000;

/** What a bad signature from a source leads to. */
export interface BadSignatureVerdict {
  /** The source was already over the limit before this one: answer 429 instead of 401. */
  blocked: boolean;
  retryAfterSeconds: number;
}

/**
 * Counts bad webhook signatures per source address in the shared PostgreSQL counters, so the limit is the same
 * with any number of replicas. More than WEBHOOK_BAD_SIGNATURE_LIMIT in a minute blocks the source for a
 * minute: its further bad signatures are answered 429. It is consulted only after a signature failed, so a
 * correctly signed delivery is never refused and costs no extra query. A block learnt from the database is
 * remembered locally until it ends, so a blocked source's noise costs no write either.
 */
@Injectable()
export class BadSignatureLimiter {
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    private readonly env: ApiEnv,
    private readonly counters: RateLimitRepository,
  ) {}

  async recordFailure(source: string, now = Date.now()): Promise<BadSignatureVerdict> {
    const until = this.blockedUntil.get(source);
    if (until !== undefined) {
      if (until > now) return { blocked: true, retryAfterSeconds: Math.ceil((until - now) / 1000) };
      this.blockedUntil.delete(source);
    }
    const hit = await this.counters.hit(
      `webhook-bad-signature:${source}`,
      WINDOW_MS,
      this.env.WEBHOOK_BAD_SIGNATURE_LIMIT,
      BLOCK_MS,
    );
    if (hit.blocked) {
      if (this.blockedUntil.size >= MAX_CACHED_BLOCKS) this.blockedUntil.clear();
      this.blockedUntil.set(source, now + hit.blockSeconds * 1000);
    }
    return { blocked: hit.wasBlocked, retryAfterSeconds: hit.blockSeconds };
  }
}
