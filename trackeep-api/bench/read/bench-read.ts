/**
 * `npm run bench:read` — the read API under load.
 *
 * Starts a throwaway PostgreSQL, migrates it, writes the dataset straight into the schema (dataset.ts), starts
 * the GitHub simulator (for GET /github/repos, the only read that asks GitHub) and the real API (src/main.ts)
 * in a process of its own, signs one user in (a session row and its cookie, as sign-in makes them), then runs
 * every GET the dashboard makes, warm, with concurrent clients (autocannon). Per-repository endpoints rotate
 * over every repository; before each measurement the API is let go idle (a slow endpoint's abandoned requests would
 * slow the next one). Prints a table and writes bench-results/read.json.
 *
 * Options: --small (default; 50 repositories x 1,000 commits) or --large (1,000 repositories, 1,000,000
 * commits, 100,000 pull requests, 500 people, 30 days of sync runs and webhook deliveries); --duration S,
 * --warmup S, --connections N, --only NAME[,NAME], --out FILE; --keep leaves the database and API running afterwards (for EXPLAIN); --baseline DIR also runs the API of another
 * checkout (e.g. `git archive` of the commit before a change) on the same database, endpoint by endpoint in
 * alternating order, so both are measured under the same load (its figures go under `baseline`); --rounds N
 * measures each endpoint N times (on each API, taking turns) and reports the median round by p95, with every
 * round's figures under `rounds`.
 */
import { JwtService } from '@nestjs/jwt';
import { dropDatabase, ensureDatabase, makeOwnedTempDir, startPgCluster } from '@trackeep/embedded-pg';
import { startGithubSim, type GithubSimHandle } from '@trackeep/github-sim';
import { parseEnv } from '@trackeep/server-core';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AuthSettings } from '../../src/auth/auth-settings';
import { TokenCipher } from '../../src/auth/token-cipher.service';
import { splitFullName } from '../../src/common/full-name.util';
import { ApiEnv } from '../../src/config/api-env';
import { apiDataSourceOptions } from '../../src/database/data-source';
import {
  datasetCounts,
  generateDataset,
  generateOrganization,
  type DatasetSize,
  type SimRepo,
} from './dataset';
import { startApiAt, type RunningApi } from './start-api';

