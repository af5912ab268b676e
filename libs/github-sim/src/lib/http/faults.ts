import type { FaultConfig } from '../sim.types';
import { hash32, Rng } from '../world/random.util';
import { SimError } from '../world/sim-error';
import type { RateLimiter } from './rate-limiter';
import type { StatsRecorder } from './stats';

export const SECONDARY_LIMIT_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID';

/** Runtime fault injection: latency, 5xx, secondary limits, primary exhaustion. Seeded, so runs repeat. */
export class FaultInjector {
  private config: FaultConfig = {};
  private rng: Rng;
  private requestCount = 0;
  private pattern: RegExp | null = null;

  constructor(
    private readonly seed: number,
    private readonly limiter: RateLimiter,
    private readonly stats: StatsRecorder,
  ) {
    this.rng = new Rng(hash32(seed, 77));
  }

  get current(): FaultConfig {
    return { ...this.config };
  }

  set(config: FaultConfig): void {
    validateFaults(config);
    this.config = { ...config };
    this.rng = new Rng(hash32(this.seed, 77));
    this.requestCount = 0;
    this.pattern = config.pathPattern ? new RegExp(config.pathPattern) : null;
    const ex = config.exhaustPrimary;
    this.limiter.exhausted = { core: ex === true || ex === 'rest', graphql: ex === true || ex === 'graphql' };
  }

  /** Applies latency and returns the injected failure for this request, if any. */
  async before(path: string, requestId: string): Promise<SimError | null> {
    const c = this.config;
    if (this.pattern && !this.pattern.test(path)) return null;
    const latency = typeof c.latencyMs === 'number' ? c.latencyMs : c.latencyMs ? c.latencyMs.min + this.rng.next() * (c.latencyMs.max - c.latencyMs.min) : 0;
    if (latency > 0) {
      this.stats.data.faults.injectedLatencyMs += Math.round(latency);
      await new Promise((r) => setTimeout(r, latency));
    }
    this.requestCount++;
    const status = c.errorStatus ?? 502;
    if (c.failNext && c.failNext > 0) {
      c.failNext--;
      this.stats.data.faults.injectedErrors++;
      return serverError(status);
    }
    if (c.errorRate && this.rng.next() < c.errorRate) {
      this.stats.data.faults.injectedErrors++;
      return serverError(status);
    }
    const sec = c.secondaryRateLimit;
    if (sec) {
      const everyN = sec === true ? 1 : (sec.everyN ?? 1);
      if (this.requestCount % everyN === 0) {
        this.stats.data.rateLimit.secondaryRejections++;
        const retryAfter = sec === true ? 60 : (sec.retryAfterSec ?? 60);
        return secondaryLimitError(requestId, retryAfter, sec === true ? 403 : (sec.status ?? 403));
      }
    }
    return null;
  }

  get graphqlMaxNodes(): number | undefined {
    return this.config.graphqlMaxNodes;
  }
}

function serverError(status: number): SimError {
  const message = status === 502 ? 'Server Error' : status === 503 ? 'Service Unavailable' : status === 504 ? 'Gateway Timeout' : 'Internal Server Error';
  return new SimError(status, message);
}

export function secondaryLimitError(requestId: string, retryAfter: number, status = 403): SimError {
  return new SimError(
    status,
    `${SECONDARY_LIMIT_MESSAGE} ${requestId}.`,
    { documentation_url: 'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits' },
    { 'retry-after': String(retryAfter) },
  );
}

export function validateFaults(c: unknown): asserts c is FaultConfig {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new SimError(422, 'faults must be an object');
  const f = c as Record<string, unknown>;
  const known = ['latencyMs', 'errorRate', 'errorStatus', 'failNext', 'graphqlMaxNodes', 'secondaryRateLimit', 'exhaustPrimary', 'pathPattern'];
  for (const k of Object.keys(f)) if (!known.includes(k)) throw new SimError(422, `Unknown fault "${k}" (known: ${known.join(', ')})`);
  const num = (v: unknown, name: string, max = Number.MAX_SAFE_INTEGER) => {
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max)) throw new SimError(422, `${name} must be a number between 0 and ${max}`);
  };
  if (typeof f['latencyMs'] === 'object' && f['latencyMs'] !== null) {
    const l = f['latencyMs'] as Record<string, unknown>;
    num(l['min'], 'latencyMs.min', 60_000);
    num(l['max'], 'latencyMs.max', 60_000);
    if (typeof l['min'] !== 'number' || typeof l['max'] !== 'number' || l['min'] > l['max']) throw new SimError(422, 'latencyMs needs min <= max');
  } else num(f['latencyMs'], 'latencyMs', 60_000);
  num(f['errorRate'], 'errorRate', 1);
  num(f['failNext'], 'failNext');
  num(f['graphqlMaxNodes'], 'graphqlMaxNodes');
  if (f['errorStatus'] !== undefined && ![500, 502, 503, 504].includes(f['errorStatus'] as number)) throw new SimError(422, 'errorStatus must be 500, 502, 503 or 504');
  const sec = f['secondaryRateLimit'];
  if (sec !== undefined && typeof sec !== 'boolean') {
    if (typeof sec !== 'object' || sec === null) throw new SimError(422, 'secondaryRateLimit must be a boolean or an object');
    const s = sec as Record<string, unknown>;
    num(s['everyN'], 'secondaryRateLimit.everyN');
    num(s['retryAfterSec'], 'secondaryRateLimit.retryAfterSec', 3600);
    if (s['everyN'] === 0) throw new SimError(422, 'secondaryRateLimit.everyN must be at least 1');
    if (s['status'] !== undefined && s['status'] !== 403 && s['status'] !== 429) throw new SimError(422, 'secondaryRateLimit.status must be 403 or 429');
  }
  const ex = f['exhaustPrimary'];
  if (ex !== undefined && typeof ex !== 'boolean' && ex !== 'rest' && ex !== 'graphql') throw new SimError(422, 'exhaustPrimary must be a boolean, "rest" or "graphql"');
  if (f['pathPattern'] !== undefined) {
    if (typeof f['pathPattern'] !== 'string') throw new SimError(422, 'pathPattern must be a string');
    try {
      new RegExp(f['pathPattern']);
    } catch {
      throw new SimError(422, 'pathPattern is not a valid regular expression');
    }
  }
}
