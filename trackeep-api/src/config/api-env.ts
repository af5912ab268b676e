import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { ToBool, ToInt, ToList } from '@trackeep/server-core';
import { IsCronExpression } from '../sync/sync-cron.util';
import { IsProxyAddressList } from './trusted-proxies.util';

// Every variable the API reads. Documented in .env.example and the README's configuration table;
// keep the three in step. Defaults here are the zero-config values.
export class ApiEnv {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  /** demo: started by `npm start` with generated secrets and the GitHub simulator. */
  @IsIn(['demo', 'production'])
  TRACKEEP_MODE: 'demo' | 'production' = 'production';

  @ToInt()
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  @Matches(/^postgres(ql)?:\/\/.+/, {
    message: 'a postgres:// connection URL (npm start provides an embedded one)',
  })
  DATABASE_URL!: string;

  @ToBool()
  @IsBoolean()
  DB_MIGRATE_ON_START = false;

  @ToInt()
  @IsInt()
  @Min(1)
  @Max(100)
  DB_POOL_SIZE = 10;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @ToBool()
  @IsBoolean()
  LOG_PRETTY = false;

  /** Directory of the built Angular app to serve at `/`; empty disables static serving. */
  @IsOptional()
  @IsString()
  WEB_DIST_DIR?: string;

  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  FRONTEND_URL = 'http://localhost:3000';

  // Webhooks and live events. See README.webhooks.md.
  /** Public base URL GitHub posts webhooks to (`${PUBLIC_URL}/api/v1/webhooks/github`); unset: no hook registration. */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  PUBLIC_URL?: string;

  /** Optional global secret for hooks configured by hand (org hooks); per-repo hooks have their own. */
  @IsOptional()
  @IsString()
  @MinLength(16)
  WEBHOOK_SECRET?: string;

  /** The global secret being rotated out; still accepted while set. */
  @IsOptional()
  @IsString()
  @MinLength(16)
  WEBHOOK_SECRET_PREVIOUS?: string;

  /**
   * Concurrent webhook processing workers per replica; 0 receives only (another replica processes). A worker
   * spends most of a delivery waiting on round trips to PostgreSQL, so a busy replica needs a few at once.
   */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(32)
  WEBHOOK_WORKERS = 4;

  /** Processing attempts after the first before a delivery is parked as failed, and the first retry delay (doubles). */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(20)
  WEBHOOK_RETRY_LIMIT = 5;

  @ToInt()
  @IsInt()
  @Min(1)
  @Max(3600)
  WEBHOOK_RETRY_DELAY_SECONDS = 10;

  /** Bad signatures accepted per source IP per minute before answering 429. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(100000)
  WEBHOOK_BAD_SIGNATURE_LIMIT = 30;

  /** Processed and ignored deliveries are deleted after this many days (failed ones are kept). */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(3650)
  WEBHOOK_RETENTION_DAYS = 30;

  /** Minutes between runs that ask GitHub to redeliver the deliveries it failed to make (0 = off; 1–60). */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(60)
  WEBHOOK_REDELIVERY_INTERVAL_MINUTES = 5;

  @ToInt()
  @IsInt()
  @Min(1)
  @Max(300)
  SSE_HEARTBEAT_SECONDS = 15;

