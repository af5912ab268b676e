import type { components } from '@octokit/openapi-types';
import { client, control, webhookReceiver } from '../../spec/helpers';
import { LiveMode } from '../live/live-mode';
import { startGithubSim } from '../server';
import type { GithubSimHandle } from '../sim.types';
import { SimWorld } from '../world/sim-world';
import { restoreWorld, serializeWorld } from '../world/world-file';
import type { SimRepo, SimWorkflowRun } from '../world/world.types';
import { createdRange } from './actions.routes';

type S = components['schemas'];
type RunList = { total_count: number; workflow_runs: Array<S['workflow-run']> };
const NOW = '2025-06-01T00:00:00Z';

describe('generated GitHub Actions runs', () => {
  const world = new SimWorld({ seed: 7, preset: 'demo', now: NOW });
  const repos = [...world.repos.values()];
  const withActions = repos.filter((r) => world.detail(r).workflowRuns.length > 0);

  it('are the same for the same seed and differ for another', () => {
    const strip = (w: SimWorld) =>
      [...w.repos.values()].map((r) => JSON.stringify([w.detail(r).workflows, w.detail(r).workflowRuns]));
    expect(strip(new SimWorld({ seed: 7, preset: 'demo', now: NOW }))).toEqual(strip(world));
    expect(strip(new SimWorld({ seed: 8, preset: 'demo', now: NOW }))).not.toEqual(strip(world));
  });

  it('belong to about three repositories in four', () => {
    expect(withActions.length / repos.length).toBeGreaterThan(0.5);
    expect(withActions.length).toBeLessThan(repos.length);
    for (const repo of repos.filter((r) => !withActions.includes(r)))
      expect(world.detail(repo).workflows).toEqual([]);
  });

  it('run CI on every merge commit of the default branch and on each pull request branch', () => {
    const worlds = [
      world,
      new SimWorld({ seed: 11, preset: 'demo', now: NOW }),
      new SimWorld({ seed: 23, preset: 'demo', now: NOW }),
    ];
    for (const w of worlds)
      for (const repo of [...w.repos.values()].filter((r) => w.detail(r).workflowRuns.length)) {
        const d = w.detail(repo);
        const ci = d.workflows.find((x) => x.name === 'CI');
        expect(ci?.path).toBe('.github/workflows/ci.yml');
        const runs = d.workflowRuns.filter((x) => x.workflowId === ci?.id);
        const pushes = new Set(
          runs.filter((x) => x.event === 'push' && x.headBranch === repo.defaultBranch).map((x) => x.headSha),
        );
        for (const p of d.pulls) {
          if (p.mergeCommitSha && p.createdAt > (ci?.createdAt ?? 0))
            expect(pushes.has(p.mergeCommitSha)).toBe(true);
          const own = runs.filter((x) => x.event === 'pull_request' && x.pullNumber === p.number);
          if (p.createdAt > (ci?.createdAt ?? 0)) {
            expect(own).toHaveLength(1);
            expect(own[0]).toMatchObject({
              headBranch: p.headRef,
              headSha: p.headSha,
              displayTitle: p.title,
            });
          }
        }
        expect(runs.some((x) => x.event === 'pull_request' && x.headBranch !== repo.defaultBranch)).toBe(
          true,
        );
        // The default branch's tip has its run.
        expect(pushes.has(d.branches.get(repo.defaultBranch)?.tip as string)).toBe(true);
      }
  });

  it('are queued, started and completed in order, minutes apart, before the present, numbered per workflow', () => {
    const anchor = Date.parse(NOW);
    const ids = new Set<number>();
    for (const repo of withActions) {
      const d = world.detail(repo);
      expect(d.workflowRuns.map((x) => x.createdAt)).toEqual(
        [...d.workflowRuns.map((x) => x.createdAt)].sort(),
      );
      for (const run of d.workflowRuns) {
        ids.add(run.id);
        expect(run.status).toBe('completed');
        expect(['success', 'failure', 'cancelled']).toContain(run.conclusion);
        expect(run.runStartedAt).toBeGreaterThan(run.createdAt);
        expect(run.updatedAt).toBeGreaterThan(run.runStartedAt + 10_000);
        expect(run.updatedAt - run.createdAt).toBeLessThan(4 * 3_600_000);
        expect(run.updatedAt).toBeLessThanOrEqual(anchor);
        expect(run.actorId).toBe(run.triggeringActorId);
        expect(world.users.has(run.actorId)).toBe(true);
      }
      for (const wf of d.workflows) {
        const numbers = d.workflowRuns.filter((x) => x.workflowId === wf.id).map((x) => x.runNumber);
        expect(numbers).toEqual(numbers.map((_, i) => i + 1));
      }
    }
    expect(ids.size).toBe(withActions.reduce((n, r) => n + world.detail(r).workflowRuns.length, 0));
  });

  it('deploy once per production deployment, failing when the deployment failed', () => {
    let deploys = 0;
    let failed = 0;
    for (const repo of withActions) {
      const d = world.detail(repo);
      const deploy = d.workflows.find((x) => x.name === 'Deploy');
      const production = d.deployments.filter((x) => x.environment === 'production');
      if (!production.length) {
        expect(deploy).toBeUndefined();
        continue;
      }
      const runs = d.workflowRuns.filter((x) => x.workflowId === deploy?.id);
      expect(runs.map((x) => x.headSha)).toEqual(production.map((x) => x.sha));
      for (const [i, run] of runs.entries()) {
        const dep = production[i];
        const failedDeployment = dep?.statuses.at(-1)?.state === 'failure';
        expect([run.conclusion, run.event, run.headBranch]).toEqual([
          failedDeployment ? 'failure' : 'success',
          'push',
          repo.defaultBranch,
        ]);
        expect(run.createdAt).toBeLessThan(dep?.createdAt as number);
        expect(run.updatedAt).toBeGreaterThan(dep?.statuses.at(-1)?.createdAt as number);
        deploys++;
        if (failedDeployment) failed++;
      }
    }
    expect(deploys).toBeGreaterThan(20);
    expect(failed).toBeGreaterThan(0);
    expect(failed / deploys).toBeLessThan(0.3);
  });

  it('are made for a repository detail saved without them (older world files), as it would have been generated', () => {
    const repo = withActions[0] as SimRepo;
    const d = world.detail(repo);
    const before = JSON.stringify([d.workflows, d.workflowRuns]);
    const older = d as unknown as Record<string, unknown>;
    delete older['workflows'];
    delete older['workflowRuns'];
    expect(JSON.stringify([world.detail(repo).workflows, world.detail(repo).workflowRuns])).toBe(before);
  });

  it('are kept by the world file with the runs made at runtime, whose ids go on from there', async () => {
    const w = new SimWorld({ preset: 'small', now: NOW });
    const made = await w.runWorkflow({ owner: 'octocat', repo: 'Hello-World', conclusion: 'failure' });
    const repo = w.repo('octocat', 'Hello-World') as SimRepo;
    const restored = new SimWorld({ preset: 'small', now: NOW });
    restoreWorld(restored, serializeWorld(w));
    const again = restored.repo('octocat', 'Hello-World') as SimRepo;
    expect(restored.detail(again).workflowRuns).toEqual(w.detail(repo).workflowRuns);
    expect(restored.detail(again).workflowRuns.at(-1)).toMatchObject({ id: made.id, conclusion: 'failure' });
    const next = await restored.runWorkflow({ owner: 'octocat', repo: 'Hello-World' });
    expect([next.id, next.runNumber]).toEqual([made.id + 1, made.runNumber + 1]);
  });

  it('reach the large preset, lazily per repository', () => {
    const large = new SimWorld({ preset: 'large', now: NOW });
    const sample = [...large.repos.values()].slice(0, 40);
    const runs = sample.reduce((n, r) => n + large.detail(r).workflowRuns.length, 0);
    expect(runs).toBeGreaterThan(40 * 10);
    expect(sample.filter((r) => large.detail(r).workflowRuns.length).length).toBeGreaterThan(20);
  });
});

