/**
 * `npm run bench:sync` — the sync benchmark.
 *
 * Starts a throwaway PostgreSQL, the GitHub simulator with a generated dataset (in this process) and the
 * real API (src/main.ts) in a process of its own, then runs three scheduled cycles through the production
 * path (cycle job -> batched change detection -> one sync-repo job per repository):
 *   1. backfill of every tracked repository,
 *   2. a re-sync with nothing changed,
 *   3. a re-sync after a small change (a few pushes and pull request updates).
 * Prints a summary and writes bench-results/sync.json.
 *
 * Options: --repos N --commits N --pulls N --users N --concurrency N --seed N --out FILE, or --large
 * (1,000 repositories x 1,000 commits = 1,000,000 commits, spread over 10 users).
 */
import { startGithubSim, type GithubSimHandle, type SimStats } from '@trackeep/github-sim';
import { dropDatabase, ensureDatabase, makeOwnedTempDir, startPgCluster } from '@trackeep/embedded-pg';
import { parseEnv } from '@trackeep/server-core';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import PgBoss from 'pg-boss';
import { DataSource } from 'typeorm';
import { AuthSettings } from '../../src/auth/auth-settings';
import { splitFullName } from '../../src/common/full-name.util';
import { TokenCipher } from '../../src/auth/token-cipher.service';
import { ApiEnv } from '../../src/config/api-env';
import { apiDataSourceOptions } from '../../src/database/data-source';
import { startApiProcess, type ApiProcess } from './api-process';

interface Options {
  repos: number;
  commits: number;
  pulls: number;
  users: number;
  concurrency: number;
  seed: number;
  out: string;
  large: boolean;
}

const ROOT = resolve(__dirname, '..', '..', '..');
const RUNS_ROUTE = 'GET /repos/{owner}/{repo}/actions/runs';
const TABLES = [
  'repositories',
  'commits',
  'branch_commits',
  'branches',
  'pull_requests',
  'issues',
  'deployments',
  'releases',
  'tags',
  'workflow_runs',
  'repo_stats_snapshots',
  'activity_events',
] as const;

/** The value, or a failure naming what the benchmark expected to find. */
function must<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`expected ${what}`);
  return value;
}

/** The first row a query returns, or a failure naming the row that was expected. */
async function firstRow<T>(rows: Promise<T[]>, what: string): Promise<T> {
  return must((await rows)[0], what);
}

