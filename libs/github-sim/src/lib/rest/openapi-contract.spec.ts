import { readFileSync } from 'node:fs';
import type { components } from '@octokit/openapi-types';
import { createAppAuth } from '@octokit/auth-app';
import Ajv, { type ValidateFunction } from 'ajv';
import { client, control, missingKeys, requiredKeys, webhookReceiver } from '../../spec/helpers';
import { LiveMode } from '../live/live-mode';
import { startGithubSim } from '../server';
import type { GithubSimHandle } from '../sim.types';

type S = components['schemas'];

/**
 * Every REST body Trackeep reads must carry all the keys GitHub's OpenAPI description marks as required.
 * The required keys are read from the installed @octokit/openapi-types at test time, so updating that package
 * re-checks the simulator against GitHub's current description (the serializers are typed by it too).
 */
describe('REST responses against @octokit/openapi-types', () => {
  let sim: GithubSimHandle;
  let api: ReturnType<typeof client>;
  let hookId: number;

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small' });
    const token = sim.issueToken('octocat', ['repo', 'read:org', 'user', 'admin:repo_hook']);
    api = client(sim, token);
    const hook = await api.post<S['hook']>('/repos/octocat/Hello-World/hooks', {
      config: { url: 'http://127.0.0.1:9/unreachable', content_type: 'json' },
      events: ['push'],
    });
    hookId = hook.body.id;
    await api.post(`/repos/octocat/Hello-World/hooks/${hookId}/pings`);
  });
  afterAll(() => sim.stop());

  const cases: Array<[string, string, (body: unknown) => unknown]> = [
    ['private-user', '/user', (b) => b],
    ['email', '/user/emails', (b) => (b as unknown[])[0]],
    ['organization-simple', '/user/orgs', (b) => (b as unknown[])[0]],
    ['repository', '/user/repos', (b) => (b as unknown[])[0]],
    ['simple-user', '/user/repos', (b) => (b as S['repository'][])[0]?.owner],
    ['full-repository', '/repos/octocat/Hello-World', (b) => b],
    [
      'nullable-license-simple',
      '/repos/octocat/Hello-World',
      (b) =>
        (b as S['full-repository']).license ?? { key: '', name: '', url: null, spdx_id: null, node_id: '' },
    ],
    ['minimal-repository', '/orgs/acme-corp/repos', (b) => (b as unknown[])[0]],
    ['commit', '/repos/octocat/Hello-World/commits?per_page=3', (b) => (b as unknown[])[0]],
    ['commit', '/repos/octocat/Hello-World/commits/main', (b) => b],
    ['diff-entry', '/repos/octocat/Hello-World/commits/main', (b) => (b as S['commit']).files?.[0]],
    [
      'verification',
      '/repos/octocat/Hello-World/commits/main',
      (b) => (b as S['commit']).commit.verification,
    ],
    ['pull-request-simple', '/repos/octocat/Hello-World/pulls?state=all', (b) => (b as unknown[])[0]],
    ['pull-request', '/repos/octocat/Hello-World/pulls/1', (b) => b],
    ['short-branch', '/repos/octocat/Hello-World/branches', (b) => (b as unknown[])[0]],
    ['branch-with-protection', '/repos/octocat/Hello-World/branches/main', (b) => b],
    ['event', '/repos/octocat/Hello-World/events', (b) => (b as unknown[])[0]],
    ['actor', '/repos/octocat/Hello-World/events', (b) => (b as S['event'][])[0]?.actor],
    ['issue', '/repos/octocat/Hello-World/issues?state=all', (b) => (b as unknown[])[0]],
    [
      'label',
      '/repos/octocat/Hello-World/pulls/1',
      (b) =>
        (b as S['pull-request']).labels[0] ?? {
          id: 0,
          node_id: '',
          url: '',
          name: '',
          description: null,
          color: '',
          default: false,
        },
    ],
    ['team-membership', '/orgs/acme-corp/teams/core/memberships/octocat', (b) => b],
    ['team', '/orgs/acme-corp/teams', (b) => (b as unknown[])[0]],
    ['team-full', '/orgs/acme-corp/teams/core', (b) => b],
    ['simple-user', '/orgs/acme-corp/teams/core/members', (b) => (b as unknown[])[0]],
    ['minimal-repository', '/orgs/acme-corp/teams/core/repos', (b) => (b as unknown[])[0]],
    ['org-membership', '/user/memberships/orgs/acme-corp', (b) => b],
    ['rate-limit-overview', '/rate_limit', (b) => b],
    ['rate-limit', '/rate_limit', (b) => (b as S['rate-limit-overview']).resources.core],
    ['hook', '/repos/octocat/Hello-World/hooks', (b) => (b as unknown[])[0]],
    ['stargazer', '/repos/octocat/Hello-World/stargazers', (b) => (b as unknown[])[0]],
  ];

  it.each(cases)('%s from GET %s has every required key', async (schema, path, pick) => {
    const headers: Record<string, string> = path.endsWith('stargazers')
      ? { accept: 'application/vnd.github.star+json' }
      : {};
    const res = await api.get(path, headers);
    expect(res.status).toBe(200);
    const obj = pick(res.body);
    expect(obj).toBeDefined();
    expect(missingKeys(obj, requiredKeys(schema))).toEqual([]);
  });

  it('pull request reviews have every required key', async () => {
    const pulls = (
      await api.get<S['pull-request-simple'][]>('/repos/octocat/Hello-World/pulls?state=all&per_page=100')
    ).body;
    let checked = 0;
    for (const p of pulls) {
      const reviews = (
        await api.get<S['pull-request-review'][]>(`/repos/octocat/Hello-World/pulls/${p.number}/reviews`)
      ).body;
      for (const r of reviews) {
        expect(missingKeys(r, requiredKeys('pull-request-review'))).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('hook deliveries have every required key', async () => {
    const list = await api.get<S['hook-delivery-item'][]>(
      `/repos/octocat/Hello-World/hooks/${hookId}/deliveries`,
    );
    expect(list.body.length).toBeGreaterThan(0);
    expect(missingKeys(list.body[0], requiredKeys('hook-delivery-item'))).toEqual([]);
    const one = await api.get(`/repos/octocat/Hello-World/hooks/${hookId}/deliveries/${list.body[0]!.id}`);
    expect(missingKeys(one.body, requiredKeys('hook-delivery'))).toEqual([]);
  });

  it('reads required keys from the OpenAPI types (the check itself can fail)', () => {
    expect(requiredKeys('simple-user')).toEqual(
      expect.arrayContaining(['login', 'id', 'node_id', 'avatar_url', 'type', 'site_admin']),
    );
    expect(requiredKeys('simple-user')).not.toContain('email');
    expect(missingKeys({ login: 'x' }, requiredKeys('simple-user'))).toContain('node_id');
  });
});

/**
 * GitHub's OpenAPI description (@octokit/openapi, the JSON the openapi-types are generated from), checked with Ajv:
 * every REST answer Trackeep relies on against its operation's documented response schema (status included), and
 * every webhook the simulator delivers against the `x-webhooks` schema of its event and action.
 */
describe('the simulator against @octokit/openapi (Ajv)', () => {
  type Doc = {
    paths: Record<
      string,
      Record<
        string,
        { responses: Record<string, { $ref?: string; content?: Record<string, { schema?: unknown }> }> }
      >
    >;
    'x-webhooks': Record<
      string,
      { post: { requestBody: { content: Record<string, { schema: { $ref: string } }> } } }
    >;
    components: { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> };
  };
  const doc = JSON.parse(
    readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8'),
  ) as Doc;
  const ajv = new Ajv({ strict: false, allErrors: true });
  // The formats GitHub's schemas use (ajv-formats is not a direct dependency).
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/);
  ajv.addFormat('date', /^\d{4}-\d\d-\d\d$/);
  // GitHub sends "" for an unset URL where its schema says `default: ""` (a deployment status's target_url).
  ajv.addFormat('uri', (v: string) => v === '' || URL.canParse(v));
  ajv.addFormat('uri-template', (v: string) => URL.canParse(v.replace(/\{[^}]*\}/g, 'x')));
  ajv.addFormat('email', /^[^\s@]+@[^\s@]+$/);
  // Integer widths: the JSON number is already checked by `type`.
  ajv.addFormat('int32', true);
  ajv.addFormat('int64', true);
  // OpenAPI 3.0 puts `nullable` next to allOf/anyOf/$ref too; Ajv only accepts it next to `type`.
  const nullables = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(nullables);
    if (!node || typeof node !== 'object') return node;
    const o = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, nullables(v)]));
    // `nullable` next to an `enum` that lists no null (e.g. workflow_run.in_progress's conclusion, null while a
    // run is in progress, as GitHub sends it): the value may still be null.
    // `nullable: true` admits null even next to an `enum` that does not list it (an open issue's state_reason).
    if (o['nullable'] === true && Array.isArray(o['enum']) && !o['enum'].includes(null))
      o['enum'] = [...(o['enum'] as unknown[]), null];
    if (o['nullable'] === true && !('type' in o)) {
      const { nullable: _n, ...rest } = o;
      return { anyOf: [rest, { type: 'null' }] };
    }
    return o;
  };
  ajv.addSchema(nullables(doc) as object, 'gh');
  const pointer = (...parts: string[]) =>
    parts.map((p) => encodeURIComponent(p.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
  const compiled = new Map<string, ValidateFunction>();

  /** The validator of a documented response, or a reason why there is none. */
  function responseValidator(
    method: string,
    template: string,
    status: number,
  ): ValidateFunction | 'no body' | string {
    const op = doc.paths[template]?.[method.toLowerCase()];
    if (!op) return `${method} ${template} is not in GitHub's description`;
    const resp = op.responses[String(status)];
    if (!resp)
      return `${method} ${template} does not document ${status} (documents ${Object.keys(op.responses).join(', ')})`;
    let ref = `gh#/${pointer('paths', template, method.toLowerCase(), 'responses', String(status))}`;
    let content = resp.content;
    if (resp.$ref) {
      const name = resp.$ref.replace('#/components/responses/', '');
      ref = `gh#/${pointer('components', 'responses', name)}`;
      content = doc.components.responses[name]?.content;
    }
    if (!content?.['application/json']?.schema) return 'no body';
    const key = `${ref}/content/application~1json/schema`;
    if (!compiled.has(key)) compiled.set(key, ajv.compile({ $ref: key }));
    return compiled.get(key) as ValidateFunction;
  }

  function webhookValidator(event: string, action: string | null): ValidateFunction | string {
    const base = event.replace(/_/g, '-');
    const name =
      action && doc['x-webhooks'][`${base}-${action.replace(/_/g, '-')}`]
        ? `${base}-${action.replace(/_/g, '-')}`
        : base;
    const hook = doc['x-webhooks'][name];
    if (!hook) return `no x-webhooks entry for ${event}${action ? `.${action}` : ''}`;
    const ref = `gh#${hook.post.requestBody.content['application/json']!.schema.$ref.slice(1)}`;
    if (!compiled.has(ref)) compiled.set(ref, ajv.compile({ $ref: ref }));
    return compiled.get(ref) as ValidateFunction;
  }

  const problems = (v: ValidateFunction) =>
    (v.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);

  let sim: GithubSimHandle;
  let api: ReturnType<typeof client>;
  let receiver: Awaited<ReturnType<typeof webhookReceiver>>;
  let repoId: number;

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small', sizes: { commitsPerRepo: 40 } });
    api = client(sim, sim.issueToken('octocat', ['repo', 'read:org', 'user', 'admin:repo_hook']));
    receiver = await webhookReceiver();
    repoId = (await api.get<{ id: number }>('/repos/acme-corp/web-console')).body.id;
  });
  afterAll(async () => {
    await sim.stop();
    await receiver.close();
  });

  let hookId = 0;
  /** The hook's first recorded delivery (its ping). */
  const hookDelivery = () => {
    const d = sim.world.deliveries.find((x) => x.hookId === hookId);
    if (!d) throw new Error(`hook ${hookId} has no delivery`);
    return d;
  };
  const webConsole = () => sim.world.repo('acme-corp', 'web-console')!;
  const mergedPull = () =>
    sim.world.detail(sim.world.repo('acme-corp', 'web-console')!).pulls.find((p) => p.mergedAt)!;
  // [what, method, documented path, request path, body?, expected status, setup?]
  type Case = [string, string, string, () => string, unknown, number, (() => Promise<void> | void)?];
  const R = '/repos/{owner}/{repo}';
  const cases: Case[] = [
    ['the signed-in user', 'GET', '/user', () => '/user', undefined, 200],
    [
      'the repository picker',
      'GET',
      '/user/repos',
      () =>
        '/user/repos?per_page=100&affiliation=owner,collaborator,organization_member&sort=full_name&direction=asc',
      undefined,
      200,
    ],
    ['a repository', 'GET', R, () => '/repos/acme-corp/web-console', undefined, 200],
    // GET /repositories/{id} is not in the description; GitHub answers it with the full repository.
    ['a repository by id', 'GET', R, () => `/repositories/${repoId}`, undefined, 200],
    ['the rate limits', 'GET', '/rate_limit', () => '/rate_limit', undefined, 200],
    // Read by an owner: with the fields GitHub shows owners only.
    ['an organization', 'GET', '/orgs/{org}', () => '/orgs/acme-corp', undefined, 200],
    ['a new hook', 'POST', `${R}/hooks`, () => '/repos/acme-corp/web-console/hooks', 'HOOK', 201],
    ['the hooks', 'GET', `${R}/hooks`, () => '/repos/acme-corp/web-console/hooks', undefined, 200],
    [
      'a hook',
      'GET',
      `${R}/hooks/{hook_id}`,
      () => `/repos/acme-corp/web-console/hooks/${hookId}`,
      undefined,
      200,
    ],
    [
      'an updated hook',
      'PATCH',
      `${R}/hooks/{hook_id}`,
      () => `/repos/acme-corp/web-console/hooks/${hookId}`,
      { active: true, add_events: ['pull_request'] },
      200,
    ],
    [
      'a ping',
      'POST',
      `${R}/hooks/{hook_id}/pings`,
      () => `/repos/acme-corp/web-console/hooks/${hookId}/pings`,
      {},
      204,
    ],
    [
      'commits',
      'GET',
      `${R}/commits`,
      () => '/repos/acme-corp/web-console/commits?per_page=5',
      undefined,
      200,
    ],
    [
      'a commit',
      'GET',
      `${R}/commits/{ref}`,
      () => '/repos/acme-corp/web-console/commits/main',
      undefined,
      200,
    ],
    [
      'pull requests',
      'GET',
      `${R}/pulls`,
      () => '/repos/acme-corp/web-console/pulls?state=all&per_page=10',
      undefined,
      200,
    ],
    [
      'a pull request',
      'GET',
      `${R}/pulls/{pull_number}`,
      () => '/repos/acme-corp/web-console/pulls/1',
      undefined,
      200,
    ],
    [
      "a merged pull request's commits",
      'GET',
      `${R}/pulls/{pull_number}/commits`,
      () => `/repos/acme-corp/web-console/pulls/${mergedPull().number}/commits`,
      undefined,
      200,
      () => {
        // Not an empty list: a merged pull request keeps its commits, as on GitHub.
        const p = mergedPull();
        const graph = sim.world.graph(sim.world.repo('acme-corp', 'web-console')!);
        expect(graph.ownCommits(p.headSha, p.baseSha).length).toBe(p.commits);
      },
    ],
    ['branches', 'GET', `${R}/branches`, () => '/repos/acme-corp/web-console/branches', undefined, 200],
    [
      'a branch',
      'GET',
      `${R}/branches/{branch}`,
      () => '/repos/acme-corp/web-console/branches/main',
      undefined,
      200,
    ],
    [
      'a diverged comparison (a side branch force-pushed onto an older commit)',
      'GET',
      `${R}/compare/{basehead}`,
      () => `/repos/acme-corp/web-console/compare/${webConsole().defaultBranch}...contract-side`,
      undefined,
      200,
      async () => {
        const ref = { owner: 'acme-corp', repo: 'web-console', branch: 'contract-side' };
        const graph = sim.world.graph(webConsole());
        const main = sim.world.detail(webConsole()).branches.get(webConsole().defaultBranch)!.tip;
        await sim.world.pushCommits({ ...ref, commits: 2 });
        const side = await sim.world.pushCommits({
          ...ref,
          onto: graph.get(main)!.parents[0],
          commits: 3,
          force: true,
        });
        // Both sides have commits of their own, so the answer lists commits and files.
        expect([graph.countNotIn(side.after, main), graph.countNotIn(main, side.after)]).toEqual([3, 1]);
      },
    ],
    [
      'a comparison with a commit GitHub does not have',
      'GET',
      `${R}/compare/{basehead}`,
      () => `/repos/acme-corp/web-console/compare/${webConsole().defaultBranch}...${'0'.repeat(39)}1`,
      undefined,
      404,
    ],
    ['a missing repository', 'GET', R, () => '/repos/acme-corp/no-such-repo', undefined, 404],
    [
      'a bad hook',
      'POST',
      `${R}/hooks`,
      () => '/repos/acme-corp/web-console/hooks',
      { config: { url: 'ftp://x' } },
      422,
    ],
    [
      'a missing hook',
      'PATCH',
      `${R}/hooks/{hook_id}`,
      () => '/repos/acme-corp/web-console/hooks/999999',
      { active: true },
      404,
    ],
    [
      'an SSO-protected repository',
      'GET',
      R,
      () => '/repos/acme-corp/web-console',
      undefined,
      403,
      () => sim.setFaults({ sso: { org: 'acme-corp' } }),
    ],
    [
      'an SSO-protected hook list',
      'POST',
      `${R}/hooks`,
      () => '/repos/acme-corp/web-console/hooks',
      'HOOK',
      403,
      () => sim.setFaults({ sso: { org: 'acme-corp' } }),
    ],
    [
      'an OAuth-App-restricted repository',
      'GET',
      R,
      () => '/repos/acme-corp/web-console',
      undefined,
      403,
      () => sim.setFaults({ oauthAppPolicy: { org: 'acme-corp' } }),
    ],
    [
      'a repository hidden by notFound',
      'GET',
      R,
      () => '/repos/acme-corp/web-console',
      undefined,
      404,
      () => sim.setFaults({ notFound: { repos: ['acme-corp/web-console'] } }),
    ],
    [
      "a hook's delivery log",
      'GET',
      `${R}/hooks/{hook_id}/deliveries`,
      () => `/repos/acme-corp/web-console/hooks/${hookId}/deliveries?per_page=1`,
      undefined,
      200,
    ],
    [
      'a redelivery',
      'POST',
      `${R}/hooks/{hook_id}/deliveries/{delivery_id}/attempts`,
      () => `/repos/acme-corp/web-console/hooks/${hookId}/deliveries/${hookDelivery().id}/attempts`,
      {},
      202,
    ],
    [
      "a redelivery past GitHub's 3-day window",
      'POST',
      `${R}/hooks/{hook_id}/deliveries/{delivery_id}/attempts`,
      () => `/repos/acme-corp/web-console/hooks/${hookId}/deliveries/${hookDelivery().id}/attempts`,
      {},
      422,
      () => {
        hookDelivery().deliveredAt -= 3 * 24 * 3600_000 + 60_000;
      },
    ],
    [
      'a removed hook',
      'DELETE',
      `${R}/hooks/{hook_id}`,
      () => `/repos/acme-corp/web-console/hooks/${hookId}`,
      undefined,
      204,
    ],
  ];

  it.each(cases)('%s: %s %s matches the documented response', async (...c: Case) => {
    const [, method, template, path, body, status, setup] = c;
    await setup?.();
    try {
      const payload =
        body === 'HOOK'
          ? { config: { url: receiver.url, content_type: 'json', secret: 's3cret' }, events: ['*'] }
          : body;
      const res = await api.call<unknown>(method, path(), payload);
      expect(res.status).toBe(status);
      if (method === 'POST' && status === 201) hookId = (res.body as { id: number }).id;
      const v = responseValidator(method, template, status);
      if (v === 'no body') return expect(res.text).toBe('');
      if (typeof v === 'string') throw new Error(v);
      expect([v(res.body), problems(v)]).toEqual([true, []]);
    } finally {
      sim.setFaults({});
    }
  });

  it('the checks can fail (a body missing a required key or with a wrong type is rejected)', async () => {
    const v = responseValidator('GET', '/repos/{owner}/{repo}/hooks/{hook_id}', 200);
    if (typeof v === 'string') throw new Error(v);
    const hook = (await api.get<Record<string, unknown>>('/repos/octocat/Hello-World/hooks')).body;
    expect(v({ ...(Array.isArray(hook) ? hook[0] : {}), id: 'x' })).toBe(false);
    expect(v({})).toBe(false);
    const w = webhookValidator('pull_request', 'opened');
    if (typeof w === 'string') throw new Error(w);
    expect(w({ action: 'opened' })).toBe(false);
  });

  it('a moved repository answers the documented 301 (GET) and the documented redirect shape for writes', async () => {
    await control(sim).post('/repos/octocat/Spoon-Knife/rename', { name: 'Spoon-Fork-2' });
    const get = await api.get('/repos/octocat/Spoon-Knife');
    expect(get.status).toBe(301);
    const v301 = responseValidator('GET', R, 301);
    if (typeof v301 === 'string') throw new Error(v301);
    expect([v301(get.body), problems(v301)]).toEqual([true, []]);
    const post = await api.post('/repos/octocat/Spoon-Knife/hooks', {
      config: { url: 'http://127.0.0.1:9/x' },
    });
    expect(post.status).toBe(307);
    // POST /hooks does not document a 307; GitHub's shared `temporary_redirect` response is the shape it sends.
    const v307 = ajv.compile({
      $ref: `gh#/${pointer('components', 'responses', 'temporary_redirect')}/content/application~1json/schema`,
    });
    expect([v307(post.body), problems(v307)]).toEqual([true, []]);
  });

  it('stargazers with their dates and forks match the documented responses', async () => {
    const ctl = control(sim);
    await ctl.post('/repos/octocat/Hello-World/forks', { login: 'monalisa' });
    await ctl.put('/repos/octocat/Hello-World/stars/monalisa');
    const cases: Array<[string, Record<string, string>, (body: unknown[]) => void]> = [
      [
        '/repos/octocat/Hello-World/stargazers?per_page=5',
        { accept: 'application/vnd.github.star+json' },
        (b) => expect(b[0]).toEqual({ starred_at: expect.any(String), user: expect.any(Object) }),
      ],
      [
        '/repos/octocat/Hello-World/stargazers?per_page=5',
        {},
        (b) => expect(b[0]).toMatchObject({ login: expect.any(String), type: 'User' }),
      ],
      [
        '/repos/octocat/Hello-World/forks?sort=newest&per_page=5',
        {},
        (b) => expect(b[0]).toMatchObject({ full_name: 'monalisa/Hello-World', fork: true }),
      ],
    ];
    for (const [path, headers, shape] of cases) {
      const res = await api.get<unknown[]>(path, headers);
      expect(res.status).toBe(200);
      shape(res.body);
      const v = responseValidator(
        'GET',
        path.split('?')[0]!.replace(/^\/repos\/octocat\/Hello-World/, R),
        200,
      );
      if (typeof v === 'string') throw new Error(v);
      expect([path, v(res.body), problems(v)]).toEqual([path, true, []]);
    }
  });

  it('deployments and their statuses, listed, read and created, match the documented responses', async () => {
    const repo = '/repos/acme-corp/web-console';
    const created = await api.post<{ id: number; sha: string; node_id: string }>(`${repo}/deployments`, {
      ref: 'main',
      environment: 'production',
      description: 'Contract',
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const status = await api.post<{ id: number; state: string }>(`${repo}/deployments/${id}/statuses`, {
      state: 'success',
      environment_url: 'https://web-console.example.com',
    });
    expect(status.status).toBe(201);
    // A status may move a deployment to another environment (original_environment keeps the first).
    const movable = (await api.post<{ id: number }>(`${repo}/deployments`, { ref: 'main' })).body.id;
    const cases: Array<[string, string, string, unknown, number]> = [
      ['POST', `${R}/deployments`, `${repo}/deployments`, { ref: 'main' }, 201],
      ['GET', `${R}/deployments`, `${repo}/deployments?environment=production&per_page=5`, undefined, 200],
      ['GET', `${R}/deployments/{deployment_id}`, `${repo}/deployments/${id}`, undefined, 200],
      [
        'GET',
        `${R}/deployments/{deployment_id}/statuses`,
        `${repo}/deployments/${id}/statuses`,
        undefined,
        200,
      ],
      [
        'GET',
        `${R}/deployments/{deployment_id}/statuses/{status_id}`,
        `${repo}/deployments/${id}/statuses/${status.body.id}`,
        undefined,
        200,
      ],
      [
        'POST',
        `${R}/deployments/{deployment_id}/statuses`,
        `${repo}/deployments/${id}/statuses`,
        { state: 'inactive' },
        201,
      ],
      ['POST', `${R}/deployments`, `${repo}/deployments`, {}, 422],
      [
        'POST',
        `${R}/deployments/{deployment_id}/statuses`,
        `${repo}/deployments/${id}/statuses`,
        { state: 'done' },
        422,
      ],
      [
        'POST',
        `${R}/deployments`,
        `${repo}/deployments`,
        { ref: 'main', environment: 'pr-7', payload: { pr: 7 }, transient_environment: true },
        201,
      ],
      ['POST', `${R}/deployments`, `${repo}/deployments`, { ref: 'main', payload: '{"pr":8}' }, 201],
      ['POST', `${R}/deployments`, `${repo}/deployments`, { ref: 'main', payload: [7] }, 422],
      [
        'POST',
        `${R}/deployments/{deployment_id}/statuses`,
        `${repo}/deployments/${movable}/statuses`,
        { state: 'success', environment: 'production-eu', log_url: 'https://ci.example.com/1' },
        201,
      ],
      ['GET', `${R}/deployments/{deployment_id}`, `${repo}/deployments/${movable}`, undefined, 200],
      [
        'POST',
        `${R}/deployments/{deployment_id}/statuses`,
        `${repo}/deployments/${movable}/statuses`,
        { description: 'no state' },
        422,
      ],
    ];
    for (const [method, template, path, body, want] of cases) {
      const res = method === 'GET' ? await api.get<unknown>(path) : await api.post<unknown>(path, body);
      expect([method, path, res.status]).toEqual([method, path, want]);
      const v = responseValidator(method, template, want);
      if (typeof v === 'string') throw new Error(v);
      expect([path, v(res.body), problems(v)]).toEqual([path, true, []]);
    }
    const old = await control(sim).post<{ id: number }>('/repos/acme-corp/web-console/deployments', {
      at: '2020-01-01T00:00:00Z',
    });
    expect(old.status).toBe(201);
    const listed = await api.get<Array<{ id: number; created_at: string }>>(
      `${repo}/deployments?per_page=100`,
    );
    // Newest first, as GitHub lists them, whatever the ids.
    const times = listed.body.map((d) => d.created_at);
    expect(times).toEqual([...times].sort().reverse());
    expect(listed.body[listed.body.length - 1]).toMatchObject({
      id: old.body.id,
      created_at: '2020-01-01T00:00:00Z',
    });
    const read = await api.get<Array<{ state: string }>>(`${repo}/deployments/${id}/statuses`);
    expect(read.body.map((x) => x.state)).toEqual(['inactive', 'success']);
    // A token without `repo` or `repo_deployment` cannot create one (GitHub hides the write behind 404).
    const narrow = client(sim, sim.issueToken('octocat', ['read:org']));
    expect((await narrow.post(`${repo}/deployments`, { ref: 'main' })).status).toBe(404);
  });

  it('releases, listed newest first and read one by one, match the documented responses', async () => {
    const repo = '/repos/acme-corp/web-console';
    const made = await control(sim).post<{ id: number; sha: string }>(`${repo}/releases`, {
      tag: 'v0.0.1-contract',
      prerelease: true,
    });
    expect(made.status).toBe(201);
    const bad = await control(sim).post(`${repo}/releases`, { tag: 'v0.0.1-contract' });
    expect(bad.status).toBe(422);
    for (const [template, path] of [
      [`${R}/releases`, `${repo}/releases?per_page=5`],
      [`${R}/releases/{release_id}`, `${repo}/releases/${made.body.id}`],
    ] as const) {
      const res = await api.get<unknown>(path);
      expect([path, res.status]).toEqual([path, 200]);
      const v = responseValidator('GET', template, 200);
      if (typeof v === 'string') throw new Error(v);
      expect([path, v(res.body), problems(v)]).toEqual([path, true, []]);
    }
    const listed = await api.get<Array<{ id: number; tag_name: string; prerelease: boolean }>>(
      `${repo}/releases`,
    );
    expect(listed.body[0]).toMatchObject({ id: made.body.id, tag_name: 'v0.0.1-contract', prerelease: true });
    expect((await api.get(`${repo}/releases/1`)).status).toBe(404);
  });

  it('workflows and workflow runs, listed, filtered and read, match the documented responses', async () => {
    const repo = '/repos/octocat/Hello-World';
    const all = await api.get<{
      total_count: number;
      workflow_runs: Array<{ id: number; head_sha: string }>;
    }>(`${repo}/actions/runs?per_page=5`);
    expect(all.status).toBe(200);
    expect(all.body.workflow_runs.length).toBe(5);
    const first = all.body.workflow_runs[0] as { id: number; head_sha: string };
    const wfs = await api.get<{ workflows: Array<{ id: number; path: string }> }>(
      `${repo}/actions/workflows`,
    );
    const ci = wfs.body.workflows[0] as { id: number; path: string };
    const cases: Array<[string, string, number]> = [
      [`${R}/actions/runs`, `${repo}/actions/runs?per_page=5`, 200],
      [`${R}/actions/runs`, `${repo}/actions/runs?branch=main&created=>=2020-01-01&per_page=100`, 200],
      [
        `${R}/actions/runs`,
        `${repo}/actions/runs?event=pull_request&status=completed&exclude_pull_requests=true`,
        200,
      ],
      [`${R}/actions/runs`, `${repo}/actions/runs?head_sha=${first.head_sha}`, 200],
      [`${R}/actions/runs/{run_id}`, `${repo}/actions/runs/${first.id}`, 200],
      [`${R}/actions/workflows`, `${repo}/actions/workflows`, 200],
      [`${R}/actions/workflows/{workflow_id}`, `${repo}/actions/workflows/${ci.id}`, 200],
      [`${R}/actions/workflows/{workflow_id}`, `${repo}/actions/workflows/ci.yml`, 200],
      [`${R}/actions/workflows/{workflow_id}/runs`, `${repo}/actions/workflows/ci.yml/runs?per_page=3`, 200],
    ];
    for (const [template, path, want] of cases) {
      const res = await api.get<unknown>(path);
      expect([path, res.status]).toEqual([path, want]);
      const v = responseValidator('GET', template, want);
      if (typeof v === 'string') throw new Error(v);
      expect([path, v(res.body), problems(v)]).toEqual([path, true, []]);
    }
    // The list documents no error answers: the 404 is GitHub's basic-error, the 422 its validation-error.
    const shapes: Array<[string, number, string]> = [
      [`${repo}/actions/runs/1`, 404, 'basic-error'],
      [`${repo}/actions/workflows/nope.yml`, 404, 'basic-error'],
      [`${repo}/actions/runs?created=yesterday`, 422, 'validation-error'],
      [`${repo}/actions/runs?created=>=2026-13-01`, 422, 'validation-error'],
      [`${repo}/actions/runs?per_page=abc`, 422, 'validation-error'],
    ];
    for (const [path, want, schema] of shapes) {
      const res = await api.get<unknown>(path);
      expect([path, res.status]).toEqual([path, want]);
      const v = ajv.compile({ $ref: `gh#/${pointer('components', 'schemas', schema)}` });
      expect([path, v(res.body), problems(v)]).toEqual([path, true, []]);
    }
    // A run made by the control action is answered in the same shape.
    const made = await control(sim).post<{ id: number; status: string; conclusion: string }>(
      `${repo}/workflow-runs`,
      { conclusion: 'cancelled' },
    );
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    const v = responseValidator('GET', `${R}/actions/runs/{run_id}`, 200);
    if (typeof v === 'string') throw new Error(v);
    expect([v(made.body), problems(v)]).toEqual([true, []]);
  });

  it('issues with their assignees, read one by one and assigned through REST, match the documented responses', async () => {
    const repo = '/repos/acme-corp/web-console';
    const made = await control(sim).post<{ number: number }>(`${repo}/issues`, {
      title: 'Contract',
      labels: ['incident'],
    });
    const n = made.body.number;
    const closed = sim.world
      .detail(sim.world.requireRepo({ owner: 'acme-corp', repo: 'web-console' }))
      .issues.find((i) => i.state === 'closed')?.number;
    const someone = [...(sim.world.org('acme-corp')?.members.keys() ?? [])]
      .map((id) => sim.world.users.get(id)?.login as string)
      .find((l) => l !== 'octocat') as string;
    const cases: Array<[string, string, string, unknown, number]> = [
      [
        'POST',
        `${R}/issues/{issue_number}/assignees`,
        `${repo}/issues/${n}/assignees`,
        { assignees: [someone, 'octocat'] },
        201,
      ],
      ['GET', `${R}/issues`, `${repo}/issues?state=all&assignee=*&per_page=20`, undefined, 200],
      ['GET', `${R}/issues/{issue_number}`, `${repo}/issues/${n}`, undefined, 200],
      ['GET', `${R}/issues/{issue_number}`, `${repo}/issues/1`, undefined, 200],
      ['GET', `${R}/issues/{issue_number}`, `${repo}/issues/${closed}`, undefined, 200],
      ['GET', `${R}/issues/{issue_number}`, `${repo}/issues/99999`, undefined, 404],
      [
        'DELETE',
        `${R}/issues/{issue_number}/assignees`,
        `${repo}/issues/${n}/assignees`,
        { assignees: ['octocat'] },
        200,
      ],
    ];
    for (const [method, template, path, body, want] of cases) {
      const res = await api.call<unknown>(method, path, body);
      expect([method, path, res.status]).toEqual([method, path, want]);
      const v = responseValidator(method, template, want);
      if (typeof v === 'string') throw new Error(v);
      expect([path, v(res.body), problems(v)]).toEqual([path, true, []]);
    }
    const one = await api.get<{ assignees: Array<{ login: string }>; labels: Array<{ name: string }> }>(
      `${repo}/issues/${n}`,
    );
    expect(one.body.assignees.map((u) => u.login)).toEqual([someone]);
    expect(one.body.labels.map((l) => l.name)).toEqual(['incident']);
    const listed = await api.get<Array<{ assignees: unknown[] }>>(
      `${repo}/issues?state=all&assignee=*&per_page=20`,
    );
    expect(listed.body.length).toBeGreaterThan(0);
    expect(listed.body.every((i) => i.assignees.length > 0)).toBe(true);
  });

  it('tags and git refs, listed, read, created and deleted, match the documented responses', async () => {
    const repo = '/repos/acme-corp/web-console';
    const sha = (await api.get<{ commit: { sha: string } }>(`${repo}/branches/main`)).body.commit.sha;
    await control(sim).post(`${repo}/tags`, { name: 'v0.1.0-contract', message: 'Contract' });
    const cases: Array<[string, string, string, unknown, number]> = [
      ['POST', `${R}/git/refs`, `${repo}/git/refs`, { ref: 'refs/tags/contract-1', sha }, 201],
      ['POST', `${R}/git/refs`, `${repo}/git/refs`, { ref: 'refs/tags/contract-1', sha }, 422],
      ['POST', `${R}/git/refs`, `${repo}/git/refs`, { ref: 'refs/heads/contract-branch', sha }, 201],
      ['GET', `${R}/tags`, `${repo}/tags?per_page=5`, undefined, 200],
      ['GET', `${R}/git/matching-refs/{ref}`, `${repo}/git/matching-refs/tags`, undefined, 200],
      ['GET', `${R}/git/matching-refs/{ref}`, `${repo}/git/matching-refs/heads/contract`, undefined, 200],
      ['GET', `${R}/git/ref/{ref}`, `${repo}/git/ref/tags/contract-1`, undefined, 200],
      ['GET', `${R}/git/ref/{ref}`, `${repo}/git/ref/tags/v0.1.0-contract`, undefined, 200],
      ['GET', `${R}/git/ref/{ref}`, `${repo}/git/ref/tags/no-such-tag`, undefined, 404],
      // The older GET git/refs/{ref} is not in the description; an exact name answers what git/ref/{ref} does.
      ['GET', `${R}/git/ref/{ref}`, `${repo}/git/refs/tags/contract-1`, undefined, 200],
      ['DELETE', `${R}/git/refs/{ref}`, `${repo}/git/refs/tags/contract-1`, undefined, 204],
      ['DELETE', `${R}/git/refs/{ref}`, `${repo}/git/refs/tags/contract-1`, undefined, 422],
      ['DELETE', `${R}/git/refs/{ref}`, `${repo}/git/refs/heads/contract-branch`, undefined, 204],
    ];
    for (const [method, template, path, body, want] of cases) {
      const res = await api.call<unknown>(method, path, body);
      expect([method, path, res.status]).toEqual([method, path, want]);
      const v = responseValidator(method, template, want);
      if (v === 'no body') {
        // The DELETE's 422 is documented without a schema; GitHub still says why in its usual error body.
        if (want < 300) expect(res.text).toBe('');
        else expect(res.body).toMatchObject({ message: 'Reference does not exist' });
        continue;
      }
      if (typeof v === 'string') throw new Error(v);
      expect([path, v(res.body), problems(v)]).toEqual([path, true, []]);
    }
    const annotated = await api.get<{ object: { type: string; sha: string } }>(
      `${repo}/git/ref/tags/v0.1.0-contract`,
    );
    expect(annotated.body.object.type).toBe('tag');
    const object = await api.get<unknown>(`${repo}/git/tags/${annotated.body.object.sha}`);
    const v = responseValidator('GET', `${R}/git/tags/{tag_sha}`, 200);
    if (typeof v === 'string') throw new Error(v);
    expect([object.status, v(object.body), problems(v)]).toEqual([200, true, []]);
    const listed = await api.get<Array<{ name: string }>>(`${repo}/tags`);
    expect(listed.body.map((t) => t.name)).toContain('v0.1.0-contract');
  });

  // A push that would drop commits without `force` is refused as GitHub's refs API refuses it (PATCH git/refs).
  it('a push that is not a fast-forward is refused with the documented 422 of a ref update', async () => {
    const repo = '/repos/acme-corp/web-console';
    const ctl = control(sim);
    await ctl.post(`${repo}/push`, { branch: 'contract-no-ff', commits: 2 });
    const main = webConsole().defaultBranch;
    const res = await ctl.post<unknown>(`${repo}/push`, { branch: 'contract-no-ff', commits: 1, onto: main });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ message: 'Update is not a fast forward' });
    const v = responseValidator('PATCH', `${R}/git/refs/{ref}`, 422);
    if (typeof v === 'string') throw new Error(v);
    expect([v(res.body), problems(v)]).toEqual([true, []]);
  });

  it('every webhook the simulator delivers matches its x-webhooks schema', async () => {
    const ctl = control(sim);
    const hook = await api.post<{ id: number }>('/repos/acme-corp/web-console/hooks', {
      config: { url: receiver.url, content_type: 'json' },
      events: ['*'],
    });
    expect(hook.status).toBe(201);
    await sim.world.settled();
    await ctl.post('/repos/acme-corp/web-console/push', { branch: 'feature/contract', commits: 2 });
    const pr = await ctl.post<{ number: number }>('/repos/acme-corp/web-console/pulls', {
      head: 'feature/contract',
      title: 'Contract',
      author: 'octocat',
    });
    await ctl.post('/repos/acme-corp/web-console/push', { branch: 'feature/contract', commits: 1 });
    // A rebase of the pull request's branch (a forced push, then synchronize) and a reset of another branch to an
    // older commit of its own (a forced push that carries no commits).
    await ctl.post('/repos/acme-corp/web-console/push', {
      branch: 'feature/contract',
      commits: 2,
      force: true,
      onto: webConsole().defaultBranch,
    });
    const kept = await ctl.post<{ shas: string[] }>('/repos/acme-corp/web-console/push', {
      branch: 'contract-reset',
      commits: 2,
    });
    await ctl.post('/repos/acme-corp/web-console/push', {
      branch: 'contract-reset',
      commits: 0,
      force: true,
      onto: kept.body.shas[0],
    });
    await ctl.patch(`/repos/acme-corp/web-console/pulls/${pr.body.number}`, { title: 'Contract v2' });
    const reviewer = [...(sim.world.org('acme-corp')?.members.keys() ?? [])].find(
      (id) => id !== 583231,
    ) as number;
    await ctl.post(`/repos/acme-corp/web-console/pulls/${pr.body.number}/reviews`, {
      reviewer: sim.world.users.get(reviewer)?.login,
      state: 'APPROVED',
    });
    await ctl.post(`/repos/acme-corp/web-console/pulls/${pr.body.number}/merge`, { method: 'merge' });
    await ctl.post('/repos/acme-corp/web-console/tags', { name: 'contract-light' });
    await ctl.post('/repos/acme-corp/web-console/tags', { name: 'contract-annotated', message: 'Annotated' });
    await ctl.delete('/repos/acme-corp/web-console/tags/contract-light');
    await ctl.post('/repos/acme-corp/web-console/branches', { branch: 'tmp/contract' });
    await ctl.delete('/repos/acme-corp/web-console/branches/tmp/contract');
    await ctl.put('/repos/acme-corp/web-console/stars/hubot');
    await ctl.delete('/repos/acme-corp/web-console/stars/hubot');
    const issue = await ctl.post<{ number: number }>('/repos/acme-corp/web-console/issues', {
      title: 'Broken',
      author: 'octocat',
    });
    await ctl.post(`/repos/acme-corp/web-console/issues/${issue.body.number}/assignees`, {
      assignees: ['octocat'],
    });
    await ctl.delete(`/repos/acme-corp/web-console/issues/${issue.body.number}/assignees`, {
      assignees: ['octocat'],
    });
    await ctl.post(`/repos/acme-corp/web-console/issues/${issue.body.number}/close`, {});
    await ctl.post('/repos/acme-corp/web-console/deployments', { environment: 'staging', state: 'failure' });
    await ctl.post('/repos/acme-corp/web-console/releases', { tag: 'v9.9.9' });
    await ctl.post('/repos/acme-corp/web-console/workflow-runs', { conclusion: 'failure' });
    const rc = await ctl.post<{ id: number }>('/repos/acme-corp/web-console/releases', {
      tag: 'v9.9.10-rc.1',
      prerelease: true,
    });
    await ctl.delete(`/repos/acme-corp/web-console/releases/${rc.body.id}`);
    await ctl.post('/repos/acme-corp/web-console/forks', { login: 'hubot' });
    await ctl.put('/repos/acme-corp/web-console/access/hubot', { permission: 'push' });
    await ctl.delete('/repos/acme-corp/web-console/access/hubot');
    await ctl.post('/repos/acme-corp/web-console/archive', { archived: true });
    await ctl.post('/repos/acme-corp/web-console/archive', { archived: false });
    await ctl.post('/repos/acme-corp/web-console/rename', { name: 'web-console-c' });
    await ctl.post('/repos/acme-corp/web-console-c/rename', { name: 'web-console' });
    await ctl.post('/repos/acme-corp/web-console/visibility', { private: true });
    await ctl.post('/repos/acme-corp/web-console/visibility', { private: false });
    await sim.world.settled();

    const seen = new Set<string>();
    const failures: string[] = [];
    for (const d of receiver.received) {
      const event = String(d.headers['x-github-event']);
      const payload = JSON.parse(d.body) as {
        action?: string;
        ref_type?: string;
        ref?: string;
        forced?: boolean;
        commits?: unknown[];
      };
      const what = `${event}${payload.action ? `.${payload.action}` : ''}`;
      // Tag deliveries and forced pushes are named too, so the list below shows they were checked.
      if (payload.ref_type === 'tag' || payload.ref?.startsWith('refs/tags/')) seen.add(`${what} (tag)`);
      if (payload.forced) seen.add(`${what} (forced${payload.commits?.length ? '' : ', no commits'})`);
      seen.add(what);
      const v = webhookValidator(event, payload.action ?? null);
      if (typeof v === 'string') failures.push(v);
      else if (!v(payload)) failures.push(`${what}: ${problems(v).join('; ')}`);
    }
    expect(failures).toEqual([]);
    expect([...seen].sort()).toEqual(
      expect.arrayContaining([
        'create',
        'delete',
        'deployment.created',
        'deployment_status.created',
        'fork',
        'release.created',
        'release.deleted',
        'release.prereleased',
        'release.published',
        'release.released',
        'create (tag)',
        'delete (tag)',
        'push (tag)',
        'push (forced)',
        'push (forced, no commits)',
        'issues.assigned',
        'issues.closed',
        'issues.opened',
        'issues.unassigned',
        'member.added',
        'member.removed',
        'ping',
        'pull_request.closed',
        'pull_request.edited',
        'pull_request.opened',
        'pull_request.synchronize',
        'pull_request_review.submitted',
        'push',
        'repository.archived',
        'repository.privatized',
        'repository.publicized',
        'repository.renamed',
        'repository.unarchived',
        'star.created',
        'star.deleted',
        'watch.started',
        'workflow_run.completed',
        'workflow_run.in_progress',
        'workflow_run.requested',
      ]),
    );
  });
  it("live mode's webhooks, its members acting, match their x-webhooks schemas", async () => {
    const appHook = await webhookReceiver();
    try {
      const { app } = sim.world.registerGithubApp({
        slug: 'contract-live',
        webhookUrl: appHook.url,
        webhookSecret: 'contract',
        events: [
          'push',
          'create',
          'pull_request',
          'deployment',
          'deployment_status',
          'workflow_run',
          'release',
        ],
      });
      for (const org of sim.world.orgs.values())
        await sim.world.installApp({ app: app.id, account: org.login });
      await sim.world.installApp({ app: app.id, account: 'octocat' });
      const live = new LiveMode(sim.world);
      for (let k = 0; k < 40; k++) await live.step();
      await sim.world.settled();

      const failures: string[] = [];
      const seen = new Set<string>();
      const pushers = new Set<string>();
      for (const d of appHook.received) {
        const event = String(d.headers['x-github-event']);
        if (event.startsWith('installation')) continue;
        const payload = JSON.parse(d.body) as { action?: string; sender?: { login?: string } };
        const what = `${event}${payload.action ? `.${payload.action}` : ''}`;
        seen.add(what);
        if (event === 'push') pushers.add(String(payload.sender?.login));
        const v = webhookValidator(event, payload.action ?? null);
        if (typeof v === 'string') failures.push(v);
        else if (!v(payload)) failures.push(`${what}: ${problems(v).join('; ')}`);
      }
      expect(failures).toEqual([]);
      expect([...seen]).toEqual(expect.arrayContaining(['push', 'pull_request.opened']));
      expect(pushers.size).toBeGreaterThan(1);
    } finally {
      await appHook.close();
    }
  });

  it('teams, nested teams, their members and repositories, and team webhooks match the documented shapes', async () => {
    const appHook = await webhookReceiver();
    try {
      const { app } = sim.world.registerGithubApp({
        slug: 'contract-teams',
        webhookUrl: appHook.url,
        webhookSecret: 'contract',
        events: ['organization', 'team', 'membership'],
      });
      await sim.world.installApp({ app: app.id, account: 'acme-corp' });
      const ctl = control(sim);
      const child = await ctl.post<{ slug: string }>('/orgs/acme-corp/teams', {
        name: 'Contract Child',
        parent: 'core',
      });
      expect(child.status).toBe(201);
      await ctl.put(`/orgs/acme-corp/teams/${child.body.slug}/members/octocat`, { role: 'maintainer' });
      await ctl.put(`/orgs/acme-corp/teams/${child.body.slug}/repos/web-console`, { permission: 'push' });
      await ctl.put(`/orgs/acme-corp/teams/${child.body.slug}/repos/web-console`, { permission: 'admin' });
      await ctl.delete(`/orgs/acme-corp/teams/${child.body.slug}/repos/web-console`);
      await ctl.delete(`/orgs/acme-corp/teams/${child.body.slug}/members/octocat`);
      await ctl.delete(`/orgs/acme-corp/teams/${child.body.slug}`);
      const ask = await ctl.post<{ slug: string }>('/orgs/acme-corp/teams', {
        name: 'Contract Kid',
        parent: 'core',
      });
      const reads: Array<[string, string]> = [
        ['/orgs/{org}/teams', '/orgs/acme-corp/teams'],
        ['/orgs/{org}/teams/{team_slug}', '/orgs/acme-corp/teams/core'],
        ['/orgs/{org}/teams/{team_slug}', `/orgs/acme-corp/teams/${ask.body.slug}`],
        ['/orgs/{org}/teams/{team_slug}/teams', '/orgs/acme-corp/teams/core/teams'],
        ['/orgs/{org}/teams/{team_slug}/members', '/orgs/acme-corp/teams/core/members?role=all'],
        ['/orgs/{org}/teams/{team_slug}/repos', '/orgs/acme-corp/teams/core/repos'],
      ];
      for (const [template, path] of reads) {
        const res = await api.get<unknown>(path);
        expect([path, res.status]).toEqual([path, 200]);
        const v = responseValidator('GET', template, 200);
        if (typeof v === 'string') throw new Error(v);
        expect([path, v(res.body), problems(v)]).toEqual([path, true, []]);
      }
      const kid = (
        await api.get<{ parent: { slug: string } | null }>(`/orgs/acme-corp/teams/${ask.body.slug}`)
      ).body;
      expect(kid.parent?.slug).toBe('core');
      const missing = await api.get('/orgs/acme-corp/teams/no-such-team/members');
      expect(missing.status).toBe(404);
      await sim.world.settled();

      const seen: string[] = [];
      const failures: string[] = [];
      for (const d of appHook.received) {
        const event = String(d.headers['x-github-event']);
        const payload = JSON.parse(d.body) as { action?: string };
        const what = `${event}${payload.action ? `.${payload.action}` : ''}`;
        seen.push(what);
        const v = webhookValidator(event, payload.action ?? null);
        if (typeof v === 'string') failures.push(v);
        else if (!v(payload)) failures.push(`${what}: ${problems(v).join('; ')}`);
      }
      expect(failures).toEqual([]);
      expect(seen).toEqual(
        expect.arrayContaining([
          'team.created',
          'membership.added',
          'team.added_to_repository',
          'team.edited',
          'team.removed_from_repository',
          'membership.removed',
          'team.deleted',
        ]),
      );
    } finally {
      await appHook.close();
    }
  });

  it('the GitHub App endpoints and installation webhooks match the documented shapes', async () => {
    const appHook = await webhookReceiver();
    try {
      const { app, privateKeyPem } = sim.world.registerGithubApp({
        slug: 'contract-app',
        webhookUrl: appHook.url,
        webhookSecret: 'contract',
      });
      const jwt = (
        await createAppAuth({ appId: app.id, privateKey: privateKeyPem as string })({ type: 'app' })
      ).token;
      const asApp = (method: string, path: string, body?: unknown) =>
        api.call(method, path, body, { authorization: `Bearer ${jwt}` });
      const check = async (
        res: { status: number; body: unknown; text: string },
        method: string,
        template: string,
        status: number,
      ) => {
        expect(res.status).toBe(status);
        const v = responseValidator(method, template, status);
        if (v === 'no body') return expect(res.text).toBe('');
        if (typeof v === 'string') throw new Error(v);
        expect([`${method} ${template} ${status}`, v(res.body), problems(v)]).toEqual([
          `${method} ${template} ${status}`,
          true,
          [],
        ]);
      };
      const ctl = control(sim);
      const inst = await sim.world.installApp({
        app: app.id,
        account: 'acme-corp',
        repositories: ['web-console'],
      });
      const tokens = `/app/installations/${inst.id}/access_tokens`;
      await check(await asApp('GET', '/app'), 'GET', '/app', 200);
      // The description's inline item schema for this list makes `account` allOf(simple-user, enterprise), which
      // no real account satisfies (GitHub's examples have user fields only); each item is checked against the
      // `installation` component that GET /app/installations/{id} documents.
      const list = await asApp('GET', '/app/installations');
      expect(list.status).toBe(200);
      for (const item of list.body as unknown[])
        await check(
          { status: 200, body: item, text: JSON.stringify(item) },
          'GET',
          '/app/installations/{installation_id}',
          200,
        );
      await check(
        await asApp('GET', `/app/installations/${inst.id}`),
        'GET',
        '/app/installations/{installation_id}',
        200,
      );
      await check(
        await asApp('GET', '/app/installations/1'),
        'GET',
        '/app/installations/{installation_id}',
        404,
      );
      await check(await asApp('GET', '/app/hook/config'), 'GET', '/app/hook/config', 200);
      await check(await asApp('GET', '/orgs/acme-corp/installation'), 'GET', '/orgs/{org}/installation', 200);
      await check(
        await asApp('GET', '/repos/acme-corp/web-console/installation'),
        'GET',
        '/repos/{owner}/{repo}/installation',
        200,
      );
      await check(
        await asApp('PATCH', '/app/hook/config', { url: appHook.url }),
        'PATCH',
        '/app/hook/config',
        200,
      );
      const created = await asApp('POST', tokens, {});
      await check(created, 'POST', '/app/installations/{installation_id}/access_tokens', 201);
      await check(
        await asApp('POST', tokens, { permissions: { administration: 'write' } }),
        'POST',
        '/app/installations/{installation_id}/access_tokens',
        422,
      );
      await check(
        await asApp('POST', '/app/installations/1/access_tokens', {}),
        'POST',
        '/app/installations/{installation_id}/access_tokens',
        404,
      );
      await check(
        await api.call('POST', tokens, {}, { authorization: 'Bearer x.y.z' }),
        'POST',
        '/app/installations/{installation_id}/access_tokens',
        401,
      );
      const ghs = client(sim, (created.body as { token: string }).token);
      await check(await ghs.get('/installation/repositories'), 'GET', '/installation/repositories', 200);
      const user = client(sim, sim.world.issueUserToken(app.id, 'octocat').accessToken);
      await check(await user.get('/user/installations'), 'GET', '/user/installations', 200);
      await check(
        await user.get(`/user/installations/${inst.id}/repositories`),
        'GET',
        '/user/installations/{installation_id}/repositories',
        200,
      );
      await ctl.post(`/installations/${inst.id}/repositories`, { repositories: ['api-gateway'] });
      await ctl.delete(`/installations/${inst.id}/repositories`, { repositories: ['api-gateway'] });
      await ctl.post(`/installations/${inst.id}/suspend`);
      await check(
        await asApp('POST', tokens, {}),
        'POST',
        '/app/installations/{installation_id}/access_tokens',
        403,
      );
      await ctl.post(`/installations/${inst.id}/unsuspend`);
      await ctl.post(`/installations/${inst.id}/permissions`, {
        permissions: { contents: 'read', metadata: 'read', pull_requests: 'read' },
      });
      sim.world.addUser({ login: 'contract-joiner' });
      await ctl.put('/orgs/acme-corp/members/contract-joiner', { role: 'member' });
      await ctl.delete('/orgs/acme-corp/members/contract-joiner');
      await ctl.post('/repos', { owner: 'acme-corp', name: 'contract-new' });
      await ctl.post(`/installations/${inst.id}/repositories`, { repositories: ['contract-new'] });
      await ctl.post('/repos/acme-corp/contract-new/push', { commits: 1 });
      await check(
        await asApp('PUT', `/app/installations/${inst.id}/suspended`),
        'PUT',
        '/app/installations/{installation_id}/suspended',
        204,
      );
      await check(
        await asApp('DELETE', `/app/installations/${inst.id}/suspended`),
        'DELETE',
        '/app/installations/{installation_id}/suspended',
        204,
      );
      await check(
        await asApp('DELETE', `/app/installations/${inst.id}`),
        'DELETE',
        '/app/installations/{installation_id}',
        204,
      );
      await sim.world.settled();

      const log = await asApp('GET', '/app/hook/deliveries');
      await check(log, 'GET', '/app/hook/deliveries', 200);
      const first = (log.body as Array<{ id: number }>)[0];
      await check(
        await asApp('GET', `/app/hook/deliveries/${first?.id}`),
        'GET',
        '/app/hook/deliveries/{delivery_id}',
        200,
      );
      await check(
        await asApp('POST', `/app/hook/deliveries/${first?.id}/attempts`, {}),
        'POST',
        '/app/hook/deliveries/{delivery_id}/attempts',
        202,
      );
      await sim.world.settled();
      // Past GitHub's 3-day redelivery window: the documented 422 (validation-error).
      const record = sim.world.deliveries.find((d) => d.id === first?.id);
      if (!record) throw new Error('the first App delivery is not in the log');
      record.deliveredAt -= 3 * 24 * 3600_000 + 60_000;
      await check(
        await asApp('POST', `/app/hook/deliveries/${first?.id}/attempts`, {}),
        'POST',
        '/app/hook/deliveries/{delivery_id}/attempts',
        422,
      );

      const seen: string[] = [];
      const failures: string[] = [];
      for (const d of appHook.received) {
        const event = String(d.headers['x-github-event']);
        const payload = JSON.parse(d.body) as { action?: string; installation?: unknown };
        const what = `${event}${payload.action ? `.${payload.action}` : ''}`;
        seen.push(what);
        if (!payload.installation) failures.push(`${what}: no installation`);
        const v = webhookValidator(event, payload.action ?? null);
        if (typeof v === 'string') failures.push(v);
        else if (!v(payload)) failures.push(`${what}: ${problems(v).join('; ')}`);
      }
      expect(failures).toEqual([]);
      expect(seen).toEqual(
        expect.arrayContaining([
          'installation.created',
          'installation_repositories.added',
          'installation_repositories.removed',
          'installation.suspend',
          'installation.unsuspend',
          'installation.new_permissions_accepted',
          'organization.member_added',
          'organization.member_removed',
          'push',
          'installation.deleted',
        ]),
      );
    } finally {
      await appHook.close();
    }
  });
});
