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
} from 'class-validator';
import { EnvValidationError, ToBool, ToInt, ToList, parseEnv } from '@trackeep/server-core';
import { isLoopbackHost } from '../clients/client-config.util';

const URL_OPTIONS = { require_tld: false, protocols: ['http', 'https'], require_protocol: true };

// Every variable the gateway reads. Documented in oauth-gateway/README.md and .env.example; keep the three
// in step. Defaults are the zero-config (dev) values; production must set the GitHub app and the keys file.
export class GatewayEnv {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @ToInt()
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3100;

  @IsString()
  HOST = '0.0.0.0';

  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'a postgres:// connection URL (database trackeep_gateway)' })
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

  /** Public base URL of the gateway = OAuth issuer identifier (no trailing slash, no query). */
  @IsUrl(URL_OPTIONS)
  SERVICE_DOMAIN = 'http://localhost:3100';

  /** Allows http://localhost redirect URIs and an http issuer, and generates a signing key when none exists. */
  @ToBool()
  @IsBoolean()
  GATEWAY_DEV_MODE = false;

  @IsString()
  @MinLength(1)
  GITHUB_CLIENT_ID!: string;

  @IsString()
  @MinLength(1)
  GITHUB_CLIENT_SECRET!: string;

  /** Callback registered in the GitHub OAuth app; default `${SERVICE_DOMAIN}/auth/github/callback`. */
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  GITHUB_REDIRECT_URL?: string;

  /** github.com, https://HOST for GHES, https://SUBDOMAIN.ghe.com for GHE.com, or the simulator. */
  @IsUrl(URL_OPTIONS)
  GITHUB_WEB_URL = 'https://github.com';

  /** https://api.github.com; GHES: https://HOST/api/v3; GHE.com: https://api.SUBDOMAIN.ghe.com. */
  @IsUrl(URL_OPTIONS)
  GITHUB_API_URL = 'https://api.github.com';

  /** Only passed on to instances; default derived from GITHUB_API_URL. */
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  GITHUB_GRAPHQL_URL?: string;

  /** Scopes requested from GitHub (space or comma separated). read:org is added for clients with a team policy. */
  @IsString()
  @Matches(/^[a-z:_\s,]+$/, { message: 'GitHub scopes such as "read:user user:email repo"' })
  GITHUB_SCOPES = 'read:user user:email repo';

  /** Registered clients as a JSON array (see README); or GATEWAY_CLIENTS_FILE. */
  @IsOptional()
  @IsString()
  GATEWAY_CLIENTS?: string;

  /** Path of a JSON file holding the registered clients array; re-read when it changes. */
  @IsOptional()
  @IsString()
  GATEWAY_CLIENTS_FILE?: string;

  /** Private JWKS JSON file (a mounted secret shared by every replica). Required unless GATEWAY_DEV_MODE. */
  @IsOptional()
  @IsString()
  GATEWAY_SIGNING_KEYS_FILE?: string;

  /** Origins allowed to call the metadata, JWKS and token endpoints from a browser (comma list). */
  @ToList()
  @IsUrl(URL_OPTIONS, { each: true })
  CORS_ALLOWED_ORIGINS: string[] = [];

  /** Requests per minute per client IP on each of authorize, callback, token and revoke. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(100000)
  GATEWAY_RATE_LIMIT_PER_MINUTE = 60;

  /** Lifetime of the gateway access token (for /api/v1/user/me). */
  @ToInt()
  @IsInt()
  @Min(60)
  @Max(86400)
  GATEWAY_ACCESS_TOKEN_TTL_SECONDS = 3600;

  /** Express "trust proxy": hops or subnets whose X-Forwarded-For is believed (rate limits use the client IP). */
  @IsString()
  TRUST_PROXY = 'loopback';

  /** Bearer token required by GET /metrics; required outside dev mode, unset in dev mode = metrics are public. */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters' })
  METRICS_TOKEN?: string;

  /** SIGTERM to exit at most this long (drain requests, then close); below the pod grace period. */
  @ToInt()
  @IsInt()
  @Min(1000)
  @Max(600000)
  SHUTDOWN_TIMEOUT_MS = 25000;

  // The seed's shared secrets and default redirect: read only to say at start-up that they are ignored.
  @IsOptional()
  @IsString()
  OAUTH_JWT_SECRET?: string;

  @IsOptional()
  @IsString()
  JWT_SECRET?: string;

  @IsOptional()
  @IsString()
  DEFAULT_CLIENT_URL?: string;
}

