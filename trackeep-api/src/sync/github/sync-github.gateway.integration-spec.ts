import { createSql } from '@trackeep/server-core';
import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import { DataSource } from 'typeorm';
import { apiDataSourceOptions } from '../../database/data-source';
import type { DB } from '../../database/db.types';
import { GithubEtagCache } from '../../github/github-etag-cache.service';
import { GithubEtagRepository } from '../../github/github-etag.repository';
import { GithubRateLimitRepository } from '../../github/github-rate-limit.repository';
import { GithubRateLimitService } from '../../github/github-rate-limit.service';
import { GithubSettings } from '../../github/github-settings';
import { MetricsService } from '../../metrics/metrics.service';
import { CredentialLimits, DEFAULT_LIMIT_SETTINGS } from './credential-limits';
import {
  CredentialRejectedError,
  OAUTH_APP_POLICY_DOCS,
  OrgPolicyBlockedError,
  RateLimitPausedError,
  TransientGithubError,
} from './sync-github.errors';
import { SyncGithubGateway, SyncMeter, type OctokitLike } from './sync-github.gateway';

type Reply =
  | { status: number; headers?: Record<string, string>; data?: unknown }
  | { error: { status?: number; message: string; headers?: Record<string, string>; data?: unknown } };

/** A stand-in for GitHub that answers from a script and records what it was asked. */
function scripted(
  replies: Reply[],
): OctokitLike & { calls: Array<{ route: string; params?: Record<string, unknown> }> } {
  const calls: Array<{ route: string; params?: Record<string, unknown> }> = [];
  return {
    calls,
    async request(route, params) {
      calls.push({ route, params });
      const next = replies.shift();
      if (!next) throw new Error(`unexpected request ${route}`);
      if ('error' in next) {
        const e = next.error;
        throw Object.assign(new Error(e.message), {
          status: e.status,
          response: { headers: e.headers ?? {}, data: e.data },
        });
      }
      return { status: next.status, headers: next.headers ?? {}, data: next.data };
    },
  };
}

const GITHUB_COM = new GithubSettings({
  GITHUB_WEB_URL: 'https://github.com',
  GITHUB_API_URL: 'https://api.github.com',
  GITHUB_GRAPHQL_URL: undefined,
});
const RATE = { cost: 1, limit: 5000, remaining: 4000, resetAt: '2099-01-01T00:00:00Z', used: 1000 };