describe(createdRange.name, () => {
  const t = (s: string) => Date.parse(s);
  it.each([
    ['>=2026-01-01', t('2026-01-01T00:00:00Z'), Infinity],
    ['>2026-01-01', t('2026-01-02T00:00:00Z'), Infinity],
    ['<2026-01-01', -Infinity, t('2026-01-01T00:00:00Z') - 1],
    ['<=2026-01-01', -Infinity, t('2026-01-02T00:00:00Z') - 1],
    ['2026-01-01', t('2026-01-01T00:00:00Z'), t('2026-01-02T00:00:00Z') - 1],
    ['2026-01-01..2026-02-01', t('2026-01-01T00:00:00Z'), t('2026-02-02T00:00:00Z') - 1],
    ['2026-01-01..*', t('2026-01-01T00:00:00Z'), Infinity],
    ['*..2026-02-01', -Infinity, t('2026-02-02T00:00:00Z') - 1],
    ['>=2026-01-01T10:00:00Z', t('2026-01-01T10:00:00Z'), Infinity],
    ['>2026-01-01T10:00:00+02:00', t('2026-01-01T08:00:00Z') + 1, Infinity],
    ['>2026-01-01T10:00:00 02:00', t('2026-01-01T08:00:00Z') + 1, Infinity],
    ['2026-01-01T10:00:00Z..2026-01-01T11:00:00Z', t('2026-01-01T10:00:00Z'), t('2026-01-01T11:00:00Z')],
  ])('reads %s', (text, from, to) => {
    expect(createdRange(text)).toEqual({ from, to });
  });

  it.each([
    'yesterday',
    '>=',
    '2026-13-01',
    '2026-02-30',
    '>=2026-1-1',
    '2026-01-01...2026-02-01',
    '<<2026-01-01',
  ])('refuses %s', (text) => {
    expect(createdRange(text)).toBeNull();
  });
});

