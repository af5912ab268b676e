import type { SimWorld } from '../world/sim-world';
import type { WebhookDispatcher } from '../webhooks/webhook-dispatcher';
import type { FaultInjector } from './faults';
import type { RateLimiter } from './rate-limiter';
import type { StatsRecorder } from './stats';

/** Everything a route needs; one per running simulator. */
export interface SimContext {
  world: SimWorld;
  limiter: RateLimiter;
  faults: FaultInjector;
  stats: StatsRecorder;
  webhooks: WebhookDispatcher;
  autoApproveLogin?: string;
  controlApi: boolean;
  log: boolean;
  /** The simulator's own origin, e.g. http://127.0.0.1:41234 (set once listening). */
  origin: string;
}

export const DOCS = 'https://docs.github.com/rest';
export const API_VERSION = '2022-11-28';
