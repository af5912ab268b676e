import type { FaultConfig, RepoBlock } from '../sim.types';
import type { SimWorld } from '../world/sim-world';
import { hash32, Rng } from '../world/random.util';
import { SimError } from '../world/sim-error';
import type { SimRepo } from '../world/world.types';
import type { RateLimiter } from './rate-limiter';
import type { StatsRecorder } from './stats';

export const SECONDARY_LIMIT_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID';

// Bodies quoted from real GitHub answers: TermHub#935 and ossf/scorecard#1504 (REST), fwouts/prmonitor#1042 (GraphQL,
// with `extensions.saml_failure`); OAuth tokens read "your OAuth token" (cli/cli#2661, microsoft/winget-create#628).
export const SSO_MESSAGE =
  'Resource protected by organization SAML enforcement. You must grant your OAuth token access to this organization.';
export const SSO_DOCS =
  'https://docs.github.com/articles/authenticating-to-a-github-organization-with-saml-single-sign-on/';
// aeonfun/aeon#1083 quotes the first sentence; the rest is GitHub's documented wording of the same 403.
export const oauthAppPolicyMessage = (org: string) =>
  `Although you appear to have the correct authorization credentials, the \`${org}\` organization has enabled OAuth App access restrictions, meaning that data access to third-parties is limited. For more information on these restrictions, including how to enable this app, visit https://docs.github.com/articles/restricting-access-to-your-organization-s-data/`;
export const OAUTH_APP_POLICY_DOCS =
  'https://docs.github.com/articles/restricting-access-to-your-organization-s-data/';
export const graphqlTimeoutMessage = (requestId: string) =>
  `Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug. Please include \`${requestId}\` when reporting this issue.`;

const listed = (xs: string[] | undefined, v: string) =>
  !xs || xs.some((x) => x.toLowerCase() === v.toLowerCase());

/** Runtime fault injection: latency, 5xx, secondary limits, primary exhaustion. Seeded, so runs repeat. */
export class FaultInjector {
  private config: FaultConfig = {};
  private rng: Rng;
  private requestCount = 0;
  private pattern: RegExp | null = null;
  private rateLimitLeft = Infinity;
  private timeoutLeft = Infinity;
  private partialLeft = Infinity;
  private graphqlCount = 0;

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
    this.rateLimitLeft = config.graphqlRateLimit?.count ?? Infinity;
    this.timeoutLeft = config.graphqlTimeout?.count ?? Infinity;
    this.partialLeft = config.graphqlPartial?.count ?? Infinity;
    this.graphqlCount = 0;
    const ex = config.exhaustPrimary;
    this.limiter.exhausted = { core: ex === true || ex === 'rest', graphql: ex === true || ex === 'graphql' };
  }

  /** Applies latency and returns the injected failure for this request, if any. */
  async before(path: string, requestId: string): Promise<SimError | null> {
    const c = this.config;
    if (this.pattern && !this.pattern.test(path)) return null;
    const latency =
      typeof c.latencyMs === 'number'
        ? c.latencyMs
        : c.latencyMs
          ? c.latencyMs.min + this.rng.next() * (c.latencyMs.max - c.latencyMs.min)
          : 0;
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

  get linkStyle(): 'repos' | 'repositories' {
    return this.config.linkStyle ?? 'repos';
  }

  /** How an organization policy or a notFound fault hides this repository from this user, if it does. */
  repoBlock(w: SimWorld, repo: SimRepo, login: string | null, viaId = false): RepoBlock | null {
    const c = this.config;
    const full = w.fullName(repo);
    if (
      c.notFound &&
      (!viaId || c.notFound.byId) &&
      listed(c.notFound.repos, full) &&
      (login === null || listed(c.notFound.users, login))
    )
      return { kind: 'notFound' };
    return repo.ownerType === 'Organization' ? this.orgBlock(w, w.ownerLogin(repo), login) : null;
  }

  /** The organization policy (SSO first, like GitHub) that applies to this org for this user. */
  orgBlock(
    w: SimWorld,
    orgLogin: string,
    login: string | null,
  ): Exclude<RepoBlock, { kind: 'notFound' }> | null {
    const c = this.config;
    const org = w.org(orgLogin);
    if (login === null || !org) return null;
    if (c.sso && c.sso.org.toLowerCase() === orgLogin.toLowerCase() && listed(c.sso.users, login))
      return { kind: 'sso', org: org.login, orgId: org.id };
    if (
      c.oauthAppPolicy &&
      c.oauthAppPolicy.org.toLowerCase() === orgLogin.toLowerCase() &&
      listed(c.oauthAppPolicy.users, login)
    )
      return { kind: 'oauthAppPolicy', org: org.login };
    return null;
  }

  /** Does this GraphQL request get the rate-limit fault? Counts it down. */
  graphqlRateLimitFor(login: string): NonNullable<FaultConfig['graphqlRateLimit']> | null {
    const f = this.config.graphqlRateLimit;
    if (!f || this.rateLimitLeft <= 0 || !listed(f.users, login)) return null;
    this.rateLimitLeft--;
    this.stats.data.faults.injectedErrors++;
    return f;
  }

  /** Does this (costed) GraphQL query time out? Every N-th query, at most `count` times. */
  graphqlTimesOut(): boolean {
    const f = this.config.graphqlTimeout;
    if (!f) return false;
    this.graphqlCount++;
    if (this.timeoutLeft <= 0 || this.graphqlCount % (f.everyN ?? 1) !== 0) return false;
    this.timeoutLeft--;
    this.stats.data.faults.injectedErrors++;
    return true;
  }

  /** The partial-result fault for objects of this repository seen by this user. */
  partialFor(
    repoFullName: string,
    login: string,
  ): { field: string; everyN: number; take: () => boolean } | null {
    const f = this.config.graphqlPartial;
    if (!f || !listed(f.repos, repoFullName) || !listed(f.users, login)) return null;
    // `count` bounds how many objects are nulled in all (then the figures come back).
    const take = () => {
      if (this.partialLeft <= 0) return false;
      this.partialLeft--;
      this.stats.data.faults.injectedErrors++;
      return true;
    };
    return { field: f.field, everyN: f.everyN ?? 1, take };
  }
}

