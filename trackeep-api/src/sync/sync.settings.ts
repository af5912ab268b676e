import { ApiEnv } from '../config/api-env';
import type { LimitSettings } from './github/credential-limits';

export const SYNC_REPO_QUEUE = 'sync-repo';
export const SYNC_CYCLE_QUEUE = 'sync-cycle';
export const SYNC_MAINTENANCE_QUEUE = 'sync-maintenance';

/** How often stale-run recovery and retention are enqueued: twice per stale period, every 5..30 s. */
export function maintenanceCron(staleAfterSeconds: number): string {
  return `*/${Math.min(30, Math.max(5, Math.floor(staleAfterSeconds / 2)))} * * * * *`;
}

/** The sync's configuration, resolved once from ApiEnv. */
export class SyncSettings {
  readonly enabled: boolean;
  readonly cron: string;
  readonly concurrency: number;
  readonly databaseUrl: string;
  readonly limits: LimitSettings;
  readonly pauseRecheckSeconds: number;
  readonly staleAfterSeconds: number;
  readonly sliceSeconds: number;
  readonly retentionDays: number;
  /** How far back a first sync reads issues and deployments (0: all). */
  readonly historyDays: number;
  /** pg-boss: retries of a failed job, and the delay before the first (doubling). */
  readonly retryLimit = 5;
  readonly retryDelaySeconds = 30;
  /** pg-boss expiry of an active job; jobs hand over long before (slice), this only catches the lost ones. */
  readonly expireInSeconds: number;

  constructor(env: ApiEnv) {
    this.enabled = env.SYNC_ENABLED;
    this.cron = env.SYNC_CRON;
    this.concurrency = env.SYNC_CONCURRENCY;
    this.databaseUrl = env.DATABASE_URL;
    this.limits = {
      reservePercent: env.SYNC_RATE_LIMIT_RESERVE_PERCENT,
      maxConcurrent: env.SYNC_REQUESTS_PER_TOKEN,
      graphqlPointsPerMinute: env.SYNC_GRAPHQL_POINTS_PER_MINUTE,
      restRequestsPerMinute: 800,
    };
    this.pauseRecheckSeconds = env.SYNC_PAUSE_RECHECK_SECONDS;
    this.staleAfterSeconds = env.SYNC_STALE_AFTER_SECONDS;
    this.sliceSeconds = env.SYNC_JOB_SLICE_SECONDS;
    this.retentionDays = env.SYNC_RUN_RETENTION_DAYS;
    this.historyDays = env.SYNC_HISTORY_DAYS;
    this.expireInSeconds = Math.max(env.SYNC_JOB_SLICE_SECONDS * 3, 900);
  }
}
