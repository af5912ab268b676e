import { createHash, randomBytes } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { Urls } from '../rest/serializers';
import { SimError } from '../world/sim-error';
import type { SimGithubApp, SimOAuthApp, SimToken, SimUser } from '../world/world.types';
import {
  installationAuth,
  installationRateLimit,
  JWT_MESSAGES,
  looksLikeJwt,
  NOT_ACCESSIBLE_BY_INTEGRATION,
  userTokenAuth,
  verifyAppJwt,
  type InstallationAuth,
} from './app-auth';
import { secondaryLimitError, type FaultInjector } from './faults';
import type { RateResource } from './rate-limiter';
import { API_VERSION, DOCS, type SimContext } from './sim-context';

export type Auth =
  | { kind: 'token'; token: SimToken; user: SimUser }
  /** OAuth client basic auth (client_id:client_secret). */
  | { kind: 'app'; app: SimOAuthApp }
  /** A GitHub App's JWT (`Authorization: Bearer <JWT>`). */
  | { kind: 'appJwt'; githubApp: SimGithubApp }
  /** An installation access token (`ghs_`). */
  | ({ kind: 'installation' } & InstallationAuth);

export interface ApiRequest {
  req: Request;
  params: Record<string, string>;
  /** A path parameter the route declares (`:name`); a route asking for one it lacks is a simulator bug. */
  param(name: string): string;
  /** First value of a query parameter. */
  query(name: string): string | undefined;
  body: unknown;
  auth: Auth | null;
  /** The authenticated user's id (token auth), else null. */
  viewerId: number | null;
  scopes: string[];
  /** Installation token auth: what the token reaches (repositories outside answer 404). */
  installation?: InstallationAuth;
  /** A GitHub App's user-to-server token: the App (it reaches only private repositories where it is installed). */
  userApp?: number | null;
  urls: Urls;
  requestId: string;
  /** Runtime faults (organization policies, notFound) that routes consult per repository. */
  faults?: FaultInjector;
}

export interface ApiResult {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Emit a Link header for page-based pagination. */
  link?: { page: number; perPage: number; lastPage?: number; hasNext?: boolean };
  /**
   * When the resource last changed (epoch ms): sent as Last-Modified (moved on to when the answer was first
   * seen different, for changes the resource's time does not follow), and an If-Modified-Since not before it
   * answers 304 like a matching ETag (GitHub's conditional requests).
   */
  lastModified?: number;
}

export interface RouteOptions {
  /**
   * 'required': a user token (401 without credentials, 403 for an installation token). 'app': OAuth app basic
   * auth (client_id:client_secret). 'appJwt': a GitHub App's JWT. 'installation': an installation token.
   */
  auth?: 'optional' | 'required' | 'app' | 'appJwt' | 'installation';
  /** Which primary limit the request counts against; 'none' for /rate_limit. */
  resource?: RateResource | 'none';
  /** Reported in X-Accepted-OAuth-Scopes. */
  acceptedScopes?: string[];
  /** Also answer an App JWT (public lookups such as GET /apps/{slug} and /rate_limit), not 403. */
  allowJwt?: boolean;
  /**
   * With 'required': an installation token is accepted too (organization reads an App may make with an
   * organization permission, such as teams and members with `members: read`); the route checks the permission.
   */
  allowInstallation?: boolean;
}

type Handler = (r: ApiRequest) => ApiResult | Promise<ApiResult>;

export function requestIdOf(): string {
  const h = randomBytes(12).toString('hex').toUpperCase();
  return `${h.slice(0, 4)}:${h.slice(4, 8)}:${h.slice(8, 14)}:${h.slice(14, 20)}:${h.slice(20, 24)}`;
}

export function errorBody(
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    message,
    ...extra,
    documentation_url: (extra['documentation_url'] as string) ?? DOCS,
    // Errors carry their status; a redirect's body does not.
    ...(status >= 400 ? { status: String(status) } : {}),
  };
}

