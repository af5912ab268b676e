import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ApiEnv } from '../config/api-env';

export const SESSION_TTL_SECONDS = 7 * 24 * 3600;
/** How long a sign-in may take between /auth/login and the callback. */
export const LOGIN_TX_TTL_SECONDS = 10 * 60;

export interface GatewayClientSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/**
 * The auth-related configuration, resolved once: parsed key ring, cookie names and flags, the gateway client.
 * GitHub's URLs are in GithubSettings.
 * Outside production mode, a missing JWT secret or token key is generated for this process (sessions and
 * stored tokens then do not survive a restart); in production mode ApiEnv validation already refused to start.
 */
export class AuthSettings {
  readonly jwtSecret: string;
  readonly tokenKeys: ReadonlyMap<string, Buffer>;
  readonly currentTokenKey: { version: string; key: Buffer };
  /** Secure + __Host- cookies: whenever the public origin is https. */
  readonly secureCookies: boolean;
  readonly sessionCookie: string;
  readonly loginCookie: string;
  readonly frontendOrigin: string;
  readonly allowedOrigins: ReadonlySet<string>;
  readonly gateway: GatewayClientSettings | null;
  readonly authRateLimitPerMinute: number;
  readonly generated: string[] = [];

  constructor(env: ApiEnv) {
    this.jwtSecret =
      env.JWT_SECRET ?? this.generate('JWT_SECRET', () => randomBytes(48).toString('base64url'));
    const keysSpec =
      env.TOKEN_ENCRYPTION_KEYS ??
      this.generate('TOKEN_ENCRYPTION_KEYS', () => `v1:${randomBytes(32).toString('base64')}`);
    const { keys, current } = parseKeyRing(keysSpec);
    this.tokenKeys = keys;
    this.currentTokenKey = current;

    const frontend = new URL(env.FRONTEND_URL);
    this.frontendOrigin = frontend.origin;
    this.secureCookies = frontend.protocol === 'https:';
    this.sessionCookie = this.secureCookies ? '__Host-trackeep_session' : 'trackeep_session';
    this.loginCookie = this.secureCookies ? '__Host-trackeep_login' : 'trackeep_login';
    this.allowedOrigins = new Set([
      this.frontendOrigin,
      ...env.CORS_ALLOWED_ORIGINS.map((o) => new URL(o).origin),
    ]);

    this.gateway =
      env.GATEWAY_URL && env.GATEWAY_CLIENT_ID && env.GATEWAY_CLIENT_SECRET
        ? {
            issuer: env.GATEWAY_URL.replace(/\/+$/, ''),
            clientId: env.GATEWAY_CLIENT_ID,
            clientSecret: env.GATEWAY_CLIENT_SECRET,
            redirectUri: `${this.frontendOrigin}${frontend.pathname.replace(/\/+$/, '')}/api/v1/auth/oauth/callback`,
          }
        : null;

    this.authRateLimitPerMinute = env.AUTH_RATE_LIMIT_PER_MINUTE;

    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(frontend.hostname);
    if (
      !this.secureCookies &&
      !loopback &&
      env.TRACKEEP_MODE === 'production' &&
      env.NODE_ENV === 'production'
    ) {
      new Logger('AuthSettings').warn(
        `FRONTEND_URL is ${frontend.origin} (http): session cookies cannot be Secure; set FRONTEND_URL to the public https origin`,
      );
    }
    if (this.generated.length) {
      new Logger('AuthSettings').warn(
        `${this.generated.join(' and ')} not set: generated for this process only; sessions and stored GitHub tokens will not survive a restart`,
      );
    }
  }

  private generate(name: string, make: () => string): string {
    this.generated.push(name);
    return make();
  }
}

/** `v1:<base64>,v2:<base64>` → versions to 32-byte keys; the last entry is the one that encrypts. */
export function parseKeyRing(spec: string): {
  keys: Map<string, Buffer>;
  current: { version: string; key: Buffer };
} {
  const keys = new Map<string, Buffer>();
  let current: { version: string; key: Buffer } | null = null;
  for (const entry of spec
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const sep = entry.indexOf(':');
    const version = entry.slice(0, sep);
    const key = Buffer.from(entry.slice(sep + 1), 'base64');
    if (sep < 1 || key.length !== 32)
      throw new Error(
        `TOKEN_ENCRYPTION_KEYS: entry "${version || '?'}" is not <version>:<base64 of 32 bytes>`,
      );
    if (keys.has(version)) throw new Error(`TOKEN_ENCRYPTION_KEYS: version "${version}" appears twice`);
    keys.set(version, key);
    current = { version, key };
  }
  if (!current) throw new Error('TOKEN_ENCRYPTION_KEYS: no key given');
  return { keys, current };
}
