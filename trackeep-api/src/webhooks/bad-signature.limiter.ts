import { Injectable } from '@nestjs/common';
import { ApiEnv } from '../config/api-env';

const WINDOW_MS = 60_000;
const BLOCK_MS = 60_000;
/** Bounded memory under a spray of spoofed sources: beyond this, the oldest entries are forgotten. */
const MAX_SOURCES = 50_000;

interface SourceState {
  windowStart: number;
  failures: number;
  blockedUntil: number;
}

/**
 * Counts bad webhook signatures per source address (per replica, in memory). A source that sends more than
 * WEBHOOK_BAD_SIGNATURE_LIMIT in a minute is answered 429 for the next minute, before its body is read.
 * Good deliveries never count, so GitHub itself is never blocked by someone else's noise unless they share
 * its address (they cannot: GitHub's hook addresses are its own).
 */
@Injectable()
export class BadSignatureLimiter {
  private readonly sources = new Map<string, SourceState>();

  constructor(private readonly env: ApiEnv) {}

  /** Seconds the source must still wait, 0 when it may send. */
  blockedFor(source: string, now = Date.now()): number {
    const state = this.sources.get(source);
    if (!state || state.blockedUntil <= now) return 0;
    return Math.ceil((state.blockedUntil - now) / 1000);
  }

  recordFailure(source: string, now = Date.now()): void {
    let state = this.sources.get(source);
    if (!state || now - state.windowStart > WINDOW_MS) {
      if (!state && this.sources.size >= MAX_SOURCES) this.sources.delete(this.sources.keys().next().value as string);
      state = { windowStart: now, failures: 0, blockedUntil: state?.blockedUntil ?? 0 };
      this.sources.delete(source);
      this.sources.set(source, state);
    }
    state.failures += 1;
    if (state.failures > this.env.WEBHOOK_BAD_SIGNATURE_LIMIT) state.blockedUntil = now + BLOCK_MS;
  }
}
