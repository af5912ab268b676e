import type { GithubSimHandle } from '@trackeep/github-sim';
import { splitFullName } from '../src/common/full-name.util';
import { InsightsRepository } from '../src/insights/insights.repository';
import { DeploymentsRepository, type DeploymentStatusWrite } from '../src/repos/data/deployments.repository';
import { ReleasesRepository } from '../src/repos/data/releases.repository';
import { HISTORY_DAYS } from '../src/sync/engine/side-streams';
import { SyncStore } from '../src/sync/engine/sync-store.repository';
import { readWorkflowRuns } from '../src/sync/engine/workflow-runs.stream';
import {
  applyRecordedDeliveries,
  recordDeliveries,
  createSyncDb,
  engineRunner,
  must,
  startSim,
  syncDb,
  type SyncDbFixture,
} from './sync-support/sync-harness';

const iso = (ms: number | null) =>
  ms === null ? null : new Date(Math.floor(ms / 1000) * 1000).toISOString();
const DAY_MS = 24 * 3600_000;

/** The issues of the repository as the simulated GitHub has them now, those updated within the history window. */
function worldIssues(sim: GithubSimHandle, fullName: string, days = HISTORY_DAYS, fromMs?: number) {
  const [owner, name] = splitFullName(fullName);
  const repo = must(sim.world.repo(owner, name), 'the simulated repository');
  const from = fromMs ?? (days ? Date.now() - days * DAY_MS : 0);
  const detail = sim.world.detail(repo);
  const login = (id: number) => must(sim.world.users.get(id), 'a user').login;
  /** The merged pull request whose closing keywords closed it last, if it is still closed. */
  const closer = (i: (typeof detail.issues)[number]) => {
    const closed = [...(i.timeline ?? [])].reverse().find((e) => e.type === 'closed');
    const pull =
      closed?.type === 'closed' ? detail.pulls.find((p) => p.id === closed.closerPullId) : undefined;
    return i.state === 'closed' && pull ? pull.number : null;
  };
  return detail.issues
    .filter((i) => i.updatedAt >= from)
    .map((i) => ({
      number: i.number,
      title: i.title,
      state: i.state,
      state_reason: i.stateReason,
      author_login: login(i.authorId),
      labels: i.labels,
      assignees: (i.assigneeIds ?? []).map(login),
      created_at: iso(i.createdAt),
      updated_at: iso(i.updatedAt),
      closed_at: iso(i.closedAt),
      closed_by_pull: closer(i),
    }))
    .sort((a, b) => a.number - b.number);
}

/** The deployments (with their statuses) of the repository as the simulated GitHub has them, in the window. */
function worldDeployments(sim: GithubSimHandle, fullName: string) {
  const [owner, name] = splitFullName(fullName);
  const repo = must(sim.world.repo(owner, name), 'the simulated repository');
  const from = Date.now() - HISTORY_DAYS * DAY_MS;
  const login = (id: number) => must(sim.world.users.get(id), 'a deployer').login;
  return sim.world
    .detail(repo)
    .deployments.filter((d) => d.createdAt >= from)
    .map((d) => ({
      deployment_id: String(d.id),
      environment: d.environment,
      sha: d.sha,
      creator_login: login(d.creatorId),
      created_at: iso(d.createdAt),
      latest_state: d.statuses[d.statuses.length - 1]?.state ?? null,
      statuses: d.statuses.map((s) => s.state).join(','),
    }))
    .sort((a, b) => a.deployment_id.localeCompare(b.deployment_id));
}

async function storedDeployments(fx: SyncDbFixture, repoId: string) {
  const rows = (await fx.ds.query(
    `SELECT d.deployment_id::text, d.environment, d.sha, d.creator_login, d.created_at, d.latest_state,
            (SELECT string_agg(s.state, ',' ORDER BY s.created_at, s.node_id) FROM deployment_statuses s
              WHERE s.repo_id = d.repo_id AND s.deployment_id = d.deployment_id) AS statuses
       FROM deployments d WHERE d.repo_id = $1 ORDER BY 1`,
    [repoId],
  )) as Array<Record<string, unknown> & { created_at: Date; latest_state: string | null }>;
  return rows.map((r) => ({ ...r, created_at: r.created_at.toISOString() }));
}

/** The releases of the repository as the simulated GitHub has them, in the window. */
function worldReleases(sim: GithubSimHandle, fullName: string) {
  const [owner, name] = splitFullName(fullName);
  const repo = must(sim.world.repo(owner, name), 'the simulated repository');
  const from = Date.now() - HISTORY_DAYS * DAY_MS;
  return sim.world
    .detail(repo)
    .releases.filter((r) => r.createdAt >= from)
    .map((r) => ({
      release_id: String(r.id),
      tag_name: r.tagName,
      sha: r.sha,
      prerelease: r.prerelease,
      author_login: must(sim.world.users.get(r.authorId), 'a release author').login,
      published_at: iso(r.publishedAt),
    }))
    .sort((a, b) => a.release_id.localeCompare(b.release_id));
}