async function parseAuth(ctx: SimContext, header: string | undefined): Promise<Auth | null | 'bad'> {
  if (!header) return null;
  const [scheme = '', ...rest] = header.trim().split(/\s+/);
  const value = rest.join(' ');
  const s = scheme.toLowerCase();
  if ((s === 'token' || s === 'bearer') && value) {
    // GitHub takes a JWT only with the Bearer scheme.
    if (looksLikeJwt(value))
      return s === 'bearer' ? { kind: 'appJwt', githubApp: await verifyAppJwt(ctx.world, value) } : 'bad';
    if (value.startsWith('ghs_')) {
      const inst = installationAuth(ctx.world, value);
      return inst ? { kind: 'installation', ...inst } : 'bad';
    }
    const hit = userTokenAuth(ctx.world, value);
    return hit ? { kind: 'token', ...hit } : 'bad';
  }
  if (s === 'basic' && value) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return 'bad';
    const id = decoded.slice(0, i);
    const secret = decoded.slice(i + 1);
    const app = ctx.world.oauthApps.get(id);
    if (app) return app.clientSecret === secret ? { kind: 'app', app } : 'bad';
    const hit = userTokenAuth(ctx.world, secret);
    return hit ? { kind: 'token', ...hit } : 'bad';
  }
  return 'bad';
}

/**
 * A GitHub App's user token has no OAuth scopes (X-OAuth-Scopes is empty): it acts with the user's access, limited
 * to where the App is installed (access.ts `canSee`). Routes that check scopes see the user's reach.
 */
const APP_USER_SCOPES = ['repo', 'read:org', 'read:user', 'user:email'];
export function effectiveScopes(token: SimToken): string[] {
  return token.githubAppId ? APP_USER_SCOPES : token.scopes;
}

function etagOf(body: string, who: string): string {
  return `W/"${createHash('sha256').update(who).update('\0').update(body).digest('hex')}"`;
}

/** True when the resource has not changed since the client's copy (HTTP dates have whole seconds). */
function unchangedSince(header: string | undefined, lastModified: number | undefined): boolean {
  if (header === undefined || lastModified === undefined) return false;
  const since = Date.parse(header);
  return !Number.isNaN(since) && Math.floor(lastModified / 1000) * 1000 <= since;
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const strip = (t: string) => t.trim().replace(/^W\//, '');
  const target = strip(etag);
  return header.split(',').some((t) => t.trim() === '*' || strip(t) === target);
}

function linkHeader(
  req: Request,
  urls: Urls,
  link: NonNullable<ApiResult['link']>,
  path = req.path,
): string | null {
  const url = new URL(req.originalUrl, urls.web);
  const make = (page: number, rel: string) => {
    const u = new URL(`${urls.api}${path === '/' ? '' : path}`);
    for (const [k, v] of url.searchParams) if (k !== 'page') u.searchParams.append(k, v);
    u.searchParams.set('page', String(page));
    return `<${u.toString()}>; rel="${rel}"`;
  };
  const parts: string[] = [];
  if (link.page > 1) parts.push(make(link.page - 1, 'prev'));
  const hasNext = link.lastPage !== undefined ? link.page < link.lastPage : !!link.hasNext;
  if (hasNext) parts.push(make(link.page + 1, 'next'));
  if (link.lastPage !== undefined && link.page < link.lastPage) parts.push(make(link.lastPage, 'last'));
  if (link.page > 1) parts.push(make(1, 'first'));
  return parts.length ? parts.join(', ') : null;
}

/** With linkStyle 'repositories', /repos/{o}/{r}/… pages link to /repositories/{id}/… as GitHub does for some lists. */
function linkPath(ctx: SimContext, path: string): string {
  if (ctx.faults.linkStyle !== 'repositories') return path;
  const [, owner, name, rest = ''] = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path) ?? [];
  const repo =
    owner !== undefined && name !== undefined
      ? ctx.world.repo(decodeURIComponent(owner), decodeURIComponent(name))
      : undefined;
  return repo ? `/repositories/${repo.id}${rest}` : path;
}