interface AutocannonResult {
  latency: { p50: number; p90: number; p97_5: number; p99: number; average: number; max: number };
  requests: { average: number; total: number };
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (
  opts: Record<string, unknown>,
  cb: (err: Error | null, result: AutocannonResult) => void,
) => unknown;
// autocannon publishes no types; this is the part used here.
const autocannon = require('autocannon') as Autocannon;

const ROOT = resolve(__dirname, '..', '..', '..');
const TARGET_P95_MS = 100;
const SIM_NOW = '2025-06-01T12:00:00Z';

const PRESETS: Record<'small' | 'large', DatasetSize> = {
  small: {
    repos: 50,
    commitsPerRepo: 1000,
    pullsPerRepo: 100,
    people: 500,
    branchesPerRepo: 5,
    activityPerRepo: 200,
    snapshotDays: 90,
    historyDays: 30,
    syncEveryMinutes: 15,
    webhookDeliveriesPerRepoPerDay: 20,
    deploymentsPerRepo: 365,
    releasesPerRepo: 52,
    issuesPerRepo: 200,
    workflowRunsPerRepo: 500,
    teams: 10,
  },
  large: {
    repos: 1000,
    commitsPerRepo: 1000,
    pullsPerRepo: 100,
    people: 500,
    branchesPerRepo: 5,
    activityPerRepo: 200,
    snapshotDays: 90,
    historyDays: 30,
    syncEveryMinutes: 15,
    webhookDeliveriesPerRepoPerDay: 20,
    deploymentsPerRepo: 365,
    releasesPerRepo: 52,
    issuesPerRepo: 200,
    workflowRunsPerRepo: 500,
    teams: 50,
  },
};

/** Dashboard pages this benchmark has no endpoint for yet; listed in the results, never as measured. */

interface Options {
  preset: 'small' | 'large';
  duration: number;
  warmup: number;
  connections: number;
  only: string[] | null;
  out: string;
  baseline: string | null;
  /** Measurements of each endpoint (on each API, taking turns); the median round by p95 is reported. */
  rounds: number;
  /** Keep PostgreSQL and the API running after the measurements (for EXPLAIN) until interrupted. */
  keep: boolean;
}

interface Endpoint {
  name: string;
  /** What the results show; `{repo}` stands for the rotated repository. */
  path: string;
  /** The path of the i-th request. */
  pathFor(i: number): string;
}

interface EndpointResult {
  name: string;
  path: string;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  requestsPerSec: number;
  requests: number;
  non2xx: number;
  errors: number;
  meetsTarget: boolean;
  /** The machine's 1-minute load average when this endpoint's measurement ended. */
  loadAverage: number;
  /** The endpoint's first request on a fresh API, alone: computed from scratch, nothing reused yet. */
  firstRequestMs: number;
  /** An organization's page requested alone right after a change to one of its repositories, each time another. */
  afterOneChangeMs?: number[];
  /** With --rounds: every round's figures, in the order measured (the fields above are the median round's). */
  rounds?: Array<Pick<EndpointResult, 'p50Ms' | 'p95Ms' | 'p99Ms' | 'requestsPerSec'>>;
}

/** Requests of each organization page timed right after a change to one of its repositories. */
const AFTER_CHANGE_SAMPLES = 6;
const log = (line: string) => process.stdout.write(`[bench:read] ${line}\n`);

function parseArgs(argv: string[]): Options {
  const o: Options = {
    preset: argv.includes('--large') ? 'large' : 'small',
    duration: 10,
    warmup: 3,
    connections: 10,
    only: null,
    out: join(ROOT, 'bench-results', 'read.json'),
    baseline: null,
    rounds: 1,
    keep: argv.includes('--keep'),
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const num = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer`);
      i++;
      return n;
    };
    if (flag === '--duration') o.duration = num();
    else if (flag === '--warmup') o.warmup = num();
    else if (flag === '--connections') o.connections = num();
    else if (flag === '--rounds') o.rounds = num();
    else if (flag === '--only') {
      o.only = (value ?? '').split(',').filter(Boolean);
      i++;
    } else if (flag === '--out') {
      o.out = resolve(value ?? '');
      i++;
    } else if (flag === '--baseline') {
      o.baseline = resolve(value ?? '');
      i++;
    } else if (flag === '--large' || flag === '--small' || flag === '--keep') continue;
    else if (flag === '--help' || flag === '-h') {
      process.stdout.write(
        'npm run bench:read -- [--small | --large] [--duration S] [--warmup S] [--connections N] [--only NAME,NAME] [--out FILE] [--baseline DIR] [--rounds N] [--keep]\n',
      );
      process.exit(0);
    } else throw new Error(`unknown option ${flag}`);
  }
  return o;
}

/** The simulated GitHub: `repos` repositories octocat can read (owned, or through an organization). */
async function startWorld(size: DatasetSize): Promise<{ sim: GithubSimHandle; repos: SimRepo[] }> {
  // At least one organization besides octocat, for the organization, team and person pages.
  const perOwner = Math.ceil(size.repos / Math.max(2, Math.ceil(size.repos / 250)));
  const owners = Math.ceil(size.repos / perOwner);
  const sim = await startGithubSim({
    seed: 17,
    now: SIM_NOW,
    preset: 'bench',
    // The benchmark measures Trackeep, not GitHub's limits: one user lists their repositories many times a second.
    rateLimit: { rest: 1_000_000_000, secondary: false },
    sizes: {
      orgs: Math.max(0, owners - 1),
      reposPerOwner: perOwner,
      reposPerUser: 0,
      // The API's data comes from dataset.ts; the simulator only answers GET /user/repos.
      commitsPerRepo: 1,
      pullsPerRepo: 0,
      issuesPerRepo: 0,
      starsPerRepo: 0,
      forksPerRepo: 0,
      branchesPerRepo: 1,
      users: 20,
    },
  });
  const octocat = sim.world.requireUser('octocat').id;
  const all = [...sim.world.repos.values()].filter((r) => !r.deleted && !r.fork).slice(0, size.repos);
  const repos: SimRepo[] = [];
  for (const repo of all) {
    const fullName = sim.world.fullName(repo);
    const [owner, name] = splitFullName(fullName);
    if (!sim.world.permissionOf(repo, octocat))
      await sim.world.grantAccess({ owner, repo: name, login: 'octocat', permission: 'push' });
    repos.push({
      githubId: repo.id,
      nodeId: `R_bench_${repo.id}`,
      owner,
      name,
      htmlUrl: `https://github.com/${fullName}`,
    });
  }
  return { sim, repos };
}