/** The absolute URLs derived from GatewayEnv, computed once. */
export interface GatewayUrls {
  issuer: string;
  githubRedirectUrl: string;
  githubWebUrl: string;
  githubApiUrl: string;
  githubGraphqlUrl: string;
  /** host[:port] of GITHUB_WEB_URL; the first half of every `sub`. */
  githubHost: string;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

export function gatewayUrls(env: GatewayEnv): GatewayUrls {
  const issuer = trimSlash(env.SERVICE_DOMAIN);
  const githubApiUrl = trimSlash(env.GITHUB_API_URL);
  const graphqlDefault = /\/api\/v3$/.test(githubApiUrl)
    ? githubApiUrl.replace(/\/v3$/, '/graphql')
    : `${githubApiUrl}/graphql`;
  return {
    issuer,
    githubRedirectUrl: env.GITHUB_REDIRECT_URL ?? `${issuer}/auth/github/callback`,
    githubWebUrl: trimSlash(env.GITHUB_WEB_URL),
    githubApiUrl,
    githubGraphqlUrl: env.GITHUB_GRAPHQL_URL ?? graphqlDefault,
    githubHost: new URL(env.GITHUB_WEB_URL).host,
  };
}

/** Rules that span variables, reported like the per-variable ones. */
export function checkGatewayEnv(env: GatewayEnv): string[] {
  const problems: string[] = [];
  const issuer = new URL(env.SERVICE_DOMAIN);
  if (issuer.search || issuer.hash)
    problems.push('SERVICE_DOMAIN: expected a base URL without query or fragment');
  if (issuer.protocol !== 'https:' && !(env.GATEWAY_DEV_MODE && isLoopbackHost(issuer.hostname))) {
    problems.push(
      `SERVICE_DOMAIN: expected an https:// URL (http is allowed only for localhost, *.localhost and loopback addresses with GATEWAY_DEV_MODE=true); found "${env.SERVICE_DOMAIN}"`,
    );
  }
  // The sign-in's token exchange (web URL) and /user (API URL) share one connection agent.
  if (new URL(env.GITHUB_API_URL).protocol !== new URL(env.GITHUB_WEB_URL).protocol) {
    problems.push(
      `GITHUB_API_URL: expected the same scheme as GITHUB_WEB_URL (${new URL(env.GITHUB_WEB_URL).protocol}//); found "${env.GITHUB_API_URL}"`,
    );
  }
  if (env.GATEWAY_CLIENTS && env.GATEWAY_CLIENTS_FILE) {
    problems.push('GATEWAY_CLIENTS: set either GATEWAY_CLIENTS or GATEWAY_CLIENTS_FILE, not both');
  }
  if (!env.GATEWAY_CLIENTS && !env.GATEWAY_CLIENTS_FILE) {
    problems.push(
      'GATEWAY_CLIENTS_FILE: expected the registered clients (GATEWAY_CLIENTS_FILE or GATEWAY_CLIENTS); found nothing (unset)',
    );
  }
  // Production (outside dev mode and the test suites): /metrics is never public.
  if (!env.METRICS_TOKEN && !env.GATEWAY_DEV_MODE && env.NODE_ENV !== 'test') {
    problems.push(
      'METRICS_TOKEN: expected a random token of at least 16 characters, e.g. `openssl rand -hex 24` (required unless GATEWAY_DEV_MODE=true); found nothing (unset)',
    );
  }
  if (!env.GATEWAY_SIGNING_KEYS_FILE && !env.GATEWAY_DEV_MODE) {
    problems.push(
      'GATEWAY_SIGNING_KEYS_FILE: expected the path of the private JWKS file (generate one with `npm run gateway:keys -- generate`); found nothing (unset)',
    );
  }
  return problems;
}

/** parseEnv plus the cross-variable rules; throws EnvValidationError listing every problem. */
export function parseGatewayEnv(raw: Record<string, string | undefined>): GatewayEnv {
  const env = parseEnv(GatewayEnv, raw);
  const problems = checkGatewayEnv(env);
  if (problems.length) throw new EnvValidationError(problems);
  return env;
}

/** Default location of the dev-mode signing keys (relative to the working directory). */
export const DEV_SIGNING_KEYS_FILE = '.trackeep/gateway/signing-keys.json';