describe(SyncGithubGateway.name, () => {
  let db: TestDatabase;
  let ds: DataSource;
  let userId: string;

  beforeAll(async () => {
    db = await createTestDatabase('trackeep_api_template');
    ds = await new DataSource(apiDataSourceOptions(db.url, 2)).initialize();
    const [user] = (await ds.query(
      `INSERT INTO users (github_host, github_id, login) VALUES ('github.com', 1, 'octocat') RETURNING id`,
    )) as Array<{ id: string }>;
    userId = user?.id ?? '';
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });
  beforeEach(async () => {
    await ds.query(`DELETE FROM github_rate_limits`);
    await ds.query(`DELETE FROM github_etags`);
  });

  /** A fresh process's rate-limit store over the test database. */
  function rateLimits(): GithubRateLimitService {
    return new GithubRateLimitService(
      new GithubRateLimitRepository(createSql<DB>(ds)),
      new MetricsService(),
      GITHUB_COM,
    );
  }

  function sut(
    client: OctokitLike,
    opts: { sleeps?: number[]; random?: number; limits?: CredentialLimits } = {},
  ) {
    const meter = new SyncMeter();
    const limits = opts.limits ?? new CredentialLimits(userId, DEFAULT_LIMIT_SETTINGS, rateLimits());
    const gateway = new SyncGithubGateway({
      client,
      credential: userId,
      graphqlUrl: 'https://api.github.test/graphql',
      etags: new GithubEtagCache(new GithubEtagRepository(createSql<DB>(ds))),
      limits,
      meter,
      sleep: async (ms) => void opts.sleeps?.push(ms),
      random: () => opts.random ?? 0.5,
    });
    return { gateway, meter, limits };
  }

  it('waits out a secondary limit for its Retry-After (plus under a second of jitter) and retries', async () => {
    const sleeps: number[] = [];
    const client = scripted([
      {
        error: {
          status: 403,
          message: 'You have exceeded a secondary rate limit.',
          headers: { 'retry-after': '7' },
        },
      },
      { status: 200, data: { data: { rateLimit: RATE } } },
    ]);
    const { gateway, meter } = sut(client, { sleeps });
    await gateway.graphql('query { rateLimit { cost } }', {}, 1);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(7000);
    expect(sleeps[0]).toBeLessThan(8000);
    expect(client.calls).toHaveLength(2);
    expect(meter.graphqlPoints).toBe(1);
  });

  it('without Retry-After waits at least a minute with jitter, longer each time', async () => {
    const sleeps: number[] = [];
    const secondary = { error: { status: 429, message: 'You have exceeded a secondary rate limit.' } };
    const client = scripted([secondary, secondary, { status: 200, data: { data: { rateLimit: RATE } } }]);
    const { gateway } = sut(client, { sleeps, random: 0.5 });
    await gateway.graphql('query { rateLimit { cost } }', {}, 1);
    expect(sleeps).toEqual([60_000 + 15_000, 120_000 + 15_000]);
  });

  it('gives up on a secondary limit that never lifts, as a transient failure', async () => {
    const secondary = {
      error: {
        status: 403,
        message: 'You have exceeded a secondary rate limit.',
        headers: { 'retry-after': '1' },
      },
    };
    const { gateway } = sut(scripted(Array.from({ length: 6 }, () => secondary)), { sleeps: [] });
    await expect(gateway.graphql('query { rateLimit { cost } }', {}, 1)).rejects.toBeInstanceOf(
      TransientGithubError,
    );
  });

  it('turns an exhausted primary budget into a pause until the reset, recorded for every replica', async () => {
    const reset = Math.floor(Date.now() / 1000) + 1800;
    const client = scripted([
      {
        error: {
          status: 403,
          message: 'API rate limit exceeded',
          headers: {
            'x-ratelimit-remaining': '0',
            'x-ratelimit-limit': '5000',
            'x-ratelimit-reset': String(reset),
          },
        },
      },
    ]);
    const { gateway } = sut(client);
    const err = (await gateway
      .getConditional('/repositories/1')
      .catch((e: unknown) => e)) as RateLimitPausedError;
    expect(err).toBeInstanceOf(RateLimitPausedError);
    expect(err.resumeAt.getTime()).toBe(reset * 1000);
    const [row] = (await ds.query(`SELECT resource, remaining FROM github_rate_limits WHERE user_id = $1`, [
      userId,
    ])) as Array<{ resource: string; remaining: number }>;
    expect(row).toEqual({ resource: 'core', remaining: 0 });
    // Another replica's gateway for the same user pauses before asking GitHub anything.
    const other = scripted([]);
    await expect(sut(other).gateway.getConditional('/repositories/1')).rejects.toBeInstanceOf(
      RateLimitPausedError,
    );
    expect(other.calls).toHaveLength(0);
  });

  it('pauses on GraphQL’s RATE_LIMITED answer (200 with an error)', async () => {
    const reset = Math.floor(Date.now() / 1000) + 600;
    const client = scripted([
      {
        status: 200,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
        data: { errors: [{ type: 'RATE_LIMITED', message: 'API rate limit exceeded' }] },
      },
    ]);
    await expect(sut(client).gateway.graphql('query { viewer { login } }', {}, 1)).rejects.toBeInstanceOf(
      RateLimitPausedError,
    );
  });

  it('keeps the reserve for people: no request when spending would dip below it', async () => {
    const limits = new CredentialLimits(
      userId,
      { ...DEFAULT_LIMIT_SETTINGS, reservePercent: 10 },
      rateLimits(),
    );
    await limits.observe('graphql', {
      limit: 5000,
      remaining: 500,
      resetAt: new Date(Date.now() + 600_000),
    });
    const client = scripted([]);
    await expect(
      sut(client, { limits }).gateway.graphql('query { viewer { login } }', {}, 1),
    ).rejects.toBeInstanceOf(RateLimitPausedError);
    expect(client.calls).toHaveLength(0);
    // Above the reserve, it goes ahead.
    await limits.observe('graphql', {
      limit: 5000,
      remaining: 502,
      resetAt: new Date(Date.now() + 600_000),
    });
    const ok = scripted([{ status: 200, data: { data: { rateLimit: RATE } } }]);
    await sut(ok, { limits }).gateway.graphql('query { viewer { login } }', {}, 1);
    expect(ok.calls).toHaveLength(1);
  });

  it('sends the stored ETag of this credential; a 304 returns the stored body and costs nothing', async () => {
    const client = scripted([
      { status: 200, headers: { etag: 'W/"abc"' }, data: { id: 1, name: 'hello' } },
      { error: { status: 304, message: 'Not modified' } },
    ]);
    const { gateway, meter } = sut(client);
    expect(await gateway.getConditional('/repositories/1')).toEqual({
      status: 200,
      data: { id: 1, name: 'hello' },
    });
    expect(await gateway.getConditional('/repositories/1')).toEqual({
      status: 304,
      data: { id: 1, name: 'hello' },
    });
    expect(client.calls.map((c) => c.params)).toEqual([{}, { headers: { 'if-none-match': 'W/"abc"' } }]);
    expect({ rest: meter.restRequests, notModified: meter.notModified }).toEqual({ rest: 1, notModified: 1 });
  });

  it('reports 404 as unavailable rather than throwing', async () => {
    const { gateway } = sut(scripted([{ error: { status: 404, message: 'Not Found' } }]));
    expect(await gateway.getConditional('/repositories/9')).toEqual({ status: 404, data: null });
  });

  it('classifies GraphQL 502s and timeouts as transient (smaller page next) and 401 as a rejected token', async () => {
    await expect(
      sut(scripted([{ error: { status: 502, message: 'Bad Gateway' } }])).gateway.graphql(
        'query { viewer { login } }',
        {},
        1,
      ),
    ).rejects.toBeInstanceOf(TransientGithubError);
    const timeout = scripted([
      {
        status: 200,
        data: {
          data: null,
          errors: [
            {
              message: 'Something went wrong while executing your query. This may be the result of a timeout',
            },
          ],
        },
      },
    ]);
    await expect(sut(timeout).gateway.graphql('query { viewer { login } }', {}, 1)).rejects.toBeInstanceOf(
      TransientGithubError,
    );
    await expect(
      sut(scripted([{ error: { status: 401, message: 'Bad credentials' } }])).gateway.graphql(
        'query { viewer { login } }',
        {},
        1,
      ),
    ).rejects.toBeInstanceOf(CredentialRejectedError);
  });

  it('splits each query’s cost across its streams by their share of requests', async () => {
    const { gateway, meter } = sut(
      scripted([{ status: 200, data: { data: { rateLimit: { ...RATE, cost: 1 } } } }]),
    );
    await gateway.graphql('query { rateLimit { cost } }', {}, { commits: 101, pulls: 46, refs: 1 });
    expect(meter.pointsByStream['commits']).toBeCloseTo(101 / 148);
    expect(meter.pointsByStream['pulls']).toBeCloseTo(46 / 148);
  });

  // Bodies as GitHub sends them: octokit/plugin-throttling#848 (RATE_LIMITED), githubkit#271 (RATE_LIMIT /
  // graphql_rate_limit), GitHub's docs on SAML SSO (X-GitHub-SSO) and OAuth App access restrictions.
  const RESET = String(Math.floor(Date.parse('2099-01-01T00:00:00Z') / 1000));
  const GQL_RATE_LIMIT = {
    data: null,
    errors: [
      {
        type: 'RATE_LIMIT',
        code: 'graphql_rate_limit',
        message: 'API rate limit already exceeded for user ID 1.',
      },
    ],
  };

  it.each([
    [
      'RATE_LIMITED at 200',
      {
        status: 200,
        headers: { 'x-ratelimit-reset': RESET },
        data: {
          data: null,
          errors: [{ type: 'RATE_LIMITED', message: 'API rate limit exceeded for user ID 1.' }],
        },
      },
    ],
    [
      'RATE_LIMIT / graphql_rate_limit at 200',
      { status: 200, headers: { 'x-ratelimit-reset': RESET }, data: GQL_RATE_LIMIT },
    ],
    [
      'RATE_LIMIT / graphql_rate_limit at 403',
      {
        error: {
          status: 403,
          message: 'API rate limit already exceeded',
          headers: { 'x-ratelimit-reset': RESET },
          data: GQL_RATE_LIMIT,
        },
      },
    ],
    [
      'a primary 429 with remaining 0',
      {
        error: {
          status: 429,
          message: 'API rate limit exceeded',
          headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': RESET },
        },
      },
    ],
  ] as Array<[string, Reply]>)(
    'pauses until the reset on a GraphQL rate limit sent as %s, never reads it as a missing repository',
    async (_shape, reply) => {
      const { gateway } = sut(scripted([reply]));
      const err = await gateway.graphql('query { rateLimit { cost } }', {}, 1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RateLimitPausedError);
      expect((err as RateLimitPausedError).resumeAt.toISOString()).toBe('2099-01-01T00:00:00.000Z');
    },
  );

  it('waits out a 429 without Retry-After or a "secondary" message as a secondary limit', async () => {
    const sleeps: number[] = [];
    const client = scripted([
      { error: { status: 429, message: 'Too Many Requests' } },
      { status: 200, data: { data: { rateLimit: RATE } } },
    ]);
    await sut(client, { sleeps }).gateway.graphql('query { rateLimit { cost } }', {}, 1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(60_000);
  });

  it('reads a REST 403 with X-GitHub-SSO as an SSO block of that organization, with GitHub’s link', async () => {
    const url = 'https://github.com/orgs/acme/sso?authorization_request=AbC1';
    const client = scripted([
      {
        error: {
          status: 403,
          message: 'Resource protected by organization SAML enforcement.',
          headers: { 'x-github-sso': `required; url=${url}` },
        },
      },
    ]);
    const err = await sut(client)
      .gateway.getConditional('/repositories/1')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OrgPolicyBlockedError);
    expect((err as OrgPolicyBlockedError).blockFor('fallback')).toEqual({ kind: 'sso', org: 'acme', url });
  });

  it('reads the OAuth App restrictions 403 as a policy block naming the organization', async () => {
    const message =
      'Although you appear to have the correct authorization credentials, the `acme` organization has enabled OAuth App access restrictions, meaning that data access to third-parties is limited. For more information on these restrictions, including how to enable this app, visit https://docs.github.com/articles/restricting-access-to-your-organization-s-data/';
    const client = scripted([
      {
        error: { status: 403, message, data: { message, documentation_url: 'https://docs.github.com/rest' } },
      },
    ]);
    const err = await sut(client)
      .gateway.getConditional('/repositories/1')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OrgPolicyBlockedError);
    expect((err as OrgPolicyBlockedError).blockFor('x')).toEqual({
      kind: 'oauth_app_policy',
      org: 'acme',
      url: 'https://docs.github.com/articles/restricting-access-to-your-organization-s-data/',
    });
  });

  it('reads a GraphQL FORBIDDEN about OAuth App restrictions as a policy block, defaulting to GitHub’s docs link', async () => {
    const client = scripted([
      {
        error: {
          status: 403,
          message: 'forbidden',
          data: {
            data: null,
            errors: [
              {
                type: 'FORBIDDEN',
                message: 'the `acme` organization has enabled OAuth App access restrictions',
              },
            ],
          },
        },
      },
    ]);
    const err = await sut(client)
      .gateway.graphql('query { rateLimit { cost } }', {}, 1)
      .catch((e: unknown) => e);
    expect((err as OrgPolicyBlockedError).blockFor('x')).toEqual({
      kind: 'oauth_app_policy',
      org: 'acme',
      url: OAUTH_APP_POLICY_DOCS,
    });
  });

  it('answers a 200 with data: null and "Something went wrong … timeout" as a transient failure (smaller pages follow)', async () => {
    const client = scripted([
      {
        status: 200,
        data: {
          data: null,
          errors: [
            {
              message:
                'Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug.',
            },
          ],
        },
      },
    ]);
    await expect(sut(client).gateway.graphql('query { rateLimit { cost } }', {}, 1)).rejects.toBeInstanceOf(
      TransientGithubError,
    );
  });

  it('a plain 404 is returned as such (evidence the engine counts), not thrown', async () => {
    const client = scripted([
      {
        error: {
          status: 404,
          message: 'Not Found',
          headers: {
            'x-ratelimit-remaining': '4999',
            'x-ratelimit-limit': '5000',
            'x-ratelimit-reset': RESET,
          },
        },
      },
    ]);
    await expect(sut(client).gateway.getConditional('/repositories/1')).resolves.toEqual({
      status: 404,
      data: null,
    });
  });
});

