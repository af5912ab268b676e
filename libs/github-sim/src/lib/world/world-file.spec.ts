import { verify } from '@octokit/webhooks-methods';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { client, control, graphql, webhookReceiver } from '../../spec/helpers';
import { LiveMode } from '../live/live-mode';
import { startGithubSim } from '../server';
import { SimWorld } from './sim-world';
import { restoreWorld, serializeWorld } from './world-file';
import { encodeGraph } from './world-snapshot';

const APP = { clientId: 'Iv1.worldfile', clientSecret: 'world-file-secret' };
const SECRET = 'kept-hook-secret';

describe('the world file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'github-sim-world-'));
  const file = join(dir, 'github-sim', 'world.json');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps OAuth tokens, hooks, users and pushes across a restart of the simulator', async () => {
    const receiver = await webhookReceiver();
    try {
      const first = await startGithubSim({
        preset: 'small',
        autoApproveLogin: 'octocat',
        oauthApps: [APP],
        worldFile: file,
      });
      const authorize = await fetch(
        `${first.url}/login/oauth/authorize?client_id=${APP.clientId}&scope=repo&redirect_uri=http://localhost:4200/cb`,
        { redirect: 'manual' },
      );
      const code = new URL(authorize.headers.get('location') as string).searchParams.get('code') as string;
      const exchanged = await fetch(`${first.url}/login/oauth/access_token`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          client_id: APP.clientId,
          client_secret: APP.clientSecret,
          code,
        }).toString(),
      });
      const token = ((await exchanged.json()) as { access_token: string }).access_token;
      const hook = await client(first, token).post<{ id: number }>('/repos/acme-corp/web-console/hooks', {
        name: 'web',
        config: { url: receiver.url, content_type: 'json', secret: SECRET },
        events: ['push'],
      });
      expect(hook.status).toBe(201);
      await control(first).post('/users', { login: 'kept-user' });
      const pushed = await control(first).post<{ after: string }>('/repos/acme-corp/web-console/push', {
        commits: 1,
      });
      await first.world.settled();
      await first.stop();
      expect(statSync(file).mode & 0o777).toBe(0o600);

      const second = await startGithubSim({ preset: 'small', oauthApps: [APP], worldFile: file });
      try {
        const api = client(second, token);
        expect((await api.get<{ login: string }>('/user')).body.login).toBe('octocat');
        const hooks = await api.get<Array<{ id: number; config: { url: string } }>>(
          '/repos/acme-corp/web-console/hooks',
        );
        expect(hooks.body.map((h) => [h.id, h.config.url])).toEqual([[hook.body.id, receiver.url]]);
        expect((await api.get(`/users/kept-user`)).status).toBe(200);
        expect((await api.get(`/repos/acme-corp/web-console/commits/${pushed.body.after}`)).status).toBe(200);

        // The restored hook still delivers, signed with its secret.
        receiver.received.length = 0;
        await control(second).post('/repos/acme-corp/web-console/push', { commits: 1 });
        await second.world.settled();
        const delivery = receiver.received.find((r) => r.headers['x-github-event'] === 'push');
        expect(delivery).toBeDefined();
        expect(
          await verify(SECRET, delivery?.body ?? '', String(delivery?.headers['x-hub-signature-256'])),
        ).toBe(true);
      } finally {
        await second.stop();
      }
    } finally {
      await receiver.close();
    }
  });

  it('carries live mode on where it stopped, as if the simulator had never restarted', async () => {
    const options = { preset: 'small' as const, seed: 5, now: '2025-06-01T00:00:00Z' };
    const original = new SimWorld(options);
    const live = new LiveMode(original);
    for (let k = 0; k < 15; k++) await live.step();
    const text = serializeWorld(original, { liveTick: live.tick });

    const restored = new SimWorld(options);
    const extras = restoreWorld(restored, text);
    const resumed = new LiveMode(restored);
    resumed.tick = extras['liveTick'] as number;
    const next: string[] = [];
    const expected: string[] = [];
    for (let k = 0; k < 15; k++) {
      next.push(await resumed.step());
      expected.push(await live.step());
    }
    expect(next.every((d) => /^(push|pull|merge|star|issue) /.test(d))).toBe(true);
    expect(next).toEqual(expected);
  });

  it('keeps GitHub Apps, installations, installation tokens and refresh tokens', async () => {
    const original = new SimWorld({ preset: 'small' });
    const { app } = original.registerGithubApp({ slug: 'kept-app' });
    const inst = await original.installApp({
      app: app.id,
      account: 'acme-corp',
      repositories: ['web-console'],
    });
    const token = original.createInstallationToken(inst.id).token;
    const grant = original.issueUserToken(app.id, 'octocat');
    await original.suspendInstallation({ installationId: inst.id });
    const restored = new SimWorld({ preset: 'small' });
    restoreWorld(restored, serializeWorld(original));
    const back = restored.requireInstallation(inst.id);
    expect(restored.installationRepos(back).map((r) => r.name)).toEqual(['web-console']);
    expect(back.suspendedAt).not.toBeNull();
    expect(restored.installationTokens.get(token)?.installationId).toBe(inst.id);
    expect(restored.githubApp(app.clientId)?.slug).toBe('kept-app');
    expect(restored.refreshUserToken(app.clientId, grant.refreshToken as string)?.accessToken).toMatch(
      /^ghu_/,
    );
  });

  it('loads a world file saved before deployments existed: its repositories answer with none', async () => {
    const options = { preset: 'small' as const, seed: 5, now: '2025-06-01T00:00:00Z' };
    const original = new SimWorld(options);
    const repo = original.requireRepo({ owner: 'octocat', repo: 'Hello-World' });
    const detail = original.detail(repo) as Partial<ReturnType<typeof original.detail>>;
    delete detail.deployments;
    const old = join(dir, 'before-deployments.json');
    writeFileSync(old, serializeWorld(original));
    const sim = await startGithubSim({ ...options, worldFile: old });
    try {
      const api = client(sim, sim.issueToken('octocat'));
      const res = await api.get('/repos/octocat/Hello-World/deployments');
      expect([res.status, res.body]).toEqual([200, []]);
      expect((await control(sim).post('/repos/octocat/Hello-World/deployments', {})).status).toBe(201);
    } finally {
      await sim.stop();
    }
  });

  it('loads a world file saved before GitHub Actions existed: runs as generated, and the demo App reads them', async () => {
    const options = {
      preset: 'demo' as const,
      seed: 5,
      now: '2025-06-01T00:00:00Z',
      sizes: { commitsPerRepo: 20 },
    };
    const original = await startGithubSim(options);
    const repo = original.world.requireRepo({ owner: 'octocat', repo: 'Hello-World' });
    const generated = JSON.stringify(original.world.detail(repo).workflowRuns);
    const detail = original.world.detail(repo) as Partial<ReturnType<typeof original.world.detail>>;
    delete detail.workflows;
    delete detail.workflowRuns;
    // The demo App's installation as it was before it asked for `actions` and `workflow_run`.
    const [inst] = [...original.world.installations.values()];
    if (!inst) throw new Error('the demo preset installs the demo App');
    delete inst.permissions['actions'];
    inst.events = inst.events.filter((e) => e !== 'workflow_run');
    const old = join(dir, 'before-actions.json');
    writeFileSync(old, serializeWorld(original.world));
    await original.stop();
    const sim = await startGithubSim({ ...options, worldFile: old });
    try {
      const again = sim.world.requireRepo({ owner: 'octocat', repo: 'Hello-World' });
      expect(JSON.stringify(sim.world.detail(again).workflowRuns)).toBe(generated);
      await sim.world.settled();
      const back = sim.world.requireInstallation(inst.id);
      expect([back.permissions['actions'], back.events.includes('workflow_run')]).toEqual(['read', true]);
      expect(back.permissions['deployments']).toBe('read');
    } finally {
      await sim.stop();
    }
  });

  it('loads a world file saved before assignees and issue timelines existed: none assigned, a close by a person', async () => {
    const options = { preset: 'small' as const, seed: 42, now: '2025-06-01T00:00:00Z' };
    const original = new SimWorld(options);
    const repo = original.requireRepo({ owner: 'acme-corp', repo: 'web-console' });
    const detail = original.detail(repo);
    for (const i of detail.issues) {
      delete i.assigneeIds;
      delete i.timeline;
    }
    const closed = detail.issues.find((i) => i.state === 'closed') as (typeof detail.issues)[number];
    const open = detail.issues.find((i) => i.state === 'open') as (typeof detail.issues)[number];
    const old = join(dir, 'before-assignees.json');
    writeFileSync(old, serializeWorld(original));
    const sim = await startGithubSim({ ...options, worldFile: old });
    try {
      const token = sim.issueToken('octocat');
      const api = client(sim, token);
      const res = await api.get<Array<{ assignees: unknown[] }>>(
        '/repos/acme-corp/web-console/issues?state=all',
      );
      expect(res.status).toBe(200);
      expect(res.body.every((i) => i.assignees.length === 0)).toBe(true);
      const q = `query($n: Int!) { repository(owner: "acme-corp", name: "web-console") { issue(number: $n) {
        assignees(first: 5) { totalCount }
        timelineItems(first: 5, itemTypes: [CLOSED_EVENT]) { nodes { ... on ClosedEvent { createdAt closer { __typename } } } }
      } } }`;
      const got = await graphql<{
        repository: { issue: { assignees: { totalCount: number }; timelineItems: { nodes: unknown[] } } };
      }>(sim, token, q, { n: closed.number });
      expect(got.data?.repository.issue).toEqual({
        assignees: { totalCount: 0 },
        timelineItems: {
          nodes: [
            {
              createdAt: new Date(closed.closedAt as number).toISOString().replace('.000Z', 'Z'),
              closer: null,
            },
          ],
        },
      });
      // And it changes as usual: an assignment, then a close, join the derived timeline.
      await control(sim).post(`/repos/acme-corp/web-console/issues/${open.number}/assignees`, {
        assignees: ['octocat'],
      });
      await control(sim).post(`/repos/acme-corp/web-console/issues/${open.number}/close`, {});
      const later = await graphql<{
        repository: { issue: { assignees: { totalCount: number }; timelineItems: { nodes: unknown[] } } };
      }>(sim, token, q, { n: open.number });
      expect(later.data?.repository.issue.assignees.totalCount).toBe(1);
      expect(later.data?.repository.issue.timelineItems.nodes).toHaveLength(1);
    } finally {
      await sim.stop();
    }
  });

  it('loads a world file saved before tags existed: each repository gets the tags it would have been generated with', async () => {
    const options = {
      preset: 'small' as const,
      seed: 42,
      now: '2025-06-01T00:00:00Z',
      sizes: { pullsPerRepo: 40 },
    };
    const original = new SimWorld(options);
    const repo = original.requireRepo({ owner: 'octocat', repo: 'Hello-World' });
    const detail = original.detail(repo) as Partial<ReturnType<typeof original.detail>>;
    const generated = JSON.stringify([...(detail.tags ?? [])]);
    expect(detail.tags?.size).toBeGreaterThan(3);
    delete detail.tags;
    const old = join(dir, 'before-tags.json');
    writeFileSync(old, serializeWorld(original));
    const sim = await startGithubSim({ ...options, worldFile: old });
    try {
      const again = sim.world.requireRepo({ owner: 'octocat', repo: 'Hello-World' });
      expect(JSON.stringify([...sim.world.detail(again).tags])).toBe(generated);
      const res = await client(sim, sim.issueToken('octocat')).get<unknown[]>(
        '/repos/octocat/Hello-World/tags',
      );
      expect([res.status, res.body.length]).toEqual([200, JSON.parse(generated).length]);
    } finally {
      await sim.stop();
    }
  });

  it('refuses to store what it could not restore faithfully', () => {
    class Unregistered {
      value = 1;
    }
    expect(() => encodeGraph({ thing: new Unregistered() }, {})).toThrow(
      /cannot store the Unregistered at world.thing/,
    );
    expect(() => encodeGraph({ fn: () => 1 }, {})).toThrow(/cannot store the function/);
  });
});
