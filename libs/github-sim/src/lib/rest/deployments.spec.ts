import type { components } from '@octokit/openapi-types';
import { client, control, graphql, webhookReceiver } from '../../spec/helpers';
import { startGithubSim } from '../server';
import type { GithubSimHandle } from '../sim.types';
import { SimWorld } from '../world/sim-world';

type S = components['schemas'];
const NOW = '2025-06-01T00:00:00Z';

describe('generated deployments', () => {
  const world = new SimWorld({ seed: 7, preset: 'demo', now: NOW });
  const repos = [...world.repos.values()];
  const all = repos.flatMap((r) => world.detail(r).deployments.map((d) => ({ repo: r, d })));

  it('are the same for the same seed', () => {
    const again = new SimWorld({ seed: 7, preset: 'demo', now: NOW });
    const strip = (w: SimWorld) => [...w.repos.values()].map((r) => JSON.stringify(w.detail(r).deployments));
    expect(strip(again)).toEqual(strip(world));
    const other = new SimWorld({ seed: 8, preset: 'demo', now: NOW });
    expect(strip(other)).not.toEqual(strip(world));
  });

  it('ship a good share of repositories to production at merge commits, several pull requests at a time', () => {
    const shipping = repos.filter((r) =>
      world.detail(r).deployments.some((d) => d.environment === 'production'),
    );
    expect(shipping.length / repos.length).toBeGreaterThan(0.4);
    expect(shipping.length).toBeLessThan(repos.length);
    let several = 0;
    for (const repo of shipping) {
      const d = world.detail(repo);
      const mergedBy = new Map(d.pulls.filter((p) => p.mergeCommitSha).map((p) => [p.mergeCommitSha, p]));
      const prod = d.deployments.filter((x) => x.environment === 'production');
      let previous = 0;
      for (const dep of prod) {
        const pull = mergedBy.get(dep.sha);
        expect(pull).toBeDefined();
        expect(dep.ref).toBe(repo.defaultBranch);
        expect(dep.productionEnvironment).toBe(true);
        expect(dep.createdAt).toBeGreaterThan(pull?.mergedAt as number);
        const carried = d.pulls.filter(
          (p) => p.mergedAt !== null && p.mergedAt > previous && p.mergedAt <= (pull?.mergedAt as number),
        ).length;
        if (carried > 1) several++;
        previous = pull?.mergedAt as number;
      }
    }
    expect(several).toBeGreaterThan(0);
    expect(all.some(({ d }) => d.environment === 'staging' && !d.productionEnvironment)).toBe(true);
  });

  it('run queued → in_progress → success or failure, and a failed production deployment is followed by a good one (unless it is the latest)', () => {
    const anchor = Date.parse(NOW);
    let failures = 0;
    for (const { d } of all) {
      expect(d.statuses.map((s) => s.state).slice(0, 2)).toEqual(['queued', 'in_progress']);
      const last = d.statuses.at(-1)?.state;
      expect(['success', 'failure']).toContain(last);
      expect(d.statuses.map((s) => s.createdAt)).toEqual([...d.statuses.map((s) => s.createdAt)].sort());
      expect(d.updatedAt).toBe(d.statuses.at(-1)?.createdAt);
      expect(d.updatedAt).toBeLessThan(anchor);
      if (last === 'failure') failures++;
    }
    const ratio = failures / all.length;
    expect(ratio).toBeGreaterThan(0.03);
    expect(ratio).toBeLessThan(0.25);
    for (const repo of repos) {
      const prod = world.detail(repo).deployments.filter((x) => x.environment === 'production');
      prod.forEach((dep, k) => {
        const later = prod.slice(k + 1);
        if (dep.statuses.at(-1)?.state === 'failure' && later.length)
          expect(later.some((x) => x.statuses.at(-1)?.state === 'success')).toBe(true);
      });
    }
  });

  it('take ids from a block per repository, growing with creation time', () => {
    for (const repo of repos) {
      const deps = world.detail(repo).deployments;
      const ids = deps.map((d) => d.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(deps.map((d) => d.createdAt)).toEqual([...deps.map((d) => d.createdAt)].sort((a, b) => a - b));
    }
    const ids = all.flatMap(({ d }) => [d.id, ...d.statuses.map((s) => s.id)]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Math.max(...ids)).toBeLessThan(2 ** 31);
  });
});

describe('deployments over REST, the control API and webhooks', () => {
  let sim: GithubSimHandle;
  let api: ReturnType<typeof client>;
  let ctl: ReturnType<typeof control>;
  let receiver: Awaited<ReturnType<typeof webhookReceiver>>;
  const R = '/repos/octocat/Hello-World';

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small' });
    api = client(sim, sim.issueToken('octocat'));
    ctl = control(sim);
    receiver = await webhookReceiver();
    const hook = await api.post(`${R}/hooks`, {
      config: { url: receiver.url, content_type: 'json' },
      events: ['deployment', 'deployment_status'],
    });
    expect(hook.status).toBe(201);
    await sim.world.settled();
  });
  afterAll(async () => {
    await sim.stop();
    await receiver.close();
  });

  const deliveries = (event: string) =>
    receiver.received
      .filter((d) => d.headers['x-github-event'] === event)
      .map((d) => JSON.parse(d.body) as Record<string, unknown>);

  it('the control action deploys the default branch to production with statuses and webhooks', async () => {
    const before = receiver.received.length;
    const res = await ctl.post<{ id: number; sha: string; environment: string; state: string }>(
      `${R}/deployments`,
      { at: '2025-01-02T03:04:05Z' },
    );
    expect(res.status).toBe(201);
    const repo = sim.world.repo('octocat', 'Hello-World');
    const tip = sim.world.detail(repo!).branches.get('main')?.tip;
    expect(res.body).toEqual({
      id: expect.any(Number),
      sha: tip,
      environment: 'production',
      state: 'success',
    });
    const statusIds = sim.world
      .detail(repo!)
      .deployments.find((d) => d.id === res.body.id)
      ?.statuses.map((s) => [s.id, s.state]);
    expect(statusIds?.map(([, state]) => state)).toEqual(['queued', 'in_progress', 'success']);
    await sim.world.settled();
    const events = receiver.received.slice(before).map((d) => d.headers['x-github-event']);
    expect(events).toEqual(['deployment', 'deployment_status', 'deployment_status', 'deployment_status']);
    const dep = deliveries('deployment').at(-1) as { action: string; deployment: S['deployment'] };
    expect(dep.action).toBe('created');
    expect(dep.deployment).toMatchObject({
      id: res.body.id,
      sha: tip,
      environment: 'production',
      created_at: '2025-01-02T03:04:05Z',
    });
    const last = deliveries('deployment_status').at(-1) as {
      deployment_status: S['deployment-status'];
      deployment: S['deployment'];
    };
    expect(last.deployment_status).toMatchObject({ id: statusIds?.[2]?.[0], state: 'success' });
    expect(last.deployment.updated_at).toBe('2025-01-02T03:06:05Z');

    const bad = await ctl.post(`${R}/deployments`, { state: 'exploded' });
    expect(bad.status).toBe(422);
    const unknownRef = await ctl.post(`${R}/deployments`, { ref: 'no-such-branch' });
    expect(unknownRef.status).toBe(422);
  });

  it('a deployment made now posts every status now, never dated ahead, and lists them newest first', async () => {
    const started = Math.floor(Date.now() / 1000) * 1000;
    const res = await ctl.post<{ id: number }>(`${R}/deployments`, {});
    expect(res.status).toBe(201);
    const answered = Date.now();
    const statuses = await api.get<S['deployment-status'][]>(`${R}/deployments/${res.body.id}/statuses`);
    expect(statuses.status).toBe(200);
    expect(statuses.body.map((x) => x.state)).toEqual(['success', 'in_progress', 'queued']);
    for (const x of statuses.body) {
      expect(Date.parse(x.created_at)).toBeGreaterThanOrEqual(started);
      expect(Date.parse(x.created_at)).toBeLessThanOrEqual(answered);
    }
  });

  it('lists deployments newest first with filters and Link pagination, and reads one with its statuses', async () => {
    const staging = await ctl.post<{ id: number; sha: string }>(`${R}/deployments`, {
      environment: 'staging',
      state: 'failure',
    });
    expect(staging.status).toBe(201);
    const list = await api.get<S['deployment'][]>(`${R}/deployments?per_page=1`);
    expect(list.status).toBe(200);
    expect(list.body.map((d) => d.id)).toEqual([staging.body.id]);
    expect(list.headers.get('link')).toContain('rel="next"');
    const all = await api.get<S['deployment'][]>(`${R}/deployments?per_page=100`);
    const created = all.body.map((d) => d.created_at);
    expect(created).toEqual([...created].sort().reverse());
    const onlyStaging = await api.get<S['deployment'][]>(`${R}/deployments?environment=staging`);
    expect(onlyStaging.body.every((d) => d.environment === 'staging')).toBe(true);
    expect(onlyStaging.body.map((d) => d.id)).toContain(staging.body.id);
    const bySha = await api.get<S['deployment'][]>(`${R}/deployments?sha=${staging.body.sha}`);
    expect(bySha.body.every((d) => d.sha === staging.body.sha)).toBe(true);
    expect((await api.get(`${R}/deployments?task=migrate`)).body).toEqual([]);

    const one = await api.get<S['deployment']>(`${R}/deployments/${staging.body.id}`);
    expect(one.body).toMatchObject({
      id: staging.body.id,
      environment: 'staging',
      production_environment: false,
    });
    const statuses = await api.get<S['deployment-status'][]>(`${R}/deployments/${staging.body.id}/statuses`);
    expect(statuses.body.map((s) => s.state)).toEqual(['failure', 'in_progress', 'queued']);
    const status = await api.get<S['deployment-status']>(
      `${R}/deployments/${staging.body.id}/statuses/${statuses.body[0]?.id}`,
    );
    expect(status.body).toMatchObject({ state: 'failure', environment: 'staging' });
    expect((await api.get(`${R}/deployments/1`)).status).toBe(404);
    expect((await api.get(`${R}/deployments/${staging.body.id}/statuses/1`)).status).toBe(404);
  });

  it('creates a deployment and its statuses with POST (201, Location, updated_at moves)', async () => {
    const created = await api.post<S['deployment']>(`${R}/deployments`, {
      ref: 'main',
      environment: 'qa',
      description: 'Try it out',
      payload: { region: 'eu' },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`${sim.apiUrl}${R}/deployments/${created.body.id}`);
    expect(created.body).toMatchObject({
      ref: 'main',
      task: 'deploy',
      environment: 'qa',
      original_environment: 'qa',
      production_environment: false,
      transient_environment: false,
      payload: { region: 'eu' },
      description: 'Try it out',
      creator: { login: 'octocat' },
    });
    const status = await api.post<S['deployment-status']>(`${R}/deployments/${created.body.id}/statuses`, {
      state: 'in_progress',
      log_url: 'https://ci.example.com/run/1',
    });
    expect(status.status).toBe(201);
    expect(status.body).toMatchObject({
      state: 'in_progress',
      environment: 'qa',
      target_url: 'https://ci.example.com/run/1',
      log_url: 'https://ci.example.com/run/1',
      creator: { login: 'octocat' },
    });
    const after = (await api.get<S['deployment']>(`${R}/deployments/${created.body.id}`)).body;
    expect(after.updated_at).toBe(status.body.created_at);
    const bySha = await api.post<S['deployment']>(`${R}/deployments`, { ref: created.body.sha });
    expect(bySha.status).toBe(201);
    expect(bySha.body).toMatchObject({
      sha: created.body.sha,
      environment: 'production',
      production_environment: true,
    });
    await sim.world.settled();
    expect(deliveries('deployment').at(-1)).toMatchObject({ deployment: { id: bySha.body.id } });
  });

  it('answers GitHub’s 422s for bad input, never a 500', async () => {
    const cases: Array<[string, unknown, string]> = [
      [`${R}/deployments`, {}, 'Invalid request.\n\n"ref" wasn\'t supplied.'],
      [`${R}/deployments`, { ref: 'nope' }, 'No ref found for: nope'],
      [`${R}/deployments`, { ref: 'main', environment: 5 }, 'Validation Failed'],
      [`${R}/deployments`, { ref: 'main', payload: [1] }, 'Validation Failed'],
    ];
    for (const [path, body, message] of cases) {
      const res = await api.post<{ message: string }>(path, body);
      expect([JSON.stringify(body), res.status, res.body.message]).toEqual([
        JSON.stringify(body),
        422,
        message,
      ]);
    }
    const dep = (await api.post<S['deployment']>(`${R}/deployments`, { ref: 'main' })).body;
    const statuses = `${R}/deployments/${dep.id}/statuses`;
    expect((await api.post<{ message: string }>(statuses, {})).body.message).toBe(
      'Invalid request.\n\n"state" wasn\'t supplied.',
    );
    const bad = await api.post<{ errors: unknown[] }>(statuses, { state: 'done' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([{ resource: 'DeploymentStatus', field: 'state', code: 'invalid' }]);
    const long = await api.post<{ errors: Array<{ field: string }> }>(statuses, {
      state: 'success',
      description: 'x'.repeat(141),
    });
    expect([long.status, long.body.errors[0]?.field]).toEqual([422, 'description']);
    expect((await api.post(`${R}/deployments/123/statuses`, { state: 'success' })).status).toBe(404);
  });

  it('needs write access and a deployment scope to write, and read access to read', async () => {
    const reader = client(sim, sim.issueToken('monalisa'));
    expect((await reader.get(`${R}/deployments`)).status).toBe(200);
    const denied = await reader.post<{ message: string }>(`${R}/deployments`, { ref: 'main' });
    expect(denied.status).toBe(403);
    const narrow = client(sim, sim.issueToken('octocat', ['repo_deployment']));
    expect((await narrow.post(`${R}/deployments`, { ref: 'main' })).status).toBe(201);
    const noScope = client(sim, sim.issueToken('octocat', ['read:user']));
    expect((await noScope.post(`${R}/deployments`, { ref: 'main' })).status).toBe(404);
    expect((await client(sim).post(`${R}/deployments`, { ref: 'main' })).status).toBe(401);

    const priv = [...sim.world.repos.values()].find((r) => r.private && r.ownerType === 'Organization');
    expect(priv).toBeDefined();
    const path = `/repos/${sim.world.fullName(priv!)}/deployments`;
    expect((await client(sim, sim.issueToken('octocat', ['read:user'])).get(path)).status).toBe(404);
    expect((await api.get(path)).status).toBe(200);
  });

  it('delivers deployment and deployment_status to an App whose installation subscribed, with `installation`', async () => {
    const appHook = await webhookReceiver();
    try {
      const { app } = sim.world.registerGithubApp({
        slug: 'deploy-watcher',
        webhookUrl: appHook.url,
        webhookSecret: 'watch',
        permissions: { metadata: 'read', deployments: 'read' },
        events: ['deployment', 'deployment_status'],
      });
      const inst = await sim.world.installApp({ app: app.id, account: 'octocat' });
      const res = await ctl.post<{ id: number }>(`${R}/deployments`, { environment: 'staging' });
      await sim.world.settled();
      const got = appHook.received
        .filter((d) => String(d.headers['x-github-event']).startsWith('deployment'))
        .map((d) => {
          const body = JSON.parse(d.body) as { deployment: { id: number }; installation: { id: number } };
          return [d.headers['x-github-event'], body.deployment.id, body.installation.id];
        });
      expect(got).toEqual([
        ['deployment', res.body.id, inst.id],
        ['deployment_status', res.body.id, inst.id],
        ['deployment_status', res.body.id, inst.id],
        ['deployment_status', res.body.id, inst.id],
      ]);
    } finally {
      await appHook.close();
    }
  });

  it('lets an installation with deployments: write deploy, and answers 403 to one without it', async () => {
    const { app } = sim.world.registerGithubApp({
      slug: 'deployer',
      permissions: { metadata: 'read', deployments: 'write' },
    });
    const inst = await sim.world.installApp({ app: app.id, account: 'octocat' });
    const token = sim.world.createInstallationToken(inst.id).token;
    const bot = client(sim, token);
    const res = await bot.post<S['deployment']>(`${R}/deployments`, { ref: 'main' });
    expect(res.status).toBe(201);
    const readOnly = sim.world.createInstallationToken(inst.id, {
      permissions: { deployments: 'read' },
    }).token;
    expect((await client(sim, readOnly).get(`${R}/deployments`)).status).toBe(200);
    expect((await client(sim, readOnly).post(`${R}/deployments`, { ref: 'main' })).status).toBe(403);
  });

  it('a status may move a deployment to another environment; REST and GraphQL keep where it started', async () => {
    const dep = (
      await api.post<S['deployment']>(`${R}/deployments`, {
        ref: 'main',
        environment: 'review',
        transient_environment: true,
        production_environment: false,
        payload: '{"pr":12}',
      })
    ).body;
    expect(dep).toMatchObject({
      transient_environment: true,
      production_environment: false,
      payload: '{"pr":12}',
    });
    const moved = await api.post<S['deployment-status']>(`${R}/deployments/${dep.id}/statuses`, {
      state: 'success',
      environment: 'review-12',
      environment_url: 'https://review-12.example.com',
    });
    expect(moved.body).toMatchObject({
      environment: 'review-12',
      environment_url: 'https://review-12.example.com',
    });
    const after = (await api.get<S['deployment']>(`${R}/deployments/${dep.id}`)).body;
    expect(after).toMatchObject({ environment: 'review-12', original_environment: 'review' });
    const next = await api.post<S['deployment-status']>(`${R}/deployments/${dep.id}/statuses`, {
      state: 'inactive',
    });
    expect(next.body.environment).toBe('review-12');

    const g = await graphql<{
      node: {
        environment: string;
        originalEnvironment: string;
        latestEnvironment: string;
        payload: string;
        state: string;
      };
      status: { state: string; environment: string; deployment: { databaseId: number } };
    }>(
      sim,
      sim.issueToken('octocat'),
      `
        query ($id: ID!, $status: ID!) {
          node(id: $id) {
            ... on Deployment {
              environment
              originalEnvironment
              latestEnvironment
              payload
              state
            }
          }
          status: node(id: $status) {
            ... on DeploymentStatus {
              state
              environment
              deployment {
                databaseId
              }
            }
          }
        }
      `,
      { id: dep.node_id, status: moved.body.node_id },
    );
    expect(g.errors).toBeUndefined();
    expect(g.data).toEqual({
      node: {
        environment: 'review-12',
        originalEnvironment: 'review',
        latestEnvironment: 'review-12',
        payload: '{"pr":12}',
        state: 'INACTIVE',
      },
      status: { state: 'SUCCESS', environment: 'review-12', deployment: { databaseId: dep.id } },
    });
    // Someone who cannot see the repository cannot reach its deployments by id either.
    const priv = [...sim.world.repos.values()].find((r) => r.private && r.ownerType === 'Organization');
    const hidden = await ctl.post<{ id: number }>(`/repos/${sim.world.fullName(priv!)}/deployments`, {});
    const outsider = sim.world.issueToken('octocat', ['read:user']);
    const none = await graphql<{ node: unknown }>(
      sim,
      outsider,
      `
        query ($id: ID!) {
          node(id: $id) {
            id
          }
        }
      `,
      {
        id: Buffer.from(`010:Deployment${hidden.body.id}`).toString('base64'),
      },
    );
    expect(none.data?.node ?? null).toBeNull();
  });

  it('GraphQL reads the deployments the control API made, FAILURE state included', async () => {
    const failed = await ctl.post<{ id: number }>(`${R}/deployments`, {
      environment: 'canary',
      state: 'failure',
    });
    const g = await graphql<{
      repository: {
        deployments: {
          totalCount: number;
          nodes: Array<{ databaseId: number; state: string; latestStatus: { state: string } }>;
        };
      };
    }>(
      sim,
      sim.issueToken('octocat'),
      `
        {
          repository(owner: "octocat", name: "Hello-World") {
            deployments(last: 1, environments: ["canary"]) {
              totalCount
              nodes {
                databaseId
                state
                latestStatus {
                  state
                }
              }
            }
          }
        }
      `,
    );
    expect(g.errors).toBeUndefined();
    expect(g.data?.repository.deployments).toEqual({
      totalCount: 1,
      nodes: [{ databaseId: failed.body.id, state: 'FAILURE', latestStatus: { state: 'FAILURE' } }],
    });
  });
});