function parseArgs(argv: string[]): Options {
  const large = argv.includes('--large');
  const o: Options = {
    repos: large ? 1000 : 99,
    commits: 1000,
    pulls: large ? 20 : 100,
    users: 0,
    concurrency: 4,
    seed: 42,
    out: join(ROOT, 'bench-results', 'sync.json'),
    large,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const num = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer`);
      i++;
      return n;
    };
    if (flag === '--repos') o.repos = num();
    else if (flag === '--commits') o.commits = num();
    else if (flag === '--pulls') o.pulls = num();
    else if (flag === '--users') o.users = num();
    else if (flag === '--concurrency') o.concurrency = num();
    else if (flag === '--seed') o.seed = num();
    else if (flag === '--out') {
      o.out = resolve(value ?? '');
      i++;
    } else if (flag === '--large') continue;
    else if (flag === '--help' || flag === '-h') {
      process.stdout.write(
        'npm run bench:sync -- [--large] [--repos N] [--commits N] [--pulls N] [--users N] [--concurrency N] [--seed N] [--out FILE]\n',
      );
      process.exit(0);
    } else throw new Error(`unknown option ${flag}`);
  }
  // One user's hourly GraphQL budget (5,000) covers about 100 backfilled repositories of 1,000 commits.
  if (!o.users) o.users = Math.max(1, Math.ceil(o.repos / 100));
  return o;
}

const log = (line: string) => process.stdout.write(`[bench:sync] ${line}\n`);

/** The simulated world: repositories spread over an org per 250 and octocat; `users` trackers share them. */
async function startWorld(o: Options): Promise<{ sim: GithubSimHandle; trackers: Map<string, string[]> }> {
  const perOwner = Math.ceil(o.repos / Math.max(1, Math.ceil(o.repos / 250)));
  const owners = Math.ceil(o.repos / perOwner);
  const sim = await startGithubSim({
    seed: o.seed,
    // Today (to the day): issues are read back one year from now, so the world's must be recent.
    now: `${new Date().toISOString().slice(0, 10)}T12:00:00Z`,
    preset: 'bench',
    sizes: {
      orgs: Math.max(0, owners - 1),
      reposPerOwner: perOwner,
      reposPerUser: 0,
      commitsPerRepo: o.commits,
      pullsPerRepo: o.pulls,
      users: Math.max(50, o.users + 10),
    },
  });
  const all = [...sim.world.repos.values()].filter((r) => !r.deleted && !r.fork).slice(0, o.repos);
  const logins = ['octocat'];
  for (let k = 1; k < o.users; k++) logins.push(sim.world.addUser({ login: `bench-tracker-${k}` }).login);
  const trackers = new Map<string, string[]>(logins.map((l) => [l, []]));
  for (const [i, repo] of all.entries()) {
    const login = must(
      logins[Math.floor((i * logins.length) / all.length)],
      `a tracking user for repository ${i}`,
    );
    const [owner, name] = splitFullName(sim.world.fullName(repo));
    if (!sim.world.permissionOf(repo, sim.world.requireUser(login).id))
      await sim.world.grantAccess({ owner, repo: name, login, permission: 'pull' });
    trackers.set(login, [...(trackers.get(login) ?? []), sim.world.fullName(repo)]);
  }
  return { sim, trackers };
}

async function seed(
  ds: DataSource,
  sim: GithubSimHandle,
  env: ApiEnv,
  trackers: Map<string, string[]>,
): Promise<number> {
  const cipher = new TokenCipher(new AuthSettings(env));
  const host = new URL(sim.url).host;
  let repos = 0;
  for (const [login, names] of trackers) {
    const u = sim.world.requireUser(login);
    const token = sim.issueToken(login);
    const { id: userId } = await firstRow<{ id: string }>(
      ds.query(`INSERT INTO users (github_host, github_id, login) VALUES ($1, $2, $3) RETURNING id`, [
        host,
        u.id,
        login,
      ]),
      `the user row of ${login}`,
    );
    await ds.query(`UPDATE users SET github_token_enc = $2, token_updated_at = now() WHERE id = $1`, [
      userId,
      cipher.encrypt(token, userId),
    ]);
    for (const fullName of names) {
      const res = await fetch(`${sim.apiUrl}/repos/${fullName}`, {
        headers: { authorization: `token ${token}` },
      });
      if (!res.ok) throw new Error(`${login} cannot read ${fullName} (${res.status})`);
      const r = (await res.json()) as {
        id: number;
        node_id: string;
        owner: { login: string };
        name: string;
        html_url: string;
        default_branch: string;
        private: boolean;
      };
      const { id } = await firstRow<{ id: string }>(
        ds.query(
          `INSERT INTO repositories (github_host, github_id, node_id, owner, name, full_name, html_url, default_branch, visibility)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
          [
            host,
            r.id,
            r.node_id,
            r.owner.login,
            r.name,
            fullName,
            r.html_url,
            r.default_branch,
            r.private ? 'private' : 'public',
          ],
        ),
        `the repository row of ${fullName}`,
      );
      await ds.query(`INSERT INTO tracked_repos (user_id, repo_id) VALUES ($1, $2)`, [userId, id]);
      await ds.query(`INSERT INTO repo_access (user_id, repo_id, permission) VALUES ($1, $2, 'pull')`, [
        userId,
        id,
      ]);
      repos++;
    }
  }
  return repos;
}

async function tableCounts(ds: DataSource): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES)
    out[t] = (
      await firstRow<{ n: number }>(ds.query(`SELECT count(*)::int AS n FROM ${t}`), `the row count of ${t}`)
    ).n;
  return out;
}

/** Counted REST requests (not 304, not /rate_limit) between two snapshots, by route. */
function countedByRoute(before: SimStats, after: SimStats): Record<string, number> {
  const counted = (s: SimStats, route: string) =>
    (s.rest.byRoute[route] ?? 0) - (s.rest.notModifiedByRoute[route] ?? 0);
  const out: Record<string, number> = {};
  for (const route of Object.keys(after.rest.byRoute)) {
    const n = counted(after, route) - counted(before, route);
    if (n > 0 && route !== '/rate_limit') out[route] = n;
  }
  return out;
}