/** The organization owning the most benchmark repositories: its pages are the ones measured. */
function measuredOrg(sim: GithubSimHandle, repos: SimRepo[]): { login: string; githubId: number } {
  const counts = new Map<string, number>();
  for (const r of repos) if (r.owner !== 'octocat') counts.set(r.owner, (counts.get(r.owner) ?? 0) + 1);
  const [login] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? [];
  if (!login) throw new Error('the benchmark world has no organization');
  const githubId = sim.world.org(login)?.id;
  if (githubId === undefined) throw new Error(`${login} is not an organization in the simulator`);
  return { login, githubId };
}

function endpoints(repoNames: string[], org: string, size: DatasetSize): Endpoint[] {
  const repo = (i: number) => repoNames[i % repoNames.length] ?? '';
  const team = (i: number) => `team-${i % Math.max(1, size.teams)}`;
  const person = (i: number) => `person-${(i * 37) % size.people}`;
  const perRepo = (name: string, suffix: string): Endpoint => ({
    name,
    path: `/api/v1/repos/{repo}${suffix}`,
    pathFor: (i) => `/api/v1/repos/${repo(i)}${suffix}`,
  });
  const fixed = (name: string, path: string): Endpoint => ({ name, path, pathFor: () => path });
  const since = new Date(Date.now() - 90 * 86_400_000).toISOString().slice(0, 10);
  const until = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
  return [
    fixed('me', '/api/v1/auth/me'),
    // What the dashboard asks for: its first page of 100.
    fixed('repository list', '/api/v1/repos?limit=100'),
    perRepo('repository', ''),
    perRepo('commits', '/commits'),
    perRepo('commits by author', '/commits?author=person-7'),
    perRepo('commits on branch', '/commits?branch=main'),
    perRepo('commits message search', '/commits?q=refactor'),
    perRepo('commits in a date range', `/commits?since=${since}&until=${until}`),
    perRepo('weekly commits (12 weeks)', '/commits/weekly'),
    perRepo('weekly commits (52 weeks)', '/commits/weekly?weeks=52'),
    perRepo('pull requests', '/pulls'),
    perRepo('open pull requests', '/pulls?state=open'),
    perRepo('cycle time (12 weeks)', '/pulls/cycle-time'),
    perRepo('cycle time (52 weeks)', '/pulls/cycle-time?weeks=52'),
    perRepo('branches', '/branches'),
    perRepo('stats history', '/stats/history'),
    fixed('activity page', '/api/v1/activity'),
    {
      name: 'activity of one repository',
      path: '/api/v1/activity?repo={repo}',
      pathFor: (i) => `/api/v1/activity?repo=${repo(i)}`,
    },
    fixed('sync status', '/api/v1/sync/status'),
    fixed('sync runs', '/api/v1/sync/runs'),
    fixed('webhook deliveries', '/api/v1/webhooks/deliveries'),
    fixed('GitHub repos list', '/api/v1/github/repos'),
    fixed('organizations', '/api/v1/orgs'),
    fixed('organization page (this week)', `/api/v1/orgs/${org}`),
    fixed('organization page (quarter)', `/api/v1/orgs/${org}?period=quarter`),
    {
      name: 'team page (4 weeks)',
      path: `/api/v1/orgs/${org}/teams/{team}?period=4w`,
      pathFor: (i) => `/api/v1/orgs/${org}/teams/${team(i)}?period=4w`,
    },
    {
      name: 'person page',
      path: '/api/v1/people/{person}',
      pathFor: (i) => `/api/v1/people/${person(i)}`,
    },
    perRepo('DORA of one repository', '/insights/dora'),
    perRepo('cycle breakdown of one repository', '/insights/cycle'),
    fixed('organization DORA (quarter)', `/api/v1/orgs/${org}/insights/dora?period=quarter`),
    fixed('organization cycle breakdown (quarter)', `/api/v1/orgs/${org}/insights/cycle?period=quarter`),
    {
      name: 'team DORA (4 weeks)',
      path: `/api/v1/orgs/${org}/teams/{team}/insights/dora?period=4w`,
      pathFor: (i) => `/api/v1/orgs/${org}/teams/${team(i)}/insights/dora?period=4w`,
    },
    {
      name: 'team cycle breakdown (4 weeks)',
      path: `/api/v1/orgs/${org}/teams/{team}/insights/cycle?period=4w`,
      pathFor: (i) => `/api/v1/orgs/${org}/teams/${team(i)}/insights/cycle?period=4w`,
    },
  ];
}