  /** A person's read access to a repository is re-checked with their own token when older than this, as they use it. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(3600)
  ACCESS_RECHECK_SECONDS = 60;

  // --- Sign-in, sessions, GitHub. Secrets are required in production mode (TRACKEEP_MODE=production,
  // NODE_ENV other than test) and never generated there; elsewhere a missing one is generated per process.

  /** The OAuth gateway's issuer URL; its metadata is read from /.well-known/oauth-authorization-server. */
  @ValidateIf(requiredInProduction('GATEWAY_URL'))
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    { message: 'the gateway issuer URL, e.g. https://auth.example.com (required in production mode)' },
  )
  GATEWAY_URL?: string;

  @ValidateIf(requiredInProduction('GATEWAY_CLIENT_ID'))
  @IsString()
  @MinLength(1, { message: 'the client id registered at the gateway (required in production mode)' })
  GATEWAY_CLIENT_ID?: string;

  @ValidateIf(requiredInProduction('GATEWAY_CLIENT_SECRET'))
  @IsString()
  @MinLength(16, {
    message:
      'the client secret registered at the gateway, at least 16 characters (required in production mode)',
  })
  GATEWAY_CLIENT_SECRET?: string;

  /** Signs the API's own session JWTs (HS256). */
  @ValidateIf(requiredInProduction('JWT_SECRET'))
  @IsString()
  @MinLength(32, {
    message:
      'a random secret of at least 32 characters, e.g. `openssl rand -base64 48` (required in production mode)',
  })
  JWT_SECRET?: string;

  /** `v1:<base64 32 bytes>,v2:...`: the last key encrypts GitHub tokens, every key decrypts. */
  @ValidateIf(requiredInProduction('TOKEN_ENCRYPTION_KEYS'))
  @Matches(/^\s*[A-Za-z0-9_-]{1,16}:[A-Za-z0-9+/]{43}=\s*(,\s*[A-Za-z0-9_-]{1,16}:[A-Za-z0-9+/]{43}=\s*)*$/, {
    message:
      'comma-separated <version>:<base64 of 32 random bytes> entries, e.g. v1:$(openssl rand -base64 32) (required in production mode)',
  })
  TOKEN_ENCRYPTION_KEYS?: string;

  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  GITHUB_WEB_URL = 'https://github.com';

  /** REST base: https://api.github.com, https://HOST/api/v3 (GHES), or the simulator's URL. */
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  GITHUB_API_URL = 'https://api.github.com';

  /** Defaults to <GITHUB_API_URL>/graphql (github.com) or https://HOST/api/graphql (GHES). */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  GITHUB_GRAPHQL_URL?: string;

  // --- GitHub App mode (optional; see the README's GitHub App section). All four or none.
  /** The App's numeric id (App settings page, "About"). Set: installation tokens sync the App's installations. */
  @ValidateIf((env: ApiEnv) => appModeRequested(env))
  @Matches(/^\d{1,18}$/, {
    message: "the GitHub App's numeric id (required with the other GITHUB_APP_* settings)",
  })
  GITHUB_APP_ID?: string;

  /** The App's private key (PEM; `\n` escapes allowed). Or GITHUB_APP_PRIVATE_KEY_FILE, e.g. a mounted Secret. */
  @ValidateIf((env: ApiEnv) => given(env.GITHUB_APP_PRIVATE_KEY))
  @Matches(/-----BEGIN (RSA )?PRIVATE KEY-----/, { message: 'a PEM private key as GitHub generates it' })
  GITHUB_APP_PRIVATE_KEY?: string;

  @ValidateIf((env: ApiEnv) => appModeRequested(env) && !given(env.GITHUB_APP_PRIVATE_KEY))
  @IsString({
    message: 'GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE is required with GITHUB_APP_ID',
  })
  @MinLength(1, {
    message: 'GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE is required with GITHUB_APP_ID',
  })
  GITHUB_APP_PRIVATE_KEY_FILE?: string;

  /** Verifies deliveries to the App's webhook URL (`${PUBLIC_URL}/api/v1/webhooks/github`). */
  @ValidateIf((env: ApiEnv) => appModeRequested(env))
  @IsString()
  @MinLength(16, {
    message: "the App's webhook secret, at least 16 characters (required with GITHUB_APP_ID)",
  })
  GITHUB_APP_WEBHOOK_SECRET?: string;

  /** The App's URL name (github.com/apps/<slug>), for the "Install on GitHub" link. */
  @ValidateIf((env: ApiEnv) => appModeRequested(env))
  @Matches(/^[a-z0-9][a-z0-9-]{0,99}$/, { message: "the App's slug (required with GITHUB_APP_ID)" })
  GITHUB_APP_SLUG?: string;

  /** Minutes between refreshes of the App's installations and their repositories from GitHub (1–1440). */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(1440)
  GITHUB_APP_REFRESH_MINUTES = 10;

  /** Installations Trackeep learns of start with auto-track on (every repository they cover is tracked). */
  @ToBool()
  @IsBoolean()
  GITHUB_APP_AUTO_TRACK = false;

  /** GitHub logins that administer this instance (Installations page), comma-separated. */
  @ToList()
  @IsOptional()
  @Matches(/^[A-Za-z0-9-]{1,39}$/, { each: true, message: 'GitHub logins, comma-separated' })
  TRACKEEP_ADMINS: string[] = [];

  /**
   * Accounts counted as bots besides GitHub's own (`type: Bot`, logins ending in `[bot]`): left out of people
   * figures unless asked for. Comma-separated logins, case-insensitive.
   */
  @ToList()
  @IsOptional()
  @Matches(/^[A-Za-z0-9-]{1,39}(\[bot\])?$/, { each: true, message: 'GitHub logins, comma-separated' })
  BOT_LOGINS: string[] = [];

  /** Extra browser origins allowed to call the API with credentials (FRONTEND_URL always is). */
  @ToList()
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true }, { each: true })
  CORS_ALLOWED_ORIGINS: string[] = [];

  /**
   * Proxies whose X-Forwarded-For is believed (addresses or CIDR blocks). Empty: none, the client address is the
   * connection's peer, so a client cannot choose the address the rate limits count.
   */
  @ToList()
  @IsProxyAddressList()
  TRUSTED_PROXIES: string[] = [];

  /** Requests per minute per client address on the sign-in routes. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(10000)
  AUTH_RATE_LIMIT_PER_MINUTE = 30;

  // --- Background sync. See README.sync.md.
  /** Run sync workers and the schedule in this replica (false: this replica only serves HTTP). */
  @ToBool()
  @IsBoolean()
  SYNC_ENABLED = true;

  /** When every tracked repository is checked: cron, 5 fields (or 6 with seconds), server time zone. */
  @IsCronExpression()
  SYNC_CRON = '*/15 * * * *';

  /** Repository sync jobs one replica runs at the same time. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(32)
  SYNC_CONCURRENCY = 4;

  /** Concurrent GitHub requests per user token per replica. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(20)
  SYNC_REQUESTS_PER_TOKEN = 4;

  /** Percent of each token's hourly GitHub budget kept for people using the dashboard; sync pauses below it. */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(90)
  SYNC_RATE_LIMIT_RESERVE_PERCENT = 10;

  /** GraphQL points per token per rolling minute (GitHub's secondary limit is 2,000). */
  @ToInt()
  @IsInt()
  @Min(10)
  @Max(2000)
  SYNC_GRAPHQL_POINTS_PER_MINUTE = 1800;

  /** A paused sync (budget spent) re-checks the budget at least this often; GET /rate_limit is free. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(3600)
  SYNC_PAUSE_RECHECK_SECONDS = 300;

  /** A running sync with no heartbeat for this long and no live worker is handed to another worker. */
  @ToInt()
  @IsInt()
  @Min(5)
  @Max(3600)
  SYNC_STALE_AFTER_SECONDS = 120;

  /** A sync job hands over to a fresh job after this long, so long backfills do not starve other repos. */
  @ToInt()
  @IsInt()
  @Min(10)
  @Max(3600)
  SYNC_JOB_SLICE_SECONDS = 600;

  /** How far back a repository's first sync reads its issues and deployments, in days; 0: all of them. */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(36500)
  SYNC_HISTORY_DAYS = 365;

  /** Sync runs older than this are deleted (each repository keeps its latest run). */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(3650)
  SYNC_RUN_RETENTION_DAYS = 30;

  // --- Operations.
  /** Bearer token required by GET /metrics; required in production mode, unset elsewhere = metrics are public. */
  @ValidateIf(requiredInProduction('METRICS_TOKEN'))
  @IsString()
  @MinLength(16, {
    message:
      'a random token of at least 16 characters, e.g. `openssl rand -hex 24` (required in production mode)',
  })
  METRICS_TOKEN?: string;

  /** Serve Swagger UI and the OpenAPI document at /api/docs. Unset: on, except in production mode. */
  @IsOptional()
  @ToBool()
  @IsBoolean()
  API_DOCS?: boolean;

  /** SIGTERM to exit at most this long (drain requests, hand jobs back); below the pod grace period. */
  @ToInt()
  @IsInt()
  @Min(1000)
  @Max(600000)
  SHUTDOWN_TIMEOUT_MS = 25000;
}

/** Production mode: TRACKEEP_MODE=production outside tests. Secrets are required; demo conveniences are off. */
export function isProductionMode(env: Pick<ApiEnv, 'TRACKEEP_MODE' | 'NODE_ENV'>): boolean {
  return env.TRACKEEP_MODE === 'production' && env.NODE_ENV !== 'test';
}

/** Any App setting given: the App's id, key, webhook secret and slug are then all required. */
function appModeRequested(env: ApiEnv): boolean {
  return [
    env.GITHUB_APP_ID,
    env.GITHUB_APP_PRIVATE_KEY,
    env.GITHUB_APP_PRIVATE_KEY_FILE,
    env.GITHUB_APP_WEBHOOK_SECRET,
    env.GITHUB_APP_SLUG,
  ].some(given);
}

function given(value: string | undefined): boolean {
  return value !== undefined && value !== '';
}

/** Validate a secret when it is set, and insist on it in production mode (tests and demo may generate one). */
function requiredInProduction(name: keyof ApiEnv) {
  return (env: ApiEnv) => env[name] !== undefined || isProductionMode(env);
}