describe('GitHub Actions REST', () => {
  let sim: GithubSimHandle;
  let api: ReturnType<typeof client>;
  const R = '/repos/octocat/Hello-World';
  let runs: SimWorkflowRun[];

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small', now: NOW });
    api = client(sim, sim.issueToken('octocat', ['repo', 'read:org']));
    const repo = sim.world.repo('octocat', 'Hello-World') as SimRepo;
    runs = sim.world.detail(repo).workflowRuns;
  });
  afterAll(() => sim.stop());

  const newestFirst = (rows: SimWorkflowRun[]) =>
    [...rows].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id).map((x) => x.id);
  const ids = async (query: string) => {
    const res = await api.get<RunList>(`${R}/actions/runs?per_page=100&${query}`);
    expect([query, res.status]).toEqual([query, 200]);
    expect(res.body.total_count).toBe(res.body.workflow_runs.length);
    return res.body.workflow_runs.map((x) => x.id);
  };

  it('lists every run newest first (created_at, then id) with the total count', async () => {
    expect(runs.length).toBeGreaterThan(5);
    expect(await ids('')).toEqual(newestFirst(runs));
    const one = await api.get<S['workflow-run']>(`${R}/actions/runs/${runs[0]?.id}`);
    expect(one.body).toMatchObject({
      id: runs[0]?.id,
      status: 'completed',
      run_attempt: 1,
      path: expect.stringMatching(/^\.github\/workflows\/\w+\.yml$/),
      html_url: `${sim.url}/octocat/Hello-World/actions/runs/${runs[0]?.id}`,
      repository: { full_name: 'octocat/Hello-World' },
      head_commit: { id: runs[0]?.headSha },
    });
  });

  it('pages with per_page (at most 100) and page, with Link headers, and refuses a bad per_page', async () => {
    const all = newestFirst(runs);
    const page2 = await api.get<RunList>(`${R}/actions/runs?per_page=2&page=2`);
    expect(page2.body.total_count).toBe(all.length);
    expect(page2.body.workflow_runs.map((x) => x.id)).toEqual(all.slice(2, 4));
    const link = page2.headers.get('link') ?? '';
    expect(link).toContain('per_page=2&page=3>; rel="next"');
    expect(link).toContain(`page=${Math.ceil(all.length / 2)}>; rel="last"`);
    expect(link).toContain('rel="prev"');
    const capped = await api.get<RunList>(`${R}/actions/runs?per_page=500`);
    expect(capped.body.workflow_runs.length).toBe(Math.min(100, all.length));
    for (const bad of ['abc', '0', '-5', '1.5']) {
      const res = await api.get<{ message: string; errors: unknown[] }>(`${R}/actions/runs?per_page=${bad}`);
      expect([bad, res.status, res.body.message]).toEqual([bad, 422, 'Validation Failed']);
    }
  });

  it('filters by branch, event, status or conclusion, actor and head_sha', async () => {
    const repo = sim.world.repo('octocat', 'Hello-World') as SimRepo;
    const prBranch = runs.find((x) => x.event === 'pull_request')?.headBranch as string;
    const failed = runs.filter((x) => x.conclusion === 'failure');
    const someone = sim.world.users.get(runs[0]?.actorId as number)?.login as string;
    const cases: Array<[string, SimWorkflowRun[]]> = [
      [`branch=${repo.defaultBranch}`, runs.filter((x) => x.headBranch === repo.defaultBranch)],
      [`branch=${encodeURIComponent(prBranch)}`, runs.filter((x) => x.headBranch === prBranch)],
      ['event=pull_request', runs.filter((x) => x.event === 'pull_request')],
      ['event=push', runs.filter((x) => x.event === 'push')],
      ['status=completed', runs],
      ['status=in_progress', []],
      ['status=success', runs.filter((x) => x.conclusion === 'success')],
      ['status=failure', failed],
      [`actor=${someone.toUpperCase()}`, runs.filter((x) => x.actorId === runs[0]?.actorId)],
      ['actor=nobody-at-all', []],
      [`head_sha=${runs[1]?.headSha}`, runs.filter((x) => x.headSha === runs[1]?.headSha)],
      [`branch=${repo.defaultBranch}&event=pull_request`, []],
    ];
    for (const [query, want] of cases) expect([query, await ids(query)]).toEqual([query, newestFirst(want)]);
    expect(newestFirst(runs.filter((x) => x.headBranch === repo.defaultBranch)).length).toBeGreaterThan(2);
    const bad = await api.get<{ errors: Array<{ field: string }> }>(`${R}/actions/runs?status=done`);
    expect([bad.status, bad.body.errors[0]?.field]).toEqual([422, 'status']);
  });

  it('filters by created with GitHub date ranges, and answers 422 for one it cannot read', async () => {
    const sorted = [...runs].sort((a, b) => a.createdAt - b.createdAt);
    const mid = sorted[Math.floor(sorted.length / 2)] as SimWorkflowRun;
    const day = new Date(mid.createdAt).toISOString().slice(0, 10);
    const dayStart = Date.parse(`${day}T00:00:00Z`);
    const dayEnd = dayStart + 86_400_000;
    const instant = new Date(mid.createdAt).toISOString();
    const cases: Array<[string, (t: number) => boolean]> = [
      [`>=${day}`, (t) => t >= dayStart],
      [`>${day}`, (t) => t >= dayEnd],
      [`<${day}`, (t) => t < dayStart],
      [`<=${day}`, (t) => t < dayEnd],
      [day, (t) => t >= dayStart && t < dayEnd],
      [`${day}..${NOW.slice(0, 10)}`, (t) => t >= dayStart],
      [`>=${instant}`, (t) => t >= mid.createdAt],
      [`<${instant}`, (t) => t < mid.createdAt],
    ];
    for (const [created, keep] of cases) {
      const query = `created=${encodeURIComponent(created)}`;
      expect([created, await ids(query)]).toEqual([
        created,
        newestFirst(runs.filter((x) => keep(x.createdAt))),
      ]);
    }
    expect((await ids(`created=${encodeURIComponent(`>=${day}`)}`)).length).toBeGreaterThan(0);
    for (const bad of ['yesterday', '>=2026-13-01', '2026-01-01...2026-02-01']) {
      const res = await api.get<{ message: string; errors: Array<{ field: string; code: string }> }>(
        `${R}/actions/runs?created=${encodeURIComponent(bad)}`,
      );
      expect([bad, res.status, res.body.message, res.body.errors[0]]).toEqual([
        bad,
        422,
        'Validation Failed',
        expect.objectContaining({ field: 'created', code: 'invalid' }),
      ]);
    }
  });

  it('answers at most 1,000 runs to a filtered list and pages through at most 40,000 of all, as GitHub does', async () => {
    const busy = await startGithubSim({ preset: 'small', now: NOW });
    try {
      const repo = busy.world.repo('octocat', 'Hello-World') as SimRepo;
      const target = busy.world.detail(repo);
      const template = target.workflowRuns.find((x) => x.headBranch === repo.defaultBranch) as SimWorkflowRun;
      for (let k = 0; k < 1100; k++)
        target.workflowRuns.push({ ...template, id: 90_000_000_000 + k, createdAt: template.createdAt + k });
      const c = client(busy, busy.issueToken('octocat', ['repo']));
      const filtered = await c.get<RunList>(`${R}/actions/runs?branch=main&per_page=100&page=10`);
      expect(filtered.body.total_count).toBe(1000);
      expect(filtered.body.workflow_runs).toHaveLength(100);
      expect(filtered.headers.get('link') ?? '').not.toContain('rel="next"');
      const beyond = await c.get<RunList>(`${R}/actions/runs?branch=main&per_page=100&page=11`);
      expect(beyond.body.workflow_runs).toEqual([]);
      const unfiltered = await c.get<RunList>(`${R}/actions/runs?per_page=100&page=11`);
      expect(unfiltered.body.total_count).toBe(target.workflowRuns.length);
      expect(unfiltered.body.workflow_runs.length).toBeGreaterThan(0);
      // Unfiltered, GitHub pages through 40,000 runs and refuses a page past them.
      const far = await c.get<{ message: string }>(`${R}/actions/runs?per_page=100&page=401`);
      expect([far.status, far.body.message]).toEqual([
        422,
        'In order to keep the API fast for everyone, pagination is limited for this resource.',
      ]);
      expect((await c.get(`${R}/actions/runs?per_page=100&page=400`)).status).toBe(200);
    } finally {
      await busy.stop();
    }
  });

  it('names the open pull requests of a run’s branch, unless exclude_pull_requests', async () => {
    const repo = sim.world.repo('octocat', 'Hello-World') as SimRepo;
    const open = sim.world.detail(repo).pulls.find((p) => p.state === 'open');
    const run = runs.find((x) => x.headBranch === open?.headRef) as SimWorkflowRun;
    expect(run).toBeDefined();
    const got = await api.get<S['workflow-run']>(`${R}/actions/runs/${run.id}`);
    expect(got.body.pull_requests).toEqual([
      expect.objectContaining({
        number: open?.number,
        head: expect.objectContaining({ ref: open?.headRef }),
      }),
    ]);
    const without = await api.get<S['workflow-run']>(
      `${R}/actions/runs/${run.id}?exclude_pull_requests=true`,
    );
    expect(without.body.pull_requests).toEqual([]);
    const onMain = runs.find((x) => x.headBranch === repo.defaultBranch) as SimWorkflowRun;
    expect((await api.get<S['workflow-run']>(`${R}/actions/runs/${onMain.id}`)).body.pull_requests).toEqual(
      [],
    );
  });

  it('answers 404 for an unknown run or workflow', async () => {
    for (const path of [
      `${R}/actions/runs/1`,
      `${R}/actions/runs/not-a-number`,
      `${R}/actions/workflows/999`,
      `${R}/actions/workflows/nope.yml`,
      '/repos/octocat/no-such-repo/actions/runs',
    ])
      expect([path, (await api.get(path)).status]).toEqual([path, 404]);
  });

  it('lists workflows and reads one by id or file name, with its runs', async () => {
    const list = await api.get<{ total_count: number; workflows: Array<S['workflow']> }>(
      `${R}/actions/workflows`,
    );
    expect(list.body.total_count).toBe(list.body.workflows.length);
    const ci = list.body.workflows.find((x) => x.name === 'CI') as S['workflow'];
    expect(ci).toMatchObject({ path: '.github/workflows/ci.yml', state: 'active' });
    expect((await api.get<S['workflow']>(`${R}/actions/workflows/ci.yml`)).body.id).toBe(ci.id);
    expect((await api.get<S['workflow']>(`${R}/actions/workflows/${ci.id}`)).body.name).toBe('CI');
    const own = await api.get<RunList>(`${R}/actions/workflows/ci.yml/runs?per_page=100`);
    expect(own.body.workflow_runs.map((x) => x.id)).toEqual(
      newestFirst(runs.filter((x) => x.workflowId === ci.id)),
    );
  });

  it('needs actions: read from an installation (403 without it) and the repo scope for a private repository', async () => {
    const { app } = sim.world.registerGithubApp({
      slug: 'runs-reader',
      permissions: { metadata: 'read', actions: 'read' },
    });
    const inst = await sim.world.installApp({ app: app.id, account: 'octocat' });
    const reader = client(sim, sim.world.createInstallationToken(inst.id).token);
    expect((await reader.get(`${R}/actions/runs`)).status).toBe(200);
    expect((await reader.get(`${R}/actions/workflows`)).status).toBe(200);
    const { app: other } = sim.world.registerGithubApp({
      slug: 'no-actions',
      permissions: { metadata: 'read', contents: 'read' },
    });
    const inst2 = await sim.world.installApp({ app: other.id, account: 'octocat' });
    const blind = client(sim, sim.world.createInstallationToken(inst2.id).token);
    for (const path of [`${R}/actions/runs`, `${R}/actions/runs/${runs[0]?.id}`, `${R}/actions/workflows`]) {
      const res = await blind.get<{ message: string }>(path);
      expect([path, res.status, res.body.message]).toEqual([
        path,
        403,
        'Resource not accessible by integration',
      ]);
    }
    const priv = [...sim.world.repos.values()].find((r) => r.private) as SimRepo;
    const path = `/repos/${sim.world.fullName(priv)}/actions/runs`;
    expect((await client(sim, sim.issueToken('octocat', ['read:user'])).get(path)).status).toBe(404);
    expect((await api.get(path)).status).toBe(200);
  });
});