async function storedReleases(fx: SyncDbFixture, repoId: string) {
  const rows = (await fx.ds.query(
    `SELECT release_id::text, tag_name, sha, prerelease, author_login, published_at
       FROM releases WHERE repo_id = $1 AND deleted_at IS NULL ORDER BY 1`,
    [repoId],
  )) as Array<{
    release_id: string;
    tag_name: string;
    sha: string | null;
    prerelease: boolean;
    author_login: string | null;
    published_at: Date | null;
  }>;
  return rows.map((r) => ({ ...r, published_at: r.published_at ? r.published_at.toISOString() : null }));
}

/** The default branch's workflow runs as the simulated GitHub has them, created in the window. */
function worldRuns(sim: GithubSimHandle, fullName: string) {
  const [owner, name] = splitFullName(fullName);
  const repo = must(sim.world.repo(owner, name), 'the simulated repository');
  const from = Date.now() - HISTORY_DAYS * DAY_MS;
  return sim.world
    .detail(repo)
    .workflowRuns.filter((r) => r.headBranch === repo.defaultBranch && r.createdAt >= from)
    .map((r) => ({
      run_id: String(r.id),
      name: r.name,
      head_sha: r.headSha,
      status: r.status,
      conclusion: r.conclusion,
      created_at: iso(r.createdAt),
      updated_at: iso(r.updatedAt),
    }))
    .sort((a, b) => a.run_id.localeCompare(b.run_id));
}

async function storedRuns(fx: SyncDbFixture, repoId: string) {
  const rows = (await fx.ds.query(
    `SELECT run_id::text, name, head_sha, status, conclusion, created_at, updated_at
       FROM workflow_runs WHERE repo_id = $1 ORDER BY 1`,
    [repoId],
  )) as Array<Record<string, unknown> & { conclusion: string | null; created_at: Date; updated_at: Date }>;
  return rows.map((r) => ({
    ...r,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  }));
}

/** The repository's tags as the simulated GitHub has them, whose commit is in the window. */
function worldTags(sim: GithubSimHandle, fullName: string) {
  const [owner, name] = splitFullName(fullName);
  const repo = must(sim.world.repo(owner, name), 'the simulated repository');
  const from = Date.now() - HISTORY_DAYS * DAY_MS;
  const graph = sim.world.graph(repo);
  return [...sim.world.detail(repo).tags.values()]
    .map((t) => ({
      name: t.name,
      sha: t.sha,
      tagged_at: t.annotation ? iso(t.annotation.taggedAt) : null,
      commit_at: iso(must(graph.get(t.sha), `the commit of ${t.name}`).committedAt),
    }))
    .filter((t) => Date.parse(t.commit_at ?? '') >= from)
    .sort((a, b) => a.name.localeCompare(b.name));
}