describe(CredentialLimits.name, () => {
  /** Pacing alone: a store over a database never connected (budgets of a non-user credential stay in memory). */
  const store = () =>
    new GithubRateLimitService(
      new GithubRateLimitRepository(createSql<DB>(new DataSource({ type: 'postgres' }))),
      new MetricsService(),
      GITHUB_COM,
    );

  it('paces GraphQL points within a rolling minute under the configured cap', async () => {
    let now = 1_000_000;
    const spy = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const limits = new CredentialLimits(
        'not-a-user',
        { ...DEFAULT_LIMIT_SETTINGS, graphqlPointsPerMinute: 3 },
        store(),
      );
      const waits: number[] = [];
      const sleep = async (ms: number) => {
        waits.push(ms);
        now += ms;
      };
      for (let i = 0; i < 3; i++) await limits.graphqlMinute.take(1, sleep);
      expect(waits).toEqual([]);
      now += 10_000;
      await limits.graphqlMinute.take(1, sleep);
      expect(waits).toEqual([50_000]);
    } finally {
      spy.mockRestore();
    }
  });

  it('never lets more than the configured number of requests run at once', async () => {
    const limits = new CredentialLimits(
      'not-a-user',
      { ...DEFAULT_LIMIT_SETTINGS, maxConcurrent: 2 },
      store(),
    );
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        const release = await limits.slots.acquire();
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        release();
      }),
    );
    expect(peak).toBe(2);
  });
});