describe('workflow runs made by the control action', () => {
  let sim: GithubSimHandle;
  let receiver: Awaited<ReturnType<typeof webhookReceiver>>;
  let pushOnly: Awaited<ReturnType<typeof webhookReceiver>>;
  let appHook: Awaited<ReturnType<typeof webhookReceiver>>;
  let blindHook: Awaited<ReturnType<typeof webhookReceiver>>;
  let api: ReturnType<typeof client>;
  let ctl: ReturnType<typeof control>;
  let installationId: number;
  const R = '/repos/acme-corp/web-console';

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small', now: NOW });
    api = client(sim, sim.issueToken('octocat', ['repo', 'admin:repo_hook']));
    ctl = control(sim);
    [receiver, pushOnly, appHook, blindHook] = await Promise.all([
      webhookReceiver(),
      webhookReceiver(),
      webhookReceiver(),
      webhookReceiver(),
    ]);
    await api.post(`${R}/hooks`, {
      config: { url: receiver.url, content_type: 'json' },
      events: ['workflow_run'],
    });
    await api.post(`${R}/hooks`, { config: { url: pushOnly.url, content_type: 'json' }, events: ['push'] });
    const { app } = sim.world.registerGithubApp({
      slug: 'runs-watcher',
      webhookUrl: appHook.url,
      permissions: { metadata: 'read', actions: 'read' },
      events: ['workflow_run'],
    });
    installationId = (await sim.world.installApp({ app: app.id, account: 'acme-corp' })).id;
    // Subscribed to workflow_run, but without the actions permission: GitHub sends it nothing.
    const { app: blind } = sim.world.registerGithubApp({
      slug: 'runs-blind',
      webhookUrl: blindHook.url,
      permissions: { metadata: 'read', contents: 'read' },
      events: ['workflow_run', 'push'],
    });
    await sim.world.installApp({ app: blind.id, account: 'acme-corp' });
    await sim.world.settled();
  });
  afterAll(async () => {
    await sim.stop();
    await Promise.all([receiver.close(), pushOnly.close(), appHook.close(), blindHook.close()]);
  });

  const runEvents = (r: typeof receiver) =>
    r.received
      .filter((d) => d.headers['x-github-event'] === 'workflow_run')
      .map((d) => JSON.parse(d.body) as Record<string, unknown> & { workflow_run: S['workflow-run'] });

  it('creates a CI run on the default branch tip by default, answered in REST shape and readable after', async () => {
    const repo = sim.world.repo('acme-corp', 'web-console') as SimRepo;
    const tip = sim.world.detail(repo).branches.get(repo.defaultBranch)?.tip;
    const before = Date.now();
    const res = await ctl.post<S['workflow-run']>(`${R}/workflow-runs`, {});
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'CI',
      head_branch: repo.defaultBranch,
      head_sha: tip,
      event: 'push',
      status: 'completed',
      conclusion: 'success',
      run_number: 1,
      path: '.github/workflows/ci.yml',
    });
    // Queued, started, completed: nothing in the future.
    expect(Date.parse(res.body.updated_at)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(res.body.updated_at)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(Date.parse(res.body.created_at)).toBeLessThan(Date.parse(res.body.run_started_at as string));
    const read = await api.get<S['workflow-run']>(`${R}/actions/runs/${res.body.id}`);
    expect(read.body).toEqual(res.body);
    const again = await ctl.post<S['workflow-run']>(`${R}/workflow-runs`, { conclusion: 'failure' });
    expect([again.body.run_number, again.body.conclusion, again.body.workflow_id]).toEqual([
      2,
      'failure',
      res.body.workflow_id,
    ]);
    const listed = await api.get<RunList>(`${R}/actions/runs?per_page=2`);
    expect(listed.body.workflow_runs.map((x) => x.id)).toEqual([again.body.id, res.body.id]);
  });

  it('announces requested, in_progress and completed to hooks subscribed to workflow_run and to Apps with actions access', async () => {
    receiver.received.length = 0;
    appHook.received.length = 0;
    const res = await ctl.post<S['workflow-run']>(`${R}/workflow-runs`, {
      name: 'Deploy',
      conclusion: 'cancelled',
    });
    const seen = runEvents(receiver);
    expect(seen.map((p) => [p['action'], p.workflow_run.status, p.workflow_run.conclusion])).toEqual([
      ['requested', 'queued', null],
      ['in_progress', 'in_progress', null],
      ['completed', 'completed', 'cancelled'],
    ]);
    for (const p of seen) {
      expect(p.workflow_run.id).toBe(res.body.id);
      expect(p['workflow']).toMatchObject({ name: 'Deploy', path: '.github/workflows/deploy.yml' });
      expect(p['repository']).toMatchObject({ full_name: 'acme-corp/web-console' });
      expect(p['sender']).toMatchObject({ login: expect.any(String) });
      expect(p['installation']).toBeUndefined();
    }
    const app = runEvents(appHook);
    expect(app.map((p) => [p['action'], (p['installation'] as { id: number }).id])).toEqual([
      ['requested', installationId],
      ['in_progress', installationId],
      ['completed', installationId],
    ]);
    expect(runEvents(pushOnly)).toEqual([]);
    expect(runEvents(blindHook)).toEqual([]);
  });

  it('runs on a pull request branch as a pull_request run, at a given commit', async () => {
    const repo = sim.world.repo('acme-corp', 'web-console') as SimRepo;
    const open = sim.world.detail(repo).pulls.find((p) => p.state === 'open');
    const main = sim.world.detail(repo).branches.get(repo.defaultBranch)?.tip as string;
    const res = await ctl.post<S['workflow-run']>(`${R}/workflow-runs`, {
      head_branch: open?.headRef,
      head_sha: main.toUpperCase(),
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      event: 'pull_request',
      head_branch: open?.headRef,
      head_sha: main,
      display_title: open?.title,
      pull_requests: [expect.objectContaining({ number: open?.number })],
    });
  });

  it('answers 422 or 404 for bad input, never 500', async () => {
    const cases: Array<[string, unknown, number]> = [
      [R, { head_branch: 'no/such-branch' }, 422],
      [R, { head_sha: 'f'.repeat(40) }, 422],
      [R, { head_sha: 'not a sha' }, 422],
      [R, { conclusion: 'neutral' }, 422],
      [R, { name: 42 }, 422],
      [R, { name: '  ' }, 422],
      [R, { head_branch: ['main'] }, 422],
      [R, { at: 'soon' }, 422],
      ['/repos/acme-corp/no-such-repo', {}, 404],
    ];
    for (const [repo, body, want] of cases) {
      const res = await ctl.post<{ message: string }>(`${repo}/workflow-runs`, body);
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), want]);
      expect(res.body.message).toEqual(expect.any(String));
    }
    expect((await ctl.post(`${R}/workflow-runs`, '[1]')).status).toBe(400);
  });
});