interface PhaseResult {
  name: string;
  wallSeconds: number;
  graphqlPoints: number;
  graphqlQueries: number;
  /** `byRoute`: the counted requests by the simulator's route, to tell the sync's from other callers'. */
  restRequests: { counted: number; notModified: number; byRoute: Record<string, number> };
  /** Counted REST requests for workflow runs lists (`GET /repos/{owner}/{repo}/actions/runs`). */
  runsRequests: number;
  /** The API's own accounting (sync_runs + cycle detection), next to the simulator's. */
  recorded: {
    graphqlPoints: number;
    restRequests: number;
    notModified: number;
    pointsByStream: Record<string, number>;
  };
  rowsWritten: Record<string, number>;
  itemsUpserted: Record<string, number>;
  runs: { total: number; succeeded: number; failed: number };
  peakRssMb: number | null;
  /** Where the wall time went: CPU seconds of the API process, and of this process (mostly the simulator). */
  cpuSeconds: { api: number | null; simulator: number };
}

/** One scheduled cycle through the production path, measured end to end. */
async function runCycle(
  name: string,
  ds: DataSource,
  boss: PgBoss,
  sim: GithubSimHandle,
  api: ApiProcess,
): Promise<PhaseResult> {
  const before = { stats: sim.stats(), rows: await tableCounts(ds) };
  const apiCpu = api.cpuSeconds();
  const ownCpu = process.cpuUsage();
  const slot = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000);
  const started = performance.now();
  await ds.query(`INSERT INTO sync_cycles (slot) VALUES ($1)`, [slot]);
  await boss.send('sync-cycle', { slot: slot.toISOString() });
  let lastReport = performance.now();
  for (;;) {
    const [c] = (await ds.query(`SELECT finished_at FROM sync_cycles WHERE slot = $1`, [slot])) as Array<{
      finished_at: Date | null;
    }>;
    const { open } = await firstRow<{ open: number }>(
      ds.query(`SELECT count(*)::int AS open FROM sync_runs WHERE status IN ('queued', 'running')`),
      'the count of unsettled runs',
    );
    if (c?.finished_at && open === 0) break;
    // A large backfill runs for many minutes: say how far it is every 10 s.
    if (performance.now() - lastReport >= 10_000) {
      lastReport = performance.now();
      const p = await firstRow<{ done: number; total: number; commits: number }>(
        ds.query(
          `SELECT count(*) FILTER (WHERE status NOT IN ('queued', 'running'))::int AS done, count(*)::int AS total,
                coalesce(sum((items->>'commits')::int), 0)::int AS commits
           FROM sync_runs WHERE cycle_slot = $1`,
          [slot],
        ),
        'the cycle’s progress',
      );
      log(
        `  ${name}: ${p.done}/${p.total} repositories done, ${p.commits} commits stored, ${Math.round((performance.now() - started) / 1000)} s`,
      );
    }
    if (api.child.exitCode !== null) throw new Error(`the API process exited:\n${api.output.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const own = process.cpuUsage(ownCpu);
  const after = { stats: sim.stats(), rows: await tableCounts(ds) };
  const runs = (await ds.query(
    `SELECT status, graphql_points, rest_requests, not_modified, items, points_by_stream FROM sync_runs WHERE cycle_slot = $1`,
    [slot],
  )) as Array<{
    status: string;
    graphql_points: number;
    rest_requests: number;
    not_modified: number;
    items: Record<string, number>;
    points_by_stream: Record<string, number>;
  }>;
  const cycle = await firstRow<{ detection_points: number }>(
    ds.query(`SELECT detection_points FROM sync_cycles WHERE slot = $1`, [slot]),
    'the cycle row',
  );
  const sum = (f: (r: (typeof runs)[number]) => number) => runs.reduce((a, r) => a + f(r), 0);
  const pointsByStream: Record<string, number> = { detect: cycle.detection_points };
  const items: Record<string, number> = {};
  for (const r of runs) {
    for (const [k, v] of Object.entries(r.points_by_stream)) pointsByStream[k] = (pointsByStream[k] ?? 0) + v;
    for (const [k, v] of Object.entries(r.items)) items[k] = (items[k] ?? 0) + v;
  }
  for (const [k, v] of Object.entries(pointsByStream)) pointsByStream[k] = Math.round(v * 100) / 100;
  const delta = (f: (s: SimStats) => number) => f(after.stats) - f(before.stats);
  const rateLimitCalls = delta((s) => s.rest.byRoute['/rate_limit'] ?? 0);
  return {
    name,
    wallSeconds: Math.round(wallSeconds * 100) / 100,
    graphqlPoints: delta((s) => s.graphql.points),
    graphqlQueries: delta((s) => s.graphql.queries),
    restRequests: {
      counted: delta((s) => s.rest.requests - s.rest.notModified) - rateLimitCalls,
      notModified: delta((s) => s.rest.notModified),
      byRoute: countedByRoute(before.stats, after.stats),
    },
    runsRequests: delta(
      (s) => (s.rest.byRoute[RUNS_ROUTE] ?? 0) - (s.rest.notModifiedByRoute[RUNS_ROUTE] ?? 0),
    ),
    recorded: {
      graphqlPoints: sum((r) => r.graphql_points) + cycle.detection_points,
      restRequests: sum((r) => r.rest_requests),
      notModified: sum((r) => r.not_modified),
      pointsByStream,
    },
    rowsWritten: Object.fromEntries(
      TABLES.map((t) => [t, must(after.rows[t], `${t} after`) - must(before.rows[t], `${t} before`)]),
    ),
    itemsUpserted: items,
    runs: {
      total: runs.length,
      succeeded: runs.filter((r) => r.status === 'succeeded').length,
      failed: runs.filter((r) => r.status === 'failed').length,
    },
    peakRssMb: api.peakRssMb(),
    cpuSeconds: {
      api: apiCpu === null ? null : round((api.cpuSeconds() ?? 0) - apiCpu),
      simulator: round((own.user + own.system) / 1e6),
    },
  };
}

/** "A few pushes and PR updates": pushes to 5 repositories, a new pull request, a merge and a close. */
async function smallChange(
  sim: GithubSimHandle,
  trackers: Map<string, string[]>,
): Promise<Record<string, number>> {
  const octocat = sim.world.requireUser('octocat').id;
  const writable = (full: string) => {
    const [owner, repo] = splitFullName(full);
    const r = sim.world.repo(owner, repo);
    return !!r && ['admin', 'maintain', 'push'].includes(sim.world.permissionOf(r, octocat) ?? '');
  };
  const repos = [...trackers.values()].flat().filter(writable).slice(0, 5);
  let pushed = 0;
  let pullsChanged = 0;
  for (const full of repos) {
    const [owner, repo] = splitFullName(full);
    const simRepo = sim.world.requireRepo({ owner, repo });
    const admin = 'octocat';
    await sim.world.pushCommits({ owner, repo, commits: 3, sender: admin });
    pushed += 3;
    const [toClose, toEdit] = sim.world.detail(simRepo).pulls.filter((p) => p.state === 'open');
    if (toClose) {
      await sim.world.closePull({ owner, repo, number: toClose.number, sender: admin });
      pullsChanged++;
    }
    if (toEdit) {
      await sim.world.updatePull({
        owner,
        repo,
        number: toEdit.number,
        title: `${toEdit.title} (edited)`,
        sender: admin,
      });
      pullsChanged++;
    }
  }
  return { repos: repos.length, commitsPushed: pushed, pullsChanged };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const loadAtStart = loadavg().map((l) => round(l));
  log(
    `dataset: ${o.repos} repositories x ${o.commits} commits + ${o.pulls} pull requests, ${o.users} tracking user(s), concurrency ${o.concurrency}`,
  );
  const dir = makeOwnedTempDir('trackeep-bench-sync');
  const cluster = await startPgCluster({ dataDir: join(dir, 'data'), ephemeral: true });
  let api: ApiProcess | null = null;
  let boss: PgBoss | null = null;
  let sim: GithubSimHandle | null = null;
  let ds: DataSource | null = null;
  const apiLog = join(dirname(o.out), 'sync-api.log');
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    if (api) {
      mkdirSync(dirname(apiLog), { recursive: true });
      writeFileSync(apiLog, api.output.join(''));
    }
    await boss?.stop({ graceful: false, close: true }).catch(() => undefined);
    await api?.stop().catch(() => undefined);
    await ds?.destroy().catch(() => undefined);
    await sim?.stop().catch(() => undefined);
    await dropDatabase(cluster.adminUrl, 'trackeep').catch(() => undefined);
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  // Ctrl-C or a kill still stops Postgres and the API process and removes the temporary cluster.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  try {
    await ensureDatabase(cluster.adminUrl, 'trackeep');
    const url = cluster.urlFor('trackeep');
    ds = await new DataSource(apiDataSourceOptions(url, 4)).initialize();
    await ds.runMigrations({ transaction: 'each' });

    const world = await startWorld(o);
    sim = world.sim;
    const keys = `v1:${randomBytes(32).toString('base64')}`;
    const apiEnvVars: Record<string, string> = {
      NODE_ENV: 'production',
      TRACKEEP_MODE: 'demo',
      DATABASE_URL: url,
      DB_POOL_SIZE: String(Math.max(10, o.concurrency * 2 + 4)),
      GITHUB_WEB_URL: sim.url,
      GITHUB_API_URL: sim.apiUrl,
      TOKEN_ENCRYPTION_KEYS: keys,
      JWT_SECRET: randomBytes(48).toString('base64url'),
      SYNC_CRON: '0 0 1 1 *',
      SYNC_CONCURRENCY: String(o.concurrency),
      LOG_LEVEL: 'warn',
    };
    const repoCount = await seed(ds, sim, parseEnv(ApiEnv, apiEnvVars), world.trackers);
    const dataset = {
      repos: repoCount,
      commitsPerRepo: o.commits,
      pullsPerRepo: o.pulls,
      branchesPerRepo: sim.world.sizes.branchesPerRepo,
      trackingUsers: o.users,
      commitsReachable: 0,
      pulls: 0,
    };

    log('starting the API process (src/main.ts)');
    api = await startApiProcess(
      apiEnvVars,
      process.env['BENCH_API_NODE_ARGS']?.split(' ').filter(Boolean) ?? [],
    );
    boss = new PgBoss({
      connectionString: url,
      schema: 'pgboss',
      max: 2,
      supervise: false,
      schedule: false,
      migrate: false,
    });
    boss.on('error', () => undefined);
    await boss.start();

    log('phase 1: backfill');
    const backfill = await runCycle('backfill', ds, boss, sim, api);
    dataset.commitsReachable = (
      await firstRow<{ n: number }>(ds.query(`SELECT count(*)::int AS n FROM commits`), 'the commit count')
    ).n;
    dataset.pulls = (
      await firstRow<{ n: number }>(
        ds.query(`SELECT count(*)::int AS n FROM pull_requests`),
        'the pull request count',
      )
    ).n;
    log(`  ${JSON.stringify(summaryLine(backfill))}`);
    log('phase 2: re-sync, nothing changed');
    const unchanged = await runCycle('resync-unchanged', ds, boss, sim, api);
    log(`  ${JSON.stringify(summaryLine(unchanged))}`);
    const change = await smallChange(sim, world.trackers);
    log(`phase 3: re-sync after a small change ${JSON.stringify(change)}`);
    const changed = await runCycle('resync-small-change', ds, boss, sim, api);
    log(`  ${JSON.stringify(summaryLine(changed))}`);
    const phases: PhaseResult[] = [backfill, unchanged, changed];
    const commitPoints = backfill.recorded.pointsByStream['commits'] ?? 0;
    const pullPoints = backfill.recorded.pointsByStream['pulls'] ?? 0;
    const issuePoints = backfill.recorded.pointsByStream['issues'] ?? 0;
    const deploymentPoints = backfill.recorded.pointsByStream['deployments'] ?? 0;
    const releasePoints = backfill.recorded.pointsByStream['releases'] ?? 0;
    const storedIssues = backfill.rowsWritten['issues'] ?? 0;
    const storedDeployments = backfill.rowsWritten['deployments'] ?? 0;
    // GitHub's floor for reading a repository's side streams: one request per connection per parent (the
    // deployments, issues, releases and tags connections, each deployment's statuses, each issue's labels,
    // assignees and closing pull requests); a query of up to 149 requests costs one point (round(requests / 100)),
    // so at least a point per 149 requests for a repository that has any.
    const counts = ds;
    const sideRows = (await counts.query(
      `SELECT r.id, (SELECT count(*)::int FROM deployments d WHERE d.repo_id = r.id) AS deployments,
              (SELECT count(*)::int FROM issues i WHERE i.repo_id = r.id) AS issues,
              (SELECT count(*)::int FROM releases l WHERE l.repo_id = r.id) AS releases,
              (SELECT count(*)::int FROM tags t WHERE t.repo_id = r.id) AS tags,
              (SELECT count(*)::int FROM workflow_runs w WHERE w.repo_id = r.id) AS runs
         FROM repositories r`,
    )) as Array<{ deployments: number; issues: number; releases: number; tags: number; runs: number }>;
    // Releases and tags nest nothing: a page of 100 is one request.
    const sideFloor = sideRows.reduce(
      (sum, r) =>
        sum +
        (r.deployments || r.issues || r.releases || r.tags
          ? Math.max(
              1,
              Math.ceil(
                (4 + r.deployments + 3 * r.issues + Math.floor(r.releases / 100) + Math.floor(r.tags / 100)) /
                  149,
              ),
            )
          : 0),
      0,
    );
    // REST lists 100 runs a page; a repository whose list is empty still asks once.
    const runsFloor = sideRows.reduce((sum, r) => sum + Math.max(1, Math.ceil(r.runs / 100)), 0);
    const tagPoints = backfill.recorded.pointsByStream['tags'] ?? 0;
    const storedRuns = backfill.rowsWritten['workflow_runs'] ?? 0;
    const derived = {
      pointsPer1000Commits: round((commitPoints / dataset.commitsReachable) * 1000),
      pointsPer1000Pulls: round((pullPoints / dataset.pulls) * 1000),
      issuesStored: storedIssues,
      pointsPer1000Issues: storedIssues ? round((issuePoints / storedIssues) * 1000) : null,
      deploymentsStored: storedDeployments,
      releasesStored: backfill.rowsWritten['releases'] ?? 0,
      tagsStored: backfill.rowsWritten['tags'] ?? 0,
      pointsPer1000Releases:
        (backfill.rowsWritten['releases'] ?? 0)
          ? round((releasePoints / (backfill.rowsWritten['releases'] ?? 0)) * 1000)
          : null,
      pointsPer1000Tags:
        (backfill.rowsWritten['tags'] ?? 0)
          ? round((tagPoints / (backfill.rowsWritten['tags'] ?? 0)) * 1000)
          : null,
      sideStreamPoints: round(issuePoints + deploymentPoints + releasePoints + tagPoints),
      sideStreamFloorPoints: sideFloor,
      workflowRunsStored: storedRuns,
      workflowRunsRestRequests: backfill.runsRequests,
      workflowRunsRestFloor: runsFloor,
      restRequestsPer1000WorkflowRuns: storedRuns ? round((backfill.runsRequests / storedRuns) * 1000) : null,
      pointsPer1000Deployments: storedDeployments
        ? round((deploymentPoints / storedDeployments) * 1000)
        : null,
      backfillPointsPerRepo: round(backfill.graphqlPoints / repoCount),
      backfillPointsPer1000Commits_allStreams: round(
        (backfill.graphqlPoints / dataset.commitsReachable) * 1000,
      ),
      resyncPointsPer100Repos: round((unchanged.graphqlPoints / repoCount) * 100),
      resyncCountedRestRequests: unchanged.restRequests.counted,
      commitsPerSecond: Math.round(dataset.commitsReachable / backfill.wallSeconds),
      apiPeakRssMb: api.peakRssMb(),
    };
    const targets = {
      'backfill <= 11 points per 1,000 commits (incl. line stats)': derived.pointsPer1000Commits <= 11,
      'backfill <= 15 points per 1,000 PRs (incl. review counts)': derived.pointsPer1000Pulls <= 15,
      // GitHub's cost formula for the rows stored, read in as few queries as their counts allow (known only
      // afterwards): the two streams share a query, so their points are compared together.
      'backfill deployments + issues + releases + tags <= the cost-formula floor for the rows stored':
        // Each stream's points are rounded to two decimals, so four of them may add up to 0.02 over.
        issuePoints + deploymentPoints + releasePoints + tagPoints <= sideFloor + 0.02,
      'backfill workflow runs <= one REST request per 100 runs (at least one per repository)':
        backfill.runsRequests <= runsFloor,
      // One detection query covers up to 100 repositories: ceil(repos / 100) points is the target for any count.
      'no-change re-sync <= 1 point per 100 repos (ceil)':
        unchanged.graphqlPoints <= Math.ceil(repoCount / 100),
      'no-change re-sync: no counted REST requests': derived.resyncCountedRestRequests === 0,
      ...(o.repos >= 99 && o.commits >= 1000 && !o.large
        ? { '100 repos x 1,000 commits + 100 PRs backfill <= 30 s': backfill.wallSeconds <= 30 }
        : {}),
      'API peak RSS <= 512 MB': (derived.apiPeakRssMb ?? Infinity) <= 512,
    };
    const result = {
      generatedAt: new Date().toISOString(),
      command: `npm run bench:sync -- ${process.argv.slice(2).join(' ')}`.trim(),
      machine: {
        cpus: cpus().length,
        memoryGb: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        loadAverageAtStart: loadAtStart,
        loadAverageAtEnd: loadavg().map((l) => round(l)),
      },
      dataset,
      smallChange: change,
      phases,
      ...derived,
      targets,
      notes: [
        'GraphQL points and REST requests are the simulator’s counts (GitHub’s cost rule: every connection under every parent is one request, cost = max(1, round(requests/100))); `recorded` is the API’s own accounting of the same.',
        'pointsPer1000Commits / pointsPer1000Pulls split each query’s cost by each stream’s share of its requests, so packing a pull-request page into a commit page shares that query’s point.',
        'REST `counted` excludes 304 Not Modified answers and GET /rate_limit, which GitHub does not count.',
        'The simulator runs inside the benchmark process; the API is a separate process (peak RSS is its VmHWM).',
        'cpuSeconds shows where the wall time went: on a shared 2-core machine the load average (see machine) stretches wall time; CPU seconds do not.',
      ],
    };
    mkdirSync(dirname(o.out), { recursive: true });
    writeFileSync(o.out, `${JSON.stringify(result, null, 2)}\n`);
    printSummary(result.dataset, phases, derived, targets);
    log(`written ${o.out} (API process log: ${apiLog})`);
  } finally {
    await cleanup();
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function summaryLine(p: PhaseResult) {
  return {
    wallSeconds: p.wallSeconds,
    graphqlPoints: p.graphqlPoints,
    rest: p.restRequests,
    runs: p.runs,
    rows: p.rowsWritten['commits'],
  };
}

function printSummary(
  dataset: object,
  phases: PhaseResult[],
  derived: Record<string, unknown>,
  targets: Record<string, boolean>,
): void {
  const lines = [
    '',
    `dataset ${JSON.stringify(dataset)}`,
    'phase                 wall s   points  queries  REST counted  REST 304  runs ok/all  commits+  pulls+  cpu api/sim s',
    ...phases.map(
      (p) =>
        `${p.name.padEnd(20)} ${String(p.wallSeconds).padStart(7)} ${String(p.graphqlPoints).padStart(8)} ${String(p.graphqlQueries).padStart(8)} ${String(p.restRequests.counted).padStart(13)} ${String(p.restRequests.notModified).padStart(9)} ${`${p.runs.succeeded}/${p.runs.total}`.padStart(12)} ${String(p.rowsWritten['commits']).padStart(9)} ${String(p.rowsWritten['pull_requests']).padStart(7)}  ${p.cpuSeconds.api}/${p.cpuSeconds.simulator}`,
    ),
    ...phases
      .filter((p) => p.name !== 'backfill' && p.restRequests.counted > 0)
      .map((p) => `  ${p.name}: counted REST by route ${JSON.stringify(p.restRequests.byRoute)}`),
    '',
    ...Object.entries(derived).map(([k, v]) => `${k.padEnd(42)} ${v}`),
    '',
    ...Object.entries(targets).map(([k, ok]) => `${ok ? 'MET    ' : 'NOT MET'} ${k}`),
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

main().catch((err: Error) => {
  process.stderr.write(`[bench:sync] failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