function serverError(status: number): SimError {
  const message =
    status === 502
      ? 'Server Error'
      : status === 503
        ? 'Service Unavailable'
        : status === 504
          ? 'Gateway Timeout'
          : 'Internal Server Error';
  return new SimError(status, message);
}

export function secondaryLimitError(requestId: string, retryAfter: number, status = 403): SimError {
  return new SimError(
    status,
    `${SECONDARY_LIMIT_MESSAGE} ${requestId}.`,
    {
      documentation_url:
        'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
    },
    { 'retry-after': String(retryAfter) },
  );
}

export function validateFaults(c: unknown): asserts c is FaultConfig {
  if (typeof c !== 'object' || c === null || Array.isArray(c))
    throw new SimError(422, 'faults must be an object');
  const f = c as Record<string, unknown>;
  const known = [
    'latencyMs',
    'errorRate',
    'errorStatus',
    'failNext',
    'graphqlMaxNodes',
    'secondaryRateLimit',
    'exhaustPrimary',
    'pathPattern',
    'graphqlPartial',
    'graphqlRateLimit',
    'sso',
    'oauthAppPolicy',
    'graphqlTimeout',
    'notFound',
    'linkStyle',
  ];
  for (const k of Object.keys(f))
    if (!known.includes(k)) throw new SimError(422, `Unknown fault "${k}" (known: ${known.join(', ')})`);
  const num = (v: unknown, name: string, max = Number.MAX_SAFE_INTEGER) => {
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max))
      throw new SimError(422, `${name} must be a number between 0 and ${max}`);
  };
  if (typeof f['latencyMs'] === 'object' && f['latencyMs'] !== null) {
    const l = f['latencyMs'] as Record<string, unknown>;
    num(l['min'], 'latencyMs.min', 60_000);
    num(l['max'], 'latencyMs.max', 60_000);
    if (typeof l['min'] !== 'number' || typeof l['max'] !== 'number' || l['min'] > l['max'])
      throw new SimError(422, 'latencyMs needs min <= max');
  } else num(f['latencyMs'], 'latencyMs', 60_000);
  num(f['errorRate'], 'errorRate', 1);
  num(f['failNext'], 'failNext');
  num(f['graphqlMaxNodes'], 'graphqlMaxNodes');
  if (f['errorStatus'] !== undefined && ![500, 502, 503, 504].includes(f['errorStatus'] as number))
    throw new SimError(422, 'errorStatus must be 500, 502, 503 or 504');
  const sec = f['secondaryRateLimit'];
  if (sec !== undefined && typeof sec !== 'boolean') {
    if (typeof sec !== 'object' || sec === null)
      throw new SimError(422, 'secondaryRateLimit must be a boolean or an object');
    const s = sec as Record<string, unknown>;
    num(s['everyN'], 'secondaryRateLimit.everyN');
    num(s['retryAfterSec'], 'secondaryRateLimit.retryAfterSec', 3600);
    if (s['everyN'] === 0) throw new SimError(422, 'secondaryRateLimit.everyN must be at least 1');
    if (s['status'] !== undefined && s['status'] !== 403 && s['status'] !== 429)
      throw new SimError(422, 'secondaryRateLimit.status must be 403 or 429');
  }
  const obj = (k: string, required: string[], allowed: string[]): Record<string, unknown> | undefined => {
    const v = f[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new SimError(422, `${k} must be an object`);
    const o = v as Record<string, unknown>;
    for (const key of Object.keys(o))
      if (!allowed.includes(key))
        throw new SimError(422, `Unknown key "${k}.${key}" (known: ${allowed.join(', ')})`);
    for (const key of required) if (o[key] === undefined) throw new SimError(422, `${k}.${key} is required`);
    return o;
  };
  const names = (v: unknown, name: string, required = false) => {
    if (v === undefined && !required) return;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || !x) || (required && v.length === 0))
      throw new SimError(422, `${name} must be a${required ? ' non-empty' : 'n'} array of strings`);
  };
  const atLeastOne = (v: unknown, name: string) => {
    num(v, name);
    if (v !== undefined && (v as number) < 1) throw new SimError(422, `${name} must be at least 1`);
  };
  const partial = obj('graphqlPartial', ['field'], ['field', 'repos', 'users', 'everyN', 'count']);
  if (partial) {
    if (!['additions', 'deletions', 'changedFiles'].includes(partial['field'] as string))
      throw new SimError(422, 'graphqlPartial.field must be additions, deletions or changedFiles');
    names(partial['repos'], 'graphqlPartial.repos');
    names(partial['users'], 'graphqlPartial.users');
    atLeastOne(partial['everyN'], 'graphqlPartial.everyN');
    num(partial['count'], 'graphqlPartial.count');
  }
  const grl = obj('graphqlRateLimit', ['shape'], ['shape', 'status', 'users', 'count']);
  if (grl) {
    if (grl['shape'] !== 'RATE_LIMITED' && grl['shape'] !== 'RATE_LIMIT')
      throw new SimError(422, 'graphqlRateLimit.shape must be RATE_LIMITED or RATE_LIMIT');
    if (grl['status'] !== undefined && grl['status'] !== 200 && grl['status'] !== 403)
      throw new SimError(422, 'graphqlRateLimit.status must be 200 or 403');
    names(grl['users'], 'graphqlRateLimit.users');
    num(grl['count'], 'graphqlRateLimit.count');
  }
  for (const k of ['sso', 'oauthAppPolicy']) {
    const o = obj(k, ['org'], ['org', 'users']);
    if (o) {
      if (typeof o['org'] !== 'string' || !o['org'])
        throw new SimError(422, `${k}.org must be an organization login`);
      names(o['users'], `${k}.users`);
    }
  }
  const gto = obj('graphqlTimeout', [], ['everyN', 'count']);
  if (gto) {
    atLeastOne(gto['everyN'], 'graphqlTimeout.everyN');
    num(gto['count'], 'graphqlTimeout.count');
  }
  const nf = obj('notFound', ['repos'], ['repos', 'users', 'byId']);
  if (nf) {
    names(nf['repos'], 'notFound.repos', true);
    if ((nf['repos'] as string[]).some((x) => !/^[^/\s]+\/[^/\s]+$/.test(x)))
      throw new SimError(422, 'notFound.repos must be full names like "owner/repo"');
    names(nf['users'], 'notFound.users');
    if (nf['byId'] !== undefined && typeof nf['byId'] !== 'boolean')
      throw new SimError(422, 'notFound.byId must be a boolean');
  }
  if (f['linkStyle'] !== undefined && f['linkStyle'] !== 'repos' && f['linkStyle'] !== 'repositories')
    throw new SimError(422, 'linkStyle must be "repos" or "repositories"');
  const ex = f['exhaustPrimary'];
  if (ex !== undefined && typeof ex !== 'boolean' && ex !== 'rest' && ex !== 'graphql')
    throw new SimError(422, 'exhaustPrimary must be a boolean, "rest" or "graphql"');
  if (f['pathPattern'] !== undefined) {
    if (typeof f['pathPattern'] !== 'string') throw new SimError(422, 'pathPattern must be a string');
    try {
      new RegExp(f['pathPattern']);
    } catch {
      throw new SimError(422, 'pathPattern is not a valid regular expression');
    }
  }
}