const EXPOSED =
  'ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, X-Poll-Interval, X-GitHub-Media-Type, X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset';

export function commonHeaders(res: Response, requestId: string): void {
  res.setHeader('X-GitHub-Request-Id', requestId);
  res.setHeader('X-GitHub-Media-Type', 'github.v3; format=json');
  res.setHeader('X-GitHub-Api-Version-Selected', API_VERSION);
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Expose-Headers', EXPOSED);
  res.setHeader('Vary', 'Accept, Authorization, Cookie, X-GitHub-OTP, Accept-Encoding');
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

export function sendJson(
  res: Response,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (status === 204 || status === 304 || body === undefined) {
    res.status(status).end();
    return;
  }
  res.status(status).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

/** Where the request came in: REST base with /api/v3 when the client used the GHES-style prefix. */
export function urlsOf(ctx: SimContext, req: Request): Urls {
  const host = req.headers.host;
  const origin = host && /^[A-Za-z0-9.:[\]-]+$/.test(host) ? `${req.protocol}://${host}` : ctx.origin;
  return { web: origin, api: req.baseUrl.startsWith('/api/v3') ? `${origin}/api/v3` : origin };
}

/**
 * A REST router where every route gets GitHub's envelope: auth, primary/secondary limits, faults,
 * ETag/304 (not counted), rate-limit headers, Link pagination, JSON errors, stats.
 */
export class ApiRouter {
  readonly router: Router = express.Router();

  /** Per user and URL: the answer last sent (its ETag) and since when it has been that answer. */
  private readonly lastAnswers = new Map<string, { etag: string; since: number }>();

  constructor(private readonly ctx: SimContext) {}

  get(path: string, name: string, handler: Handler, opts: RouteOptions = {}): void {
    this.router.get(path, this.wrap('GET', name, handler, opts));
  }
  post(path: string, name: string, handler: Handler, opts: RouteOptions = {}): void {
    this.router.post(path, this.wrap('POST', name, handler, opts));
  }
  patch(path: string, name: string, handler: Handler, opts: RouteOptions = {}): void {
    this.router.patch(path, this.wrap('PATCH', name, handler, opts));
  }
  put(path: string, name: string, handler: Handler, opts: RouteOptions = {}): void {
    this.router.put(path, this.wrap('PUT', name, handler, opts));
  }
  delete(path: string, name: string, handler: Handler, opts: RouteOptions = {}): void {
    this.router.delete(path, this.wrap('DELETE', name, handler, opts));
  }

  /** Unknown REST paths: GitHub's 404 after authentication, so it carries the rate-limit headers (a 401 does not). */
  fallback() {
    return this.wrap(
      'GET',
      '(unknown)',
      () => {
        throw new SimError(404, 'Not Found');
      },
      {},
    );
  }

  /**
   * The resource's time, or when this answer was first seen if later: a star or a permission change alters a
   * repository's answer without moving its update time, and must not be answered 304 to If-Modified-Since.
   */
  private lastModified(key: string, etag: string, resourceTime: number | undefined): number | undefined {
    if (resourceTime === undefined) return undefined;
    const last = this.lastAnswers.get(key);
    // A changed answer gets a later second than the one before (HTTP dates have whole seconds).
    const since = !last
      ? resourceTime
      : last.etag === etag
        ? last.since
        : Math.max(Date.now(), Math.floor(last.since / 1000) * 1000 + 1000);
    this.lastAnswers.set(key, { etag, since: Math.max(since, resourceTime) });
    return Math.max(since, resourceTime);
  }

  private wrap(method: string, name: string, handler: Handler, opts: RouteOptions) {
    const ctx = this.ctx;
    const route = `${method} ${name}`;
    return async (req: Request, res: Response): Promise<void> => {
      const requestId = requestIdOf();
      commonHeaders(res, requestId);
      const resource = opts.resource ?? 'core';
      let rateKey = `ip:${req.ip ?? 'local'}`;
      let entered = false;
      const finish = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        ctx.stats.restRequest(route, status);
        sendJson(res, status, body, headers);
      };
      const fail = (e: unknown, rateHeaders: Record<string, string> = {}) => {
        if (e instanceof SimError)
          return finish(e.status, errorBody(e.status, e.message, e.extra), { ...rateHeaders, ...e.headers });
        // A bug in the simulator, not a client mistake: still GitHub-shaped.
        console.error('[github-sim]', route, e);
        return finish(500, errorBody(500, 'Server Error'), rateHeaders);
      };
      try {
        const version = req.header('x-github-api-version');
        if (version && version !== API_VERSION)
          throw new SimError(
            400,
            `Unsupported 'X-GitHub-Api-Version' header. Supported versions are: ${API_VERSION}`,
          );
        const injected = await ctx.faults.before(req.path, requestId);
        if (injected) return fail(injected);
        const parsed = await parseAuth(ctx, req.header('authorization')).catch((e: unknown) => {
          if (e instanceof SimError && e.status === 401) ctx.stats.data.apps.jwtRejections++;
          throw e;
        });
        if (parsed === 'bad') throw new SimError(401, 'Bad credentials');
        const auth = parsed;
        if (opts.auth === 'app' && auth?.kind !== 'app')
          throw new SimError(auth ? 404 : 401, auth ? 'Not Found' : 'Requires authentication');
        // Endpoints documented "you must use a JWT" read any other credential as an undecodable JWT.
        if (opts.auth === 'appJwt' && auth?.kind !== 'appJwt')
          throw new SimError(401, auth ? JWT_MESSAGES.undecodable : 'Requires authentication');
        if (opts.auth !== 'appJwt' && !opts.allowJwt && auth?.kind === 'appJwt')
          throw new SimError(403, NOT_ACCESSIBLE_BY_INTEGRATION);
        if (opts.auth === 'installation' && auth?.kind !== 'installation')
          throw new SimError(
            auth ? 403 : 401,
            auth ? NOT_ACCESSIBLE_BY_INTEGRATION : 'Requires authentication',
          );
        const installationAllowed = opts.allowInstallation === true && auth?.kind === 'installation';
        if (opts.auth === 'required' && auth?.kind === 'installation' && !installationAllowed)
          throw new SimError(403, NOT_ACCESSIBLE_BY_INTEGRATION);
        if (opts.auth === 'required' && auth?.kind !== 'token' && !installationAllowed)
          throw new SimError(401, 'Requires authentication');
        if (auth?.kind === 'token') rateKey = `u:${auth.user.id}`;
        if (auth?.kind === 'app') rateKey = `app:${auth.app.clientId}`;
        if (auth?.kind === 'appJwt') rateKey = `jwt:${auth.githubApp.id}`;
        if (auth?.kind === 'installation') {
          // An installation's budget is its own, sized by its repositories and members.
          rateKey = `inst:${auth.installation.id}`;
          ctx.limiter.setKeyLimit(
            rateKey,
            installationRateLimit(ctx.world, auth.installation, ctx.limiter.limits.core),
          );
        }
        const scopes = auth?.kind === 'token' ? effectiveScopes(auth.token) : [];
        if (auth?.kind === 'token') res.setHeader('X-OAuth-Scopes', auth.token.scopes.join(', '));
        res.setHeader('X-Accepted-OAuth-Scopes', (opts.acceptedScopes ?? []).join(', '));
        res.setHeader(
          'Cache-Control',
          auth ? 'private, max-age=60, s-maxage=60' : 'public, max-age=60, s-maxage=60',
        );

        entered = true;
        if (!ctx.limiter.enter(rateKey)) throw secondaryLimitError(requestId, 60);
        if (
          resource !== 'none' &&
          !ctx.limiter.spendMinute(rateKey, 'rest', method === 'GET' || method === 'HEAD' ? 1 : 5)
        ) {
          ctx.stats.data.rateLimit.secondaryRejections++;
          throw secondaryLimitError(requestId, ctx.limiter.minuteRetryAfter(rateKey, 'rest'));
        }
        let rateHeaders: Record<string, string> = {};
        if (resource !== 'none') {
          const bucket = ctx.limiter.bucket(rateKey, resource);
          if (ctx.limiter.remaining(bucket) <= 0) {
            ctx.stats.data.rateLimit.primaryRejections++;
            const who =
              auth?.kind === 'token'
                ? `for user ID ${auth.user.id}`
                : auth?.kind === 'installation'
                  ? `for installation ID ${auth.installation.id}`
                  : `for ${req.ip ?? '127.0.0.1'}`;
            return fail(
              new SimError(
                403,
                `API rate limit exceeded ${who}. If you reach out to GitHub Support for help, please include the request ID ${requestId}.`,
                {
                  documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
                },
              ),
              ctx.limiter.headers(bucket, resource),
            );
          }
        }
        const urls = urlsOf(ctx, req);
        const apiReq: ApiRequest = {
          req,
          params: req.params as Record<string, string>,
          param: (n) => {
            const v: unknown = (req.params as Record<string, unknown>)[n];
            if (typeof v !== 'string') throw new Error(`github-sim: route ${route} has no :${n} parameter`);
            return v;
          },
          query: (n) => {
            const v = (req.query as Record<string, unknown>)[n];
            return typeof v === 'string'
              ? v
              : Array.isArray(v) && typeof v[0] === 'string'
                ? v[0]
                : undefined;
          },
          body: req.body,
          auth,
          viewerId: auth?.kind === 'token' ? auth.user.id : null,
          scopes,
          installation:
            auth?.kind === 'installation'
              ? { token: auth.token, installation: auth.installation, githubApp: auth.githubApp }
              : undefined,
          userApp: auth?.kind === 'token' ? (auth.token.githubAppId ?? null) : null,
          urls,
          requestId,
          faults: ctx.faults,
        };
        let result: ApiResult;
        try {
          result = await handler(apiReq);
        } catch (e) {
          if (resource !== 'none')
            rateHeaders = ctx.limiter.headers(ctx.limiter.consume(rateKey, resource, 1), resource);
          return fail(e, rateHeaders);
        }
        const status = result.status ?? 200;
        const headers: Record<string, string> = { ...(result.headers ?? {}) };
        if (result.link) {
          const link = linkHeader(req, urls, result.link, linkPath(ctx, req.path));
          if (link) headers['Link'] = link;
        }
        // GitHub tags every JSON answer (a 201 too); only a GET's can be revalidated.
        if (status >= 200 && status < 300 && result.body !== undefined)
          headers['ETag'] = etagOf(JSON.stringify(result.body), rateKey);
        if ((method === 'GET' || method === 'HEAD') && status === 200 && result.body !== undefined) {
          const etag = headers['ETag'] as string;
          const lastModified = this.lastModified(`${rateKey} ${req.originalUrl}`, etag, result.lastModified);
          if (lastModified !== undefined) headers['Last-Modified'] = new Date(lastModified).toUTCString();
          // If-None-Match, when sent, decides alone (RFC 9110 §13.1.3).
          const ifNoneMatch = req.header('if-none-match');
          const notModified =
            ifNoneMatch !== undefined
              ? etagMatches(ifNoneMatch, etag)
              : unchangedSince(req.header('if-modified-since'), lastModified);
          if (notModified) {
            // A conditional hit does not count against the primary limit.
            if (resource !== 'none')
              Object.assign(headers, ctx.limiter.headers(ctx.limiter.bucket(rateKey, resource), resource));
            return finish(304, undefined, headers);
          }
        }
        if (resource !== 'none')
          Object.assign(headers, ctx.limiter.headers(ctx.limiter.consume(rateKey, resource, 1), resource));
        finish(status, result.body, headers);
      } catch (e) {
        fail(e);
      } finally {
        if (entered) ctx.limiter.leave(rateKey);
      }
    };
  }
}