describe('live mode and GitHub Actions', () => {
  it('runs CI for its pushes and merges to the default branch and its new pull requests, and Deploy for its deployments', async () => {
    const w = new SimWorld({ preset: 'small', seed: 4, now: NOW });
    const seen: string[] = [];
    w.on((e) => {
      if (e.type === 'workflow_run') seen.push(`${e.workflow.name}:${e.action}`);
    });
    const live = new LiveMode(w);
    const steps: string[] = [];
    for (let k = 0; k < 80 && !steps.some((s) => s.includes('deploy to production') && s.includes('CI')); k++)
      steps.push(await live.step());
    const ci = steps.filter((s) => s.includes(', CI '));
    expect(new Set(ci.map((s) => s.split(' ')[0]))).toEqual(new Set(['push', 'merge', 'pull']));
    expect(seen.filter((s) => s === 'CI:completed').length).toBe(ci.length);
    expect(seen.filter((s) => s === 'CI:requested').length).toBe(ci.length);
    expect(seen).toContain('Deploy:completed');
    let made = 0;
    for (const repo of w.repos.values()) {
      const d = w.detail(repo);
      for (const run of d.workflowRuns.filter((x) => x.id > 13_000_000_000)) {
        made++;
        if (run.event === 'push') expect(run.headBranch).toBe(repo.defaultBranch);
        else expect(run.headBranch).toMatch(/^live\//);
      }
      // Repositories without Actions get none.
      if (!d.workflows.length) expect(d.workflowRuns).toEqual([]);
    }
    expect(made).toBe(seen.filter((s) => s.endsWith(':completed')).length);
  });
});