function run(
  url: string,
  cookie: string,
  endpoint: Endpoint,
  seconds: number,
  connections: number,
): Promise<AutocannonResult> {
  let i = 0;
  return new Promise((resolvePromise, reject) => {
    autocannon(
      {
        url,
        connections,
        duration: seconds,
        pipelining: 1,
        timeout: 30,
        headers: { cookie, accept: 'application/json' },
        requests: [
          {
            setupRequest: (req: Record<string, unknown>) => ({
              ...req,
              method: 'GET',
              path: endpoint.pathFor(i++),
            }),
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolvePromise(result)),
    );
  });
}

/** p95 from autocannon's histogram is not exported; its p90 and p97.5 bracket it, so interpolate linearly. */
function p95Of(r: AutocannonResult): number {
  const { p90, p97_5 } = r.latency;
  return round(p90 + ((p97_5 - p90) * (95 - 90)) / (97.5 - 90));
}

/**
 * Waits until the API is idle again: requests autocannon abandoned when its time was up (a slow endpoint's) go on
 * running in the API and PostgreSQL, and would slow whatever is measured next. Idle: a cheap authenticated read
 * answers within 25 ms twice in a row (or 60 s passed).
 */
async function settle(url: string, cookie: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let quick = 0;
  while (quick < 2 && Date.now() < deadline) {
    const started = performance.now();
    await fetch(`${url}/api/v1/auth/me`, { headers: { cookie } }).then((r) => r.arrayBuffer());
    quick = performance.now() - started <= 25 ? quick + 1 : 0;
    if (quick < 2) await new Promise((r) => setTimeout(r, 100));
  }
}

async function measure(
  url: string,
  cookie: string,
  e: Endpoint,
  o: Options,
  firstRequestMs: number,
): Promise<EndpointResult> {
  // Warm: the same requests first (connection pool, plans, caches), results thrown away.
  await run(url, cookie, e, o.warmup, o.connections);
  await settle(url, cookie);
  const r = await run(url, cookie, e, o.duration, o.connections);
  await settle(url, cookie);
  const p95 = p95Of(r);
  return {
    name: e.name,
    path: e.path,
    p50Ms: r.latency.p50,
    p95Ms: p95,
    p99Ms: r.latency.p99,
    meanMs: round(r.latency.average),
    maxMs: r.latency.max,
    requestsPerSec: round(r.requests.average),
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    meetsTarget: r['2xx'] > 0 && p95 <= TARGET_P95_MS && r.non2xx === 0 && r.errors + r.timeouts === 0,
    loadAverage: round(loadavg()[0] ?? 0),
    firstRequestMs,
  };
}

async function signIn(db: Client, jwtSecret: string, userId: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO sessions (user_id, expires_at) VALUES ($1, now() + interval '1 day') RETURNING id`,
    [userId],
  );
  const token = await new JwtService({ secret: jwtSecret }).signAsync(
    { sid: rows[0]?.id },
    {
      subject: userId,
      issuer: 'trackeep-api',
      audience: 'trackeep-session',
      expiresIn: 86_400,
      algorithm: 'HS256',
    },
  );
  return `trackeep_session=${token}`;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const size = PRESETS[o.preset];
  const loadAtStart = loadavg().map(round);
  log(`preset ${o.preset}: ${JSON.stringify(size)}`);
  const dir = makeOwnedTempDir('trackeep-bench-read');
  const cluster = await startPgCluster({ dataDir: join(dir, 'data'), ephemeral: true });
  let api: RunningApi | null = null;
  let baselineApi: RunningApi | null = null;
  let sim: GithubSimHandle | null = null;
  let db: Client | null = null;
  const apiLog = join(dirname(o.out), 'read-api.log');
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    if (api) {
      mkdirSync(dirname(apiLog), { recursive: true });
      writeFileSync(apiLog, api.output.join(''));
    }
    await api?.stop().catch(() => undefined);
    await baselineApi?.stop().catch(() => undefined);
    await db?.end().catch(() => undefined);
    await sim?.stop().catch(() => undefined);
    await dropDatabase(cluster.adminUrl, 'trackeep').catch(() => undefined);
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  try {
    await ensureDatabase(cluster.adminUrl, 'trackeep');
    const url = cluster.urlFor('trackeep');
    const ds = await new DataSource(apiDataSourceOptions(url, 2)).initialize();
    await ds.runMigrations({ transaction: 'each' });
    await ds.destroy();

    const world = await startWorld(size);
    sim = world.sim;
    const jwtSecret = randomBytes(48).toString('base64url');
    const apiEnvVars: Record<string, string> = {
      NODE_ENV: 'production',
      TRACKEEP_MODE: 'demo',
      DATABASE_URL: url,
      GITHUB_WEB_URL: sim.url,
      GITHUB_API_URL: sim.apiUrl,
      TOKEN_ENCRYPTION_KEYS: `v1:${randomBytes(32).toString('base64')}`,
      JWT_SECRET: jwtSecret,
      // Reads only: no scheduled cycle, no webhook workers competing for the two cores.
      SYNC_CRON: '0 0 1 1 *',
      SYNC_ENABLED: 'false',
      WEBHOOK_WORKERS: '0',
      WEBHOOK_REDELIVERY_INTERVAL_MINUTES: '0',
      LOG_LEVEL: 'warn',
    };
    db = new Client({ connectionString: url });
    await db.connect();
    const host = new URL(sim.url).host;
    const octocat = sim.world.requireUser('octocat');
    const { rows: users } = await db.query<{ id: string }>(
      `INSERT INTO users (github_host, github_id, login, name, last_login_at) VALUES ($1, $2, 'octocat', 'The Octocat', now()) RETURNING id`,
      [host, octocat.id],
    );
    const userId = users[0]?.id ?? '';
    const cipher = new TokenCipher(new AuthSettings(parseEnv(ApiEnv, apiEnvVars)));
    await db.query(`UPDATE users SET github_token_enc = $2, token_updated_at = now() WHERE id = $1`, [
      userId,
      cipher.encrypt(sim.issueToken('octocat'), userId),
    ]);
    log('generating the dataset');
    const started = performance.now();
    await generateDataset(db, size, userId, host, world.repos);
    const org = measuredOrg(sim, world.repos);
    await generateOrganization(db, size, host, org, octocat.id);
    const generateSeconds = round((performance.now() - started) / 1000);
    const counts = await datasetCounts(db);
    log(`dataset in ${generateSeconds} s: ${JSON.stringify(counts)}`);
    const cookie = await signIn(db, jwtSecret, userId);

    log('starting the API process (src/main.ts)');
    api = await startApiAt(ROOT, apiEnvVars);
    if (o.baseline) {
      log(`starting the baseline API process (${o.baseline})`);
      baselineApi = await startApiAt(o.baseline, apiEnvVars);
    }
    const repoNames = world.repos.map((r) => `${r.owner}/${r.name}`);
    const all = endpoints(repoNames, org.login, size);
    const chosen = o.only ? all.filter((e) => o.only?.includes(e.name)) : all;
    // Each endpoint's first request, one at a time: it checks the endpoint answers and times it from scratch.
    const firstMs = new Map<RunningApi | null, Map<string, number>>([
      [api, new Map()],
      [baselineApi, new Map()],
    ]);
    for (const target of [api, baselineApi]) {
      for (const e of target ? chosen : []) {
        const started = performance.now();
        const res = await fetch(`${target?.url}${e.pathFor(0)}`, { headers: { cookie } });
        const body = await res.text();
        firstMs.get(target)?.set(e.name, round(performance.now() - started));
        if (!res.ok) throw new Error(`${e.name}: ${e.pathFor(0)} answered ${res.status}: ${body}`);
      }
    }
    // An organization's pages right after one of its repositories changed (as a webhook's pull request update
    // does), each time another repository: what someone sees while the organization is busy.
    const afterChange = new Map<RunningApi | null, Map<string, number[]>>([
      [api, new Map()],
      [baselineApi, new Map()],
    ]);
    const { rows: orgRepos } = await db.query<{ id: string }>(
      `SELECT r.id FROM repositories r WHERE split_part(r.full_name, '/', 1) = $1
          AND EXISTS (SELECT 1 FROM pull_requests p WHERE p.repo_id = r.id) ORDER BY r.full_name`,
      [org.login],
    );
    let changed = 0;
    for (const e of chosen.filter((c) => c.name.startsWith('organization ') && orgRepos.length)) {
      for (let k = 0; k < AFTER_CHANGE_SAMPLES; k++) {
        for (const target of k % 2 ? [baselineApi, api] : [api, baselineApi]) {
          if (!target) continue;
          const repoId = orgRepos[changed++ % orgRepos.length]!.id;
          await db.query(
            `UPDATE pull_requests SET title = title WHERE repo_id = $1
                AND number = (SELECT min(number) FROM pull_requests WHERE repo_id = $1)`,
            [repoId],
          );
          const started = performance.now();
          const res = await fetch(`${target.url}${e.pathFor(0)}`, { headers: { cookie } });
          await res.arrayBuffer();
          if (!res.ok) throw new Error(`${e.name} after a change answered ${res.status}`);
          const times = afterChange.get(target)!;
          times.set(e.name, [...(times.get(e.name) ?? []), round(performance.now() - started)]);
        }
      }
      for (const target of [api, baselineApi])
        if (target)
          log(
            `${target === api ? 'current ' : 'baseline'} ${e.name} after one repository changed: ${afterChange.get(target)?.get(e.name)?.join(' / ')} ms`,
          );
    }
    const withChanges = (target: RunningApi | null, r: EndpointResult): EndpointResult => {
      const times = afterChange.get(target)?.get(r.name);
      return times ? { ...r, afterOneChangeMs: times } : r;
    };
    const results: EndpointResult[] = [];
    const baselineResults: EndpointResult[] = [];
    const show = (who: string, r: EndpointResult, round = '') =>
      log(
        `${who}${round}${r.meetsTarget ? 'MET    ' : 'NOT MET'} ${r.name.padEnd(28)} p50 ${r.p50Ms} ms  p95 ${r.p95Ms} ms  p99 ${r.p99Ms} ms  first ${r.firstRequestMs} ms  ${r.requestsPerSec}/s  load ${r.loadAverage}${r.non2xx || r.errors ? `  non-2xx ${r.non2xx} errors ${r.errors}` : ''}`,
      );
    const label = (target: RunningApi) =>
      baselineApi ? (target === api ? 'current' : 'baseline').padEnd(9) : '';
    for (const [i, e] of chosen.entries()) {
      const rounds = new Map<RunningApi, EndpointResult[]>();
      for (let round = 0; round < o.rounds; round++) {
        // Alternate which goes first, so a drifting machine load favours neither.
        const targets = [api, baselineApi].filter((t): t is RunningApi => t !== null);
        if ((i + round) % 2 === 1) targets.reverse();
        for (const target of targets) {
          const r = await measure(target.url, cookie, e, o, firstMs.get(target)?.get(e.name) ?? NaN);
          rounds.set(target, [...(rounds.get(target) ?? []), r]);
          show(label(target), r, o.rounds > 1 ? `round ${round + 1}: ` : '');
        }
      }
      const reported = (target: RunningApi): EndpointResult => {
        const all = rounds.get(target) ?? [];
        const median = [...all].sort((a, b) => a.p95Ms - b.p95Ms)[Math.floor((all.length - 1) / 2)];
        if (!median) throw new Error(`${e.name}: not measured`);
        if (all.length < 2) return withChanges(target, median);
        const summary = all.map(({ p50Ms, p95Ms, p99Ms, requestsPerSec }) => ({
          p50Ms,
          p95Ms,
          p99Ms,
          requestsPerSec,
        }));
        show(label(target), median, 'median round: ');
        return withChanges(target, { ...median, rounds: summary });
      };
      results.push(reported(api));
      if (baselineApi) baselineResults.push(reported(baselineApi));
    }
    const result = {
      benchmark: 'read',
      generatedAt: new Date().toISOString(),
      command: `npm run bench:read -- ${process.argv.slice(2).join(' ')}`.trim(),
      machine: {
        cpus: cpus().length,
        memoryGb: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        loadAverageAtStart: loadAtStart,
        loadAverageAtEnd: loadavg().map(round),
      },
      preset: o.preset,
      dataset: {
        ...size,
        rows: counts,
        generateSeconds,
        signedInUsers: 1,
        trackedByThatUser: counts['repositories'],
      },
      load: {
        tool: 'autocannon 9 (same machine)',
        connections: o.connections,
        warmupSeconds: o.warmup,
        secondsPerEndpoint: o.duration,
        roundsPerEndpoint: o.rounds,
        perRepositoryEndpoints: 'each request names the next repository in turn, over all of them',
      },
      targetP95Ms: TARGET_P95_MS,
      endpoints: results,
      allMeetTarget: results.every((r) => r.meetsTarget),
      ...(o.baseline ? { baseline: { checkout: o.baseline, endpoints: baselineResults } } : {}),
      notes: [
        'Each repository has two years of delivery history: a linear main branch (each commit the parent of the next), 365 production deployments (1 in 12 failed), 52 releases, 200 issues (1 in 20 an incident), 500 CI runs and the pull requests’ reviews, so the DORA and cycle pages walk real graphs and count real deployments.',
        'p95Ms is interpolated between autocannon’s p90 and p97.5 (its histogram exports no p95).',
        'meetsTarget also requires answers (a run whose requests all timed out has no latency) and no non-2xx answers or errors (timeouts included).',
        'The API runs from source (src/main.ts, SWC) in its own process with sync and webhook workers off; PostgreSQL, the simulator and the load generator share the same cores.',
        'Webhook deliveries carry a small payload (not GitHub’s ~7 KB): the read paths never read it.',
        'Repositories are public, so no request waits for an access re-check with GitHub.',
        'GET /github/repos reuses the page GitHub answered while its Cache-Control max-age (60 s) allows, as the dashboard’s picker does; only the first request of each minute asks the simulator.',
        'GET /sync/status answers its first page (50 of the 1,000 tracked repositories, by name) with the counts over all, as the dashboard’s sync page first asks.',
        'The organization, team and person pages and the DORA and cycle pages are reused while the stored data they are computed from is unchanged (nothing is written during a measurement; an organization’s or a team’s review queue is recomputed each minute). The organization and team endpoints rotate over fewer pages than the 200 an API keeps, so their percentiles are mostly of reused pages; the person page (500 people) and a repository’s DORA and cycle pages (1,000 repositories) rotate over more, so most of their requests compute the page. firstRequestMs is each endpoint’s first request, alone, computed from scratch.',
        'afterOneChangeMs (the organization endpoints): the page requested alone right after a no-op update of one pull request of one of the organization’s repositories, each time another repository, as a webhook’s change would; the baseline and the current API take turns.',
      ],
    };
    mkdirSync(dirname(o.out), { recursive: true });
    writeFileSync(o.out, `${JSON.stringify(result, null, 2)}\n`);
    log(`written ${o.out} (API process log: ${apiLog})`);
    if (o.keep) {
      log(`kept for inspection until Ctrl-C: psql '${url}'; API ${api.url}; session cookie ${cookie}`);
      await new Promise<never>(() => undefined);
    }
  } finally {
    await cleanup();
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

main().catch((err: Error) => {
  process.stderr.write(`[bench:read] failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