async function storedTags(fx: SyncDbFixture, repoId: string) {
  const rows = (await fx.ds.query(
    `SELECT name, sha, tagged_at, commit_at FROM tags WHERE repo_id = $1 AND deleted_at IS NULL ORDER BY name`,
    [repoId],
  )) as Array<{ name: string; sha: string; tagged_at: Date | null; commit_at: Date | null }>;
  return rows
    .map((r) => ({
      ...r,
      tagged_at: r.tagged_at ? r.tagged_at.toISOString() : null,
      commit_at: r.commit_at ? r.commit_at.toISOString() : null,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

async function storedIssues(fx: SyncDbFixture, repoId: string) {
  const rows = (await fx.ds.query(
    `SELECT number, title, state, state_reason, author_login, labels, assignees, created_at, updated_at, closed_at,
            closed_by_pull
       FROM issues WHERE repo_id = $1 AND deleted_at IS NULL ORDER BY number`,
    [repoId],
  )) as Array<Record<string, unknown>>;
  const t = (v: unknown) => (v instanceof Date ? v.toISOString() : v);
  return rows.map((r) => ({
    ...r,
    created_at: t(r['created_at']),
    updated_at: t(r['updated_at']),
    closed_at: t(r['closed_at']),
  }));
}

describe('sync: deployments and issues beside the repository rounds', () => {
  let sim: GithubSimHandle;
  let fx: SyncDbFixture;
  let repo: { id: string; fullName: string };

  beforeAll(async () => {
    // A world of today: the history window counts back from now.
    sim = await startSim({
      now: new Date().toISOString(),
      seed: 5,
      sizes: { reposPerOwner: 1, commitsPerRepo: 20, pullsPerRepo: 4, issuesPerRepo: 60, users: 10 },
    });
    fx = await createSyncDb(sim);
    repo = must(fx.repos[0], 'the tracked repository');
    // One release made a day ago, one older than the history window (left out).
    const [owner, name] = splitFullName(repo.fullName);
    await sim.world.createRelease({ owner, repo: name, tag: 'v0.1.0', at: Date.now() - DAY_MS });
    await sim.world.createRelease({ owner, repo: name, tag: 'v0.0.1', at: Date.now() - 400 * DAY_MS });
    // An annotated tag (a tag object with its tagger's date) besides the releases' tags.
    await sim.world.createTag({ owner, repo: name, tag: 'v0.1.1', message: 'Version 0.1.1' });
    // A Deploy run on the default branch, and a CI run of another branch (left out).
    await sim.world.runWorkflow({ owner, repo: name, name: 'Deploy', at: Date.now() - 2 * DAY_MS });
    const other = [...sim.world.detail(must(sim.world.repo(owner, name), 'the repo')).branches.keys()].find(
      (b) => b !== must(sim.world.repo(owner, name), 'the repo').defaultBranch,
    );
    if (other) await sim.world.runWorkflow({ owner, repo: name, headBranch: other, conclusion: 'failure' });
  });
  afterAll(async () => {
    await fx.close();
    await sim.stop();
  });

  it('the first sync stores every issue updated in the history window, with state, reason, labels, assignees, author and closing pull request', async () => {
    const world = worldIssues(sim, repo.fullName);
    expect(world.length).toBeGreaterThan(49); // more than one page
    expect(world.some((i) => i.labels.length > 0)).toBe(true);
    expect(world.some((i) => i.assignees.length > 0)).toBe(true);
    expect(world.some((i) => i.closed_by_pull !== null)).toBe(true);
    const runner = engineRunner(sim, fx);
    expect((await runner.run(repo.id)).status).toBe('succeeded');
    expect(await storedIssues(fx, repo.id)).toEqual(world);
    // Two pages at one point each (with deployments alongside, the issues' share of two points).
    expect(runner.meter.pointsByStream['issues']).toBeGreaterThan(0.9);
  });

  it('the first sync stores every deployment in the window with all its statuses, and a timeline entry per outcome', async () => {
    const world = worldDeployments(sim, repo.fullName);
    expect(world.length).toBeGreaterThan(0);
    expect(await storedDeployments(fx, repo.id)).toEqual(world);
    const outcomes = (await fx.ds.query(
      `SELECT count(*)::int AS n FROM activity_events WHERE repo_id = $1 AND type = 'deployment'`,
      [repo.id],
    )) as Array<{ n: number }>;
    expect(outcomes[0]?.n).toBe(world.length);
  });

  it('the first sync stores the releases in the window with their tagged commit, each "released" once', async () => {
    const world = worldReleases(sim, repo.fullName);
    expect(world.map((r) => r.tag_name)).toContain('v0.1.0');
    expect(world.map((r) => r.tag_name)).not.toContain('v0.0.1');
    expect(await storedReleases(fx, repo.id)).toEqual(world);
    const entries = (await fx.ds.query(
      `SELECT title FROM activity_events WHERE repo_id = $1 AND type = 'release' ORDER BY occurred_at`,
      [repo.id],
    )) as Array<{ title: string }>;
    expect(entries.map((e) => e.title)).toContain('released v0.1.0');
    expect(entries).toHaveLength(world.length);
  });

  it('the first sync stores the default branch’s workflow runs in the window, no other branch’s', async () => {
    const world = worldRuns(sim, repo.fullName);
    expect(world.map((r) => r.name)).toContain('Deploy');
    expect(await storedRuns(fx, repo.id)).toEqual(world);
  });

  it('the workflow_run webhooks write the rows a later sync writes, in any order; an unchanged list costs nothing', async () => {
    const [owner, name] = splitFullName(repo.fullName);
    const delivered = await recordDeliveries(sim, repo.fullName, ['workflow_run']);
    await sim.world.runWorkflow({ owner, repo: name, name: 'CI', conclusion: 'failure' });
    await sim.world.settled();
    const deliveries = sim.world.deliveries.slice(delivered).filter((d) => d.event === 'workflow_run');
    expect(deliveries.map((d) => d.action)).toEqual(['requested', 'in_progress', 'completed']);
    // The completed copy first: the late requested one must not undo it.
    await applyRecordedDeliveries(fx, repo, [...deliveries].reverse());
    const byWebhook = await storedRuns(fx, repo.id);
    expect(byWebhook).toEqual(worldRuns(sim, repo.fullName));
    expect(byWebhook.some((r) => r.conclusion === 'failure')).toBe(true);
    const runner = engineRunner(sim, fx);
    expect((await runner.run(repo.id)).status).toBe('succeeded');
    expect(await storedRuns(fx, repo.id)).toEqual(byWebhook);
  });

  it('the first sync stores the tags whose commit is in the window: annotated ones with their tagger’s date', async () => {
    const world = worldTags(sim, repo.fullName);
    expect(world.some((t) => t.tagged_at !== null)).toBe(true);
    expect(await storedTags(fx, repo.id)).toEqual(world);
  });

  it('tag pushes and deletes write the rows a later sync writes; a deleted tag stays deleted', async () => {
    const [owner, name] = splitFullName(repo.fullName);
    const delivered = await recordDeliveries(sim, repo.fullName, ['push', 'create', 'delete']);
    await sim.world.createTag({ owner, repo: name, tag: 'deploy-1' });
    await sim.world.createTag({ owner, repo: name, tag: 'v9.0.0', message: 'Version 9' });
    await sim.world.createTag({ owner, repo: name, tag: 'doomed' });
    await sim.world.deleteTag({ owner, repo: name, tag: 'doomed' });
    await sim.world.settled();
    const deliveries = sim.world.deliveries
      .slice(delivered)
      .filter((d) => ['push', 'create', 'delete'].includes(d.event));
    expect(deliveries.map((d) => d.event).sort()).toEqual(
      ['create', 'create', 'create', 'delete', 'push', 'push', 'push', 'push'].sort(),
    );
    // The deleting deliveries first, as a slow network may bring them: the tag still ends deleted. A `create`
    // names no commit and is left to its push.
    await applyRecordedDeliveries(
      fx,
      repo,
      [...deliveries].reverse().filter((d) => d.event !== 'create'),
    );
    const world = worldTags(sim, repo.fullName);
    const byWebhook = await storedTags(fx, repo.id);
    // A push names the commit but not an annotated tag's tagger date: everything else now, that at the next read.
    expect(byWebhook.map(({ tagged_at: _t, ...rest }) => rest)).toEqual(
      world.map(({ tagged_at: _t, ...rest }) => rest),
    );
    expect(byWebhook.find((t) => t.name === 'doomed')).toBeUndefined();
    expect(byWebhook.find((t) => t.name === 'deploy-1')).toEqual(world.find((t) => t.name === 'deploy-1'));
    expect((await engineRunner(sim, fx).run(repo.id)).status).toBe('succeeded');
    expect(await storedTags(fx, repo.id)).toEqual(world);
  });

  it('the release webhook writes the rows a later sync completes with the tagged commit', async () => {
    const [owner, name] = splitFullName(repo.fullName);
    const delivered = await recordDeliveries(sim, repo.fullName, ['release']);
    const made = await sim.world.createRelease({ owner, repo: name, tag: 'v0.2.0' });
    await sim.world.settled();
    const deliveries = sim.world.deliveries.slice(delivered).filter((d) => d.event === 'release');
    expect(deliveries.map((d) => d.action)).toEqual(['created', 'published', 'released']);
    await applyRecordedDeliveries(fx, repo, [...deliveries].reverse());
    const world = worldReleases(sim, repo.fullName);
    // A webhook names the target branch, not the commit: everything but the sha until the next read.
    const withoutSha = (rows: Array<{ sha: string | null }>) => rows.map(({ sha: _sha, ...rest }) => rest);
    expect(withoutSha(await storedReleases(fx, repo.id))).toEqual(withoutSha(world));
    expect((await storedReleases(fx, repo.id)).find((r) => r.tag_name === 'v0.2.0')?.sha).toBeNull();
    expect((await engineRunner(sim, fx).run(repo.id)).status).toBe('succeeded');
    const synced = await storedReleases(fx, repo.id);
    expect(synced).toEqual(world);
    expect(synced.find((r) => r.tag_name === 'v0.2.0')?.sha).toBe(made.sha);
  });

  it('the deployment webhooks write the rows a later sync writes, in any order, however often delivered', async () => {
    const [owner, name] = splitFullName(repo.fullName);
    const delivered = await recordDeliveries(sim, repo.fullName, ['deployment', 'deployment_status']);
    const simRepo = must(sim.world.repo(owner, name), 'the simulated repository');
    await sim.world.deploy({ owner, repo: name, ref: simRepo.defaultBranch, state: 'failure' });
    await sim.world.deploy({ owner, repo: name, ref: simRepo.defaultBranch, environment: 'staging' });
    await sim.world.settled();
    const deliveries = sim.world.deliveries
      .slice(delivered)
      .filter((d) => d.event === 'deployment' || d.event === 'deployment_status');
    expect(deliveries).toHaveLength(8);
    // Statuses before their deployments, the newest first, then everything again.
    await applyRecordedDeliveries(fx, repo, [...deliveries].reverse());
    await applyRecordedDeliveries(fx, repo, deliveries);
    const byWebhook = await storedDeployments(fx, repo.id);
    expect(byWebhook).toEqual(worldDeployments(sim, repo.fullName));
    expect(byWebhook.filter((d) => d.latest_state === 'failure').length).toBeGreaterThan(0);
  });

  it('takes a deployment’s outcome as its latest state when its statuses share one second, whatever their node ids, and insights read them in that order', async () => {
    const at = '2026-11-30T10:00:00Z';
    const status = (node_id: string, state: DeploymentStatusWrite['state']): DeploymentStatusWrite => ({
      node_id,
      deployment_id: 9_000_001,
      state,
      description: null,
      environment_url: null,
      log_url: null,
      creator_login: 'octocat',
      created_at: at,
    });
    const deployment = {
      deployment_id: 9_000_001,
      node_id: 'DE_tie',
      environment: 'production',
      sha: 'a'.repeat(40),
      ref: 'main',
      task: 'deploy',
      description: null,
      creator_login: 'octocat',
      created_at: at,
      updated_at: at,
    };
    // Node ids that sort against the order GitHub created the statuses in.
    await DeploymentsRepository.upsert(
      syncDb(fx.ds),
      repo.id,
      [deployment],
      [status('DES_z', 'queued'), status('DES_y', 'in_progress'), status('DES_a', 'success')],
    );
    const [row] = await fx.ds.query(
      `SELECT latest_state FROM deployments WHERE repo_id = $1 AND deployment_id = 9000001`,
      [repo.id],
    );
    expect(row).toEqual({ latest_state: 'success' });

    // Insights read the statuses in the same order: a failure posted in the second it was queued is the last.
    await DeploymentsRepository.upsert(
      syncDb(fx.ds),
      repo.id,
      [{ ...deployment, deployment_id: 9_000_002, node_id: 'DE_tie_failed' }],
      [
        { ...status('DES_x', 'queued'), deployment_id: 9_000_002 },
        { ...status('DES_b', 'failure'), deployment_id: 9_000_002 },
      ],
    );
    const [owner] = splitFullName(repo.fullName);
    const facts = await new InsightsRepository(syncDb(fx.ds)).facts(
      [{ id: repo.id, fullName: repo.fullName, owner, githubId: 0, defaultBranch: 'main' }],
      new Date('2026-11-01T00:00:00Z'),
      () => 'deployments',
    );
    const failed = must(
      facts.get(repo.id)?.deployments.find((d) => d.id === '9000002'),
      'the failed deployment in the insights facts',
    );
    expect(failed.statuses.map((x) => x.state)).toEqual(['queued', 'failure']);
    await fx.ds.query(`DELETE FROM deployments WHERE repo_id = $1 AND deployment_id = ANY($2)`, [
      repo.id,
      [9000001, 9000002],
    ]);
  });

  it('the issues webhook writes the rows a later sync writes, and that sync reads only what changed since', async () => {
    const [owner, name] = splitFullName(repo.fullName);
    const delivered = await recordDeliveries(sim, repo.fullName, ['issues']);
    const opened = await sim.world.openIssue({
      owner,
      repo: name,
      title: 'Checkout is down',
      author: 'octocat',
    });
    const open = must(
      worldIssues(sim, repo.fullName).find((i) => i.state === 'open' && i.number !== opened.number),
      'an open issue',
    );
    await sim.world.closeIssue({ owner, repo: name, number: open.number, reason: 'not_planned' });
    await sim.world.settled();
    const deliveries = sim.world.deliveries.slice(delivered).filter((d) => d.event === 'issues');
    expect(deliveries.map((d) => d.action)).toEqual(['opened', 'closed']);
    // Each delivery twice, the second copy after the first: nothing doubles, nothing goes back.
    await applyRecordedDeliveries(fx, repo, [...deliveries, ...deliveries]);
    const byWebhook = await storedIssues(fx, repo.id);
    expect(byWebhook).toEqual(worldIssues(sim, repo.fullName));

    const runner = engineRunner(sim, fx);
    expect((await runner.run(repo.id)).status).toBe('succeeded');
    expect(await storedIssues(fx, repo.id)).toEqual(byWebhook);
    // The deployments the webhooks wrote are what the sync reads too.
    expect(await storedDeployments(fx, repo.id)).toEqual(worldDeployments(sim, repo.fullName));
    // The re-read asked for the issues updated since the last read: one page, at most one point.
    expect(runner.meter.pointsByStream['issues']).toBeGreaterThan(0);
    expect(runner.meter.pointsByStream['issues']).toBeLessThanOrEqual(1);
  });

  it('puts the default branch’s history in the window on the timeline as pushes that account for every commit once', async () => {
    const [owner, name] = splitFullName(repo.fullName);
    const simRepo = must(sim.world.repo(owner, name), 'the simulated repository');
    const tip = must(sim.world.detail(simRepo).branches.get(simRepo.defaultBranch), 'default branch').tip;
    const from = Date.now() - HISTORY_DAYS * DAY_MS;
    const graph = sim.world.graph(simRepo);
    const all = new Map(graph.history(tip, { skip: 0, take: 1_000_000 }).commits.map((c) => [c.sha, c]));
    // The simulator squash-merges: the first-parent line is every commit of the branch.
    const line: string[] = [];
    for (let c = all.get(tip); c && c.committedAt >= from; c = all.get(c.parents[0] ?? '')) line.push(c.sha);
    expect(line.length).toBeGreaterThan(0);
    const rows = (await fx.ds.query(
      `SELECT dedupe_key, data FROM activity_events WHERE repo_id = $1 AND type = 'push' ORDER BY occurred_at DESC`,
      [repo.id],
    )) as Array<{
      dedupe_key: string;
      data: { reconstructed?: boolean; ref: string; head: string; commits: number };
    }>;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[0]?.data.head).toBe(tip);
    expect(rows.every((r) => r.data.reconstructed === true && r.data.ref === simRepo.defaultBranch)).toBe(
      true,
    );
    expect(rows.every((r) => line.includes(r.data.head) && r.dedupe_key === `push:${r.data.head}`)).toBe(
      true,
    );
    expect(rows.reduce((n, r) => n + r.data.commits, 0)).toBe(line.length);
  });

  it('reads only the configured history window at first (SYNC_HISTORY_DAYS), or everything with 0', async () => {
    const month = await createSyncDb(sim);
    const all = await createSyncDb(sim);
    try {
      const inMonth = must(month.repos[0], 'the repository');
      expect((await engineRunner(sim, month, { historyDays: 30 }).run(inMonth.id)).status).toBe('succeeded');
      const recent = worldIssues(sim, repo.fullName, 30);
      const everything = worldIssues(sim, repo.fullName, 0);
      expect(recent.length).toBeGreaterThan(0);
      expect(recent.length).toBeLessThan(everything.length);
      expect(await storedIssues(month, inMonth.id)).toEqual(recent);
      const inAll = must(all.repos[0], 'the repository');
      expect((await engineRunner(sim, all, { historyDays: 0 }).run(inAll.id)).status).toBe('succeeded');
      expect(await storedIssues(all, inAll.id)).toEqual(everything);
    } finally {
      await month.close();
      await all.close();
    }
  });

  it("a repository's own window wins over the instance's: from a first day, or everything", async () => {
    const own = await createSyncDb(sim);
    const all = await createSyncDb(sim);
    try {
      const day = new Date(Date.now() - 45 * DAY_MS).toISOString().slice(0, 10);
      const fromDay = must(own.repos[0], 'the repository');
      await own.ds.query(`UPDATE repositories SET history_since = $2 WHERE id = $1`, [fromDay.id, day]);
      expect((await engineRunner(sim, own, { historyDays: 0 }).run(fromDay.id)).status).toBe('succeeded');
      const since = worldIssues(sim, repo.fullName, 0, Date.parse(`${day}T00:00:00Z`));
      expect(since.length).toBeGreaterThan(0);
      expect(since.length).toBeLessThan(worldIssues(sim, repo.fullName, 0).length);
      expect(await storedIssues(own, fromDay.id)).toEqual(since);
      const everything = must(all.repos[0], 'the repository');
      await all.ds.query(`UPDATE repositories SET history_all = true WHERE id = $1`, [everything.id]);
      expect((await engineRunner(sim, all, { historyDays: 30 }).run(everything.id)).status).toBe('succeeded');
      expect(await storedIssues(all, everything.id)).toEqual(worldIssues(sim, repo.fullName, 0));
    } finally {
      await own.close();
      await all.close();
    }
  });
});

describe('sync: a default branch with more workflow runs than GitHub lists for one filter', () => {
  let sim: GithubSimHandle;
  let fx: SyncDbFixture;

  beforeAll(async () => {
    sim = await startSim({
      now: new Date().toISOString(),
      seed: 9,
      sizes: { reposPerOwner: 1, commitsPerRepo: 5, pullsPerRepo: 0, issuesPerRepo: 0, users: 3 },
    });
    fx = await createSyncDb(sim);
    const repo = must(fx.repos[0], 'the tracked repository');
    const [owner, name] = splitFullName(repo.fullName);
    // 1,130 runs over the last 40 days: past GitHub's 1,000 results for a filtered list.
    for (let k = 0; k < 1130; k++)
      await sim.world.runWorkflow({ owner, repo: name, at: Date.now() - 40 * DAY_MS + k * 3_000_000 });
  }, 120_000);
  afterAll(async () => {
    await fx.close();
    await sim.stop();
  });

  it('reads past the 1,000th run by narrowing the creation dates, for about a request per 100, and sends no side query when GitHub counts nothing', async () => {
    const repo = must(fx.repos[0], 'the tracked repository');
    const route = 'GET /repos/{owner}/{repo}/actions/runs';
    const asked = () => sim.stats().rest.byRoute[route] ?? 0;
    const before = asked();
    // Nothing else to read: no deployments, issues, releases or tags.
    const [owner, name] = splitFullName(repo.fullName);
    const detail = sim.world.detail(must(sim.world.repo(owner, name), 'the simulated repository'));
    detail.deployments.length = 0;
    detail.releases.length = 0;
    detail.tags.clear();
    expect(detail.issues).toEqual([]);
    const runner = engineRunner(sim, fx);
    expect((await runner.run(repo.id)).status).toBe('succeeded');
    // GitHub's counts, asked with the refs, said so: no side query was sent.
    for (const stream of ['deployments', 'issues', 'releases', 'tags'])
      expect(runner.meter.pointsByStream[stream]).toBeUndefined();
    const cursors = (await fx.ds.query(
      `SELECT stream, state->>'backfilledAt' IS NOT NULL OR high_water IS NOT NULL AS complete
         FROM sync_cursors WHERE repo_id = $1 AND stream IN ('deployments', 'issues', 'releases', 'tags')
        ORDER BY stream`,
      [repo.id],
    )) as Array<{ stream: string; complete: boolean }>;
    expect(cursors).toEqual(
      ['deployments', 'issues', 'releases', 'tags'].map((stream) => ({ stream, complete: true })),
    );
    const world = worldRuns(sim, repo.fullName);
    expect(world.length).toBeGreaterThanOrEqual(1130);
    expect(await storedRuns(fx, repo.id)).toEqual(world);
    // Twelve pages hold them; narrowing re-reads the oldest day once more.
    expect(asked() - before).toBeLessThanOrEqual(Math.ceil(world.length / 100) + 2);
  });

  it('rides out GitHub failing the runs list, and records a refusal (Actions off, no permission) without failing', async () => {
    const repo = must(fx.repos[0], 'the tracked repository');
    const [owner, name] = splitFullName(repo.fullName);
    await sim.world.runWorkflow({ owner, repo: name, conclusion: 'failure' });
    // Two 502s on the runs list, then GitHub answers: the stream retries.
    const injected = sim.stats().faults.injectedErrors;
    sim.setFaults({ pathPattern: '/actions/runs', failNext: 2, errorStatus: 502 });
    try {
      await fx.ds.query(`DELETE FROM sync_cursors WHERE repo_id = $1 AND stream = 'workflow_runs'`, [
        repo.id,
      ]);
      const runner = engineRunner(sim, fx);
      expect((await runner.run(repo.id)).status).toBe('succeeded');
    } finally {
      sim.setFaults({});
    }
    expect(sim.stats().faults.injectedErrors - injected).toBe(2);
    expect(await storedRuns(fx, repo.id)).toEqual(worldRuns(sim, repo.fullName));

    // A 403 or 404 from GitHub: the rows stay, the cursor says so, and nothing is thrown.
    const refusing = {
      getConditional: async () => ({ status: 403 as const, data: null }),
    } as unknown as Parameters<typeof readWorkflowRuns>[0]['gateway'];
    const db = syncDb(fx.ds);
    const finished = await readWorkflowRuns({
      db,
      store: new SyncStore(),
      gateway: refusing,
      repoId: repo.id,
      fullName: repo.fullName,
      defaultBranch: 'main',
      cursors: new Map(),
      onPage: async () => undefined,
      sleep: async () => undefined,
      from: null,
      now: Date.now,
    });
    expect(finished).toBe(true);
    const [cursor] = (await fx.ds.query(
      `SELECT state->>'unavailable' AS unavailable FROM sync_cursors WHERE repo_id = $1 AND stream = 'workflow_runs'`,
      [repo.id],
    )) as Array<{ unavailable: string }>;
    expect(cursor?.unavailable).toBe('403');
    expect(await storedRuns(fx, repo.id)).toEqual(worldRuns(sim, repo.fullName));
  });
});

describe('sync: tags deleted on GitHub while no webhook was heard', () => {
  let sim: GithubSimHandle;
  let fx: SyncDbFixture;
  let repo: { id: string; fullName: string };
  let owner: string;
  let name: string;

  beforeAll(async () => {
    sim = await startSim({
      now: new Date().toISOString(),
      seed: 11,
      sizes: { reposPerOwner: 1, commitsPerRepo: 30, pullsPerRepo: 0, issuesPerRepo: 0, users: 3 },
    });
    fx = await createSyncDb(sim);
    repo = must(fx.repos[0], 'the tracked repository');
    [owner, name] = splitFullName(repo.fullName);
  });
  afterAll(async () => {
    await fx.close();
    await sim.stop();
  });

  /** Runs a sync and returns the GraphQL operations it sent, by name. */
  async function syncSending(): Promise<string[]> {
    const sent: string[] = [];
    const runner = engineRunner(sim, fx, {
      wrapClient: (client) => ({
        request: async (route, params) => {
          const operation = /query (\w+)/.exec(String(params?.['data'] ?? ''))?.[1];
          if (operation) sent.push(operation);
          return client.request(route, params);
        },
      }),
    });
    expect((await runner.run(repo.id)).status).toBe('succeeded');
    return sent;
  }

  const deletedAt = async (tag: string) =>
    (
      (await fx.ds.query(`SELECT deleted_at FROM tags WHERE repo_id = $1 AND name = $2`, [
        repo.id,
        tag,
      ])) as Array<{
        deleted_at: Date | null;
      }>
    )[0]?.deleted_at;

  const seenAnHourAgo = () =>
    fx.ds.query(`UPDATE tags SET seen_at = seen_at - interval '1 hour' WHERE repo_id = $1`, [repo.id]);

  it('a later sync finds a tag missing from the whole list, has GitHub confirm it, and marks it deleted', async () => {
    await sim.world.createTag({ owner, repo: name, tag: 'rc-1' });
    await sim.world.createTag({ owner, repo: name, tag: 'v1.0.0', message: 'Version 1' });
    const first = await syncSending();
    expect(first).toContain('SyncSideT');
    expect(first).not.toContain('SyncTagsStillThere');
    expect((await storedTags(fx, repo.id)).map((t) => t.name)).toEqual(['rc-1', 'v1.0.0']);

    await sim.world.deleteTag({ owner, repo: name, tag: 'rc-1' });
    // Seen minutes ago: GitHub's list may lag behind a webhook, so it is left for a later run.
    expect(await syncSending()).not.toContain('SyncTagsStillThere');
    expect(await deletedAt('rc-1')).toBeNull();

    await seenAnHourAgo();
    const before = Date.now();
    const second = await syncSending();
    expect(second.filter((q) => q === 'SyncTagsStillThere')).toHaveLength(1);
    expect(await storedTags(fx, repo.id)).toEqual(worldTags(sim, repo.fullName));
    // A tombstone at the time GitHub was asked, so a webhook that saw the tag since would still win.
    expect((await deletedAt('rc-1'))?.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);

    // Nothing missing: nothing asked.
    expect(await syncSending()).not.toContain('SyncTagsStillThere');
  });

  it('past the first page: a deleted tag newer than the page’s oldest is marked, one moved to an older commit is kept', async () => {
    const simRepo = must(sim.world.repo(owner, name), 'the simulated repository');
    const graph = sim.world.graph(simRepo);
    const tip = must(sim.world.detail(simRepo).branches.get(simRepo.defaultBranch), 'the default branch').tip;
    const commits = graph.history(tip, { skip: 0, take: 30 }).commits;
    expect(commits.length).toBe(30);
    // 110 tags on older commits fill more than GitHub's first page of 100, newest commit first.
    for (let k = 0; k < 110; k++)
      await sim.world.createTag({
        owner,
        repo: name,
        tag: `bulk-${String(k).padStart(3, '0')}`,
        from: must(commits[5 + (k % 25)], 'an older commit').sha,
      });
    await sim.world.createTag({ owner, repo: name, tag: 'gone', from: must(commits[0], 'the tip').sha });
    await sim.world.createTag({ owner, repo: name, tag: 'moved', from: must(commits[1], 'a commit').sha });
    await syncSending();
    const stored = (await storedTags(fx, repo.id)).map((t) => t.name);
    expect(stored).toEqual(expect.arrayContaining(['gone', 'moved', 'bulk-000', 'bulk-109']));
    await seenAnHourAgo();

    await sim.world.deleteTag({ owner, repo: name, tag: 'gone' });
    // Moved back to the oldest commit: on a later page now, not on the first.
    await sim.world.deleteTag({ owner, repo: name, tag: 'moved' });
    await sim.world.createTag({ owner, repo: name, tag: 'moved', from: must(commits[29], 'the oldest').sha });
    const sent = await syncSending();
    expect(sent.filter((q) => q === 'SyncTagsStillThere')).toHaveLength(1);
    expect(await deletedAt('gone')).toBeInstanceOf(Date);
    expect(await deletedAt('moved')).toBeNull();
    expect(await deletedAt('bulk-000')).toBeNull();
  });

  it('a release deleted while no webhook was heard is marked deleted once GitHub has no release on its tag; a draft or a new one is left alone', async () => {
    const at = Date.now() - 2 * 3600_000;
    const kept = await sim.world.createRelease({ owner, repo: name, tag: 'v2.0.0', at });
    const doomed = await sim.world.createRelease({ owner, repo: name, tag: 'v2.1.0', at });
    const fresh = await sim.world.createRelease({ owner, repo: name, tag: 'v2.2.0' });
    await syncSending();
    // A draft a webhook stored: GitHub lists drafts only to those who may push, so its absence proves nothing.
    await ReleasesRepository.upsert(syncDb(fx.ds), repo.id, [
      {
        release_id: 987_654,
        node_id: null,
        tag_name: 'v3.0.0',
        name: 'Next',
        target_commitish: 'main',
        sha: null,
        draft: true,
        prerelease: false,
        author_login: null,
        html_url: null,
        created_at: new Date(at).toISOString(),
        published_at: null,
        updated_at: new Date(at).toISOString(),
      },
    ]);
    const releaseDeletedAt = async (id: number) =>
      (
        (await fx.ds.query(`SELECT deleted_at FROM releases WHERE repo_id = $1 AND release_id = $2`, [
          repo.id,
          id,
        ])) as Array<{ deleted_at: Date | null }>
      )[0]?.deleted_at;
    expect(await releaseDeletedAt(doomed.id)).toBeNull();
    expect(await syncSending()).not.toContain('SyncReleasesStillThere');

    await sim.world.deleteRelease({ owner, repo: name, releaseId: doomed.id });
    await sim.world.deleteRelease({ owner, repo: name, releaseId: fresh.id });
    const sent = await syncSending();
    expect(sent.filter((q) => q === 'SyncReleasesStillThere')).toHaveLength(1);
    expect(await releaseDeletedAt(doomed.id)).toBeInstanceOf(Date);
    expect(await releaseDeletedAt(kept.id)).toBeNull();
    // Created minutes ago: left for a later run, as GitHub's list may not show it yet.
    expect(await releaseDeletedAt(fresh.id)).toBeNull();
    expect(await releaseDeletedAt(987_654)).toBeNull();
    // Its tag stays, as on GitHub.
    expect(await deletedAt('v2.1.0')).toBeNull();
  });
});
