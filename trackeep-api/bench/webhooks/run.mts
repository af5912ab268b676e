// `npm run bench:webhooks`: webhook ingestion throughput, latency and correctness, against a ceiling and a peer.
//
// One process tree: a durable PostgreSQL (fsync on), the built API (dist/trackeep-api/main.js) on a fresh
// database, a bare node:http server that only verifies signatures (the ceiling), and a Probot app (the peer).
// The same signed GitHub example payloads (push, pull_request) are posted to each at the same fixed
// concurrency with autocannon; 1% of Trackeep's deliveries reuse an earlier delivery id, as GitHub's
// redeliveries do. Then: everything Trackeep answered 2xx must be stored once and processed once, and a
// second phase measures webhook → SSE latency, and a third the fan-out to many open dashboards on two API
// replicas (BENCH_FANOUT_CLIENTS), and a fourth how long missed deliveries take to come back through the
// redelivery job after a restart (BENCH_REDELIVERY_MISSED). Results: bench-results/webhooks.json.
// BENCH_PROFILE=1 also records where the time goes (V8 profiles of the API, pg_stat_statements) during the
// Trackeep rounds and drains, and writes bench-results/webhooks-profile.json instead.
import nestJwt from '@nestjs/jwt';
import embeddedPg, { type PgCluster } from '@trackeep/embedded-pg';
import githubSim from '@trackeep/github-sim';
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { basename, join, resolve } from 'node:path';
import pg from 'pg';
import type { AuthSettings } from '../../src/auth/auth-settings.ts';
import secretCipher from '../../src/webhooks/webhook-secret.cipher.ts';
import { EXAMPLE_REPO, pushVariant, signedVariants, type SignedVariant } from './payloads.mts';
import { summarizeCpu, summarizeStatements, type CpuProfile } from './profile-summary.mts';
import { sign } from '@octokit/webhooks-methods';

const require = createRequire(import.meta.url);
// CommonJS modules (and our TypeScript sources, which tsx loads as CommonJS) are imported whole.
const { ensureDatabase, freePort, makeOwnedTempDir, startPgCluster } = embeddedPg;
const { DEMO_GITHUB_APP, demoGithubAppEnv, startGithubSim } = githubSim;
const { JwtService } = nestJwt;
const { WebhookSecretCipher } = secretCipher;
const { Client } = pg;
type Client = InstanceType<typeof pg.Client>;
const autocannon = require('autocannon') as (
  opts: Record<string, unknown>,
  cb: (err: Error | null, result: AutocannonResult) => void,
) => { stop(): void };

interface AutocannonResult {
  requests: { average: number; total: number; sent: number };
  latency: { p50: number; p90: number; p99: number; average: number; max: number };
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}

const ROOT = resolve(import.meta.dirname, '../../..');
const OUT_DIR = join(ROOT, 'bench-results');
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 20);
const DURATION_S = Number(process.env['BENCH_DURATION'] ?? 10);
const WARMUP_S = Number(process.env['BENCH_WARMUP'] ?? 2);
/** Rounds of [ceiling, peer, Trackeep], order rotated each round: a shared machine's load drifts, medians don't. */
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const VARIANTS = 3000;
const DUPLICATE_SHARE = 0.01;
const SSE_DELIVERIES = Number(process.env['BENCH_SSE_DELIVERIES'] ?? 200);
/** Fan-out: open dashboards across two API replicas, and the webhook rate they watch. */
const FANOUT_CLIENTS = Number(process.env['BENCH_FANOUT_CLIENTS'] ?? 1000);
const FANOUT_SMALL_CLIENTS = Math.max(1, Math.round(FANOUT_CLIENTS / 10));
const FANOUT_RATE = Number(process.env['BENCH_FANOUT_RATE'] ?? 100);
const FANOUT_SECONDS = Number(process.env['BENCH_FANOUT_SECONDS'] ?? 5);
/** Deliveries the simulator fails while the API is down (the redelivery phase); 0 skips the phase. */
const REDELIVERY_MISSED = Number(process.env['BENCH_REDELIVERY_MISSED'] ?? 50);
/** Profiling slows every figure a little: its results go to a file of their own. */
const PROFILE = process.env['BENCH_PROFILE'] === '1';
/** The benchmark's own queries carry this, so the statement figures leave them out. */
const BENCH_QUERY = '/* bench */';
/** Each person has a few tabs open; most of them may see the busy repository, the others must get nothing. */
const TABS_PER_PERSON = 5;
const VIEWER_SHARE = 0.8;
const OTHER_REPOS = 50;
const REPOS_PER_PERSON = 10;
const HOOK_ID = 424242;
const HOOK_SECRET = 'bench-hook-secret-0123456789abcdef';
const TOKEN_KEY = Buffer.alloc(32, 42);
const JWT_SECRET = 'bench-jwt-secret-'.padEnd(48, 'x');

const children: ChildProcess[] = [];

/** CPU time (user + system, ms) used so far by these processes, from /proc (Linux). */
function cpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

/** The postmaster and its backends. */
function postgresPids(dataDir: string): number[] {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const pids = [postmaster];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      if (ppid === postmaster) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

function startChild(
  name: string,
  args: string[],
  env: Record<string, string>,
  logFile: string,
): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile);
  // Two sources, one file: neither may end it while the other still writes.
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  child.on('close', () => log.end());
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGKILL' && code !== null)
      console.error(`${name} exited with ${code}; see ${logFile}`);
  });
  children.push(child);
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

async function waitForHttp(url: string, ok: (status: number) => boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      });
      if (ok(res.status)) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not come up within ${timeoutMs / 1000}s`);
}

interface LoadResult {
  deliveriesPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; mean: number; max: number };
  sent: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

interface LoadTracking {
  /** Delivery ids the target answered 2xx, with how many times each was sent. */
  acked: Set<string>;
  sentIds: Map<string, number>;
  duplicatesSent: number;
}

/** Posts the variants round-robin at fixed concurrency; `duplicates` re-sends 1% of earlier ids. */
function load(
  target: { url: string; path: string; hookId?: number },
  variants: SignedVariant[],
  durationS: number,
  duplicates: boolean,
  tracking: LoadTracking = { acked: new Set(), sentIds: new Map(), duplicatesSent: 0 },
): Promise<{ result: LoadResult; tracking: LoadTracking }> {
  let i = Math.floor(Math.random() * variants.length);
  const recent: Array<{ id: string; v: SignedVariant }> = [];
  return new Promise((resolvePromise, reject) => {
    autocannon(
      {
        url: target.url,
        connections: CONNECTIONS,
        duration: durationS,
        pipelining: 1,
        timeout: 10,
        requests: [
          {
            setupRequest: (req: Record<string, unknown>, context: Record<string, unknown>) => {
              let id: string;
              let v: SignedVariant;
              if (duplicates && recent.length > 50 && Math.random() < DUPLICATE_SHARE) {
                ({ id, v } = recent[Math.floor(Math.random() * recent.length)]!);
                tracking.duplicatesSent++;
              } else {
                id = randomUUID();
                v = variants[i++ % variants.length]!;
                recent.push({ id, v });
                if (recent.length > 500) recent.shift();
              }
              tracking.sentIds.set(id, (tracking.sentIds.get(id) ?? 0) + 1);
              context['id'] = id;
              const headers: Record<string, string> = {
                'content-type': 'application/json',
                'user-agent': 'GitHub-Hookshot/bench',
                'x-github-event': v.event,
                'x-github-delivery': id,
                'x-hub-signature-256': v.signature,
              };
              if (target.hookId) headers['x-github-hook-id'] = String(target.hookId);
              return { ...req, method: 'POST', path: target.path, headers, body: v.body };
            },
            onResponse: (status: number, _body: string, context: Record<string, unknown>) => {
              if (status >= 200 && status < 300) tracking.acked.add(context['id'] as string);
            },
          },
        ],
      },
      (err, r) => {
        if (err) return reject(err);
        resolvePromise({
          tracking,
          result: {
            deliveriesPerSec: Math.round(r['2xx'] / r.duration),
            latencyMs: {
              p50: r.latency.p50,
              p90: r.latency.p90,
              p99: r.latency.p99,
              mean: Math.round(r.latency.average * 100) / 100,
              max: r.latency.max,
            },
            sent: r.requests.sent,
            ok2xx: r['2xx'],
            non2xx: r.non2xx,
            errors: r.errors,
            timeouts: r.timeouts,
          },
        });
      },
    );
  });
}

interface Target {
  name: string;
  url: string;
  path: string;
  hookId?: number;
  duplicates: boolean;
  pids: () => number[];
  dbPids?: () => number[];
  tracking: LoadTracking;
  /** Brackets the timed load (BENCH_PROFILE). */
  profiler?: { start(): Promise<void>; stop(window: 'intake', deliveries: number): Promise<void> };
  rounds: Array<LoadResult & { cpuMsPerDelivery: { server: number; database: number; total: number } }>;
}

async function runRound(t: Target, variants: SignedVariant[], warmup: boolean): Promise<void> {
  if (warmup) await load(t, variants, WARMUP_S, false, t.tracking);
  const cpuBefore = cpuMs(t.pids());
  const dbBefore = cpuMs(t.dbPids?.() ?? []);
  await t.profiler?.start();
  const { result } = await load(t, variants, DURATION_S, t.duplicates, t.tracking);
  // CPU per delivery is what a server costs, whatever else the machine is doing meanwhile.
  const per = (ms: number) => Math.round((ms / Math.max(1, result.ok2xx)) * 1000) / 1000;
  const server = per(cpuMs(t.pids()) - cpuBefore);
  const database = per(cpuMs(t.dbPids?.() ?? []) - dbBefore);
  await t.profiler?.stop('intake', result.ok2xx);
  const cpuMsPerDelivery = { server, database, total: Math.round((server + database) * 1000) / 1000 };
  t.rounds.push({ ...result, cpuMsPerDelivery });
  console.log(
    `  ${t.name.padEnd(10)} ${String(result.deliveriesPerSec).padStart(6)}/s  p50 ${result.latencyMs.p50} ms  p99 ${result.latencyMs.p99} ms  ` +
      `non-2xx ${result.non2xx}  errors ${result.errors}  CPU ${cpuMsPerDelivery.total} ms/delivery`,
  );
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : Math.round(((sorted[mid - 1]! + sorted[mid]!) / 2) * 100) / 100;
};

/** Median of each figure over the rounds, plus every round as measured. */
function summary(t: Target) {
  return {
    deliveriesPerSec: median(t.rounds.map((r) => r.deliveriesPerSec)),
    latencyMs: {
      p50: median(t.rounds.map((r) => r.latencyMs.p50)),
      p99: median(t.rounds.map((r) => r.latencyMs.p99)),
    },
    cpuMsPerDelivery: {
      server: median(t.rounds.map((r) => r.cpuMsPerDelivery.server)),
      database: median(t.rounds.map((r) => r.cpuMsPerDelivery.database)),
      total: median(t.rounds.map((r) => r.cpuMsPerDelivery.total)),
    },
    non2xx: t.rounds.reduce((n, r) => n + r.non2xx, 0),
    errors: t.rounds.reduce((n, r) => n + r.errors + r.timeouts, 0),
    rounds: t.rounds,
  };
}

async function seed(db: Client): Promise<{ userId: string; repoId: string }> {
  const { rows: users } = await db.query<{ id: string }>(
    `INSERT INTO users (github_host, github_id, login) VALUES ('github.com', 21031067, 'Codertocat') RETURNING id`,
  );
  const userId = users[0]!.id;
  const { rows: repos } = await db.query<{ id: string }>(
    `INSERT INTO repositories (github_host, github_id, node_id, owner, name, full_name, html_url) VALUES ('github.com', $1, 'R_bench', $2, $3, $4, $5) RETURNING id`,
    [
      EXAMPLE_REPO.githubId,
      ...EXAMPLE_REPO.fullName.split('/'),
      EXAMPLE_REPO.fullName,
      `https://github.com/${EXAMPLE_REPO.fullName}`,
    ],
  );
  const repoId = repos[0]!.id;
  await db.query('INSERT INTO tracked_repos (user_id, repo_id) VALUES ($1, $2)', [userId, repoId]);
  await db.query(`INSERT INTO repo_access (user_id, repo_id, permission) VALUES ($1, $2, 'admin')`, [
    userId,
    repoId,
  ]);
  const cipher = new WebhookSecretCipher({
    currentTokenKey: { version: 'v1', key: TOKEN_KEY },
    tokenKeys: new Map([['v1', TOKEN_KEY]]),
  } as unknown as AuthSettings);
  await db.query(
    `INSERT INTO webhook_registrations (repo_id, hook_id, status, secret_enc, events) VALUES ($1, $2, 'active', $3, '{push,pull_request}')`,
    [repoId, HOOK_ID, cipher.encrypt(HOOK_SECRET, repoId)],
  );
  return { userId, repoId };
}

async function sessionCookie(db: Client, userId: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO sessions (user_id, expires_at) VALUES ($1, now() + interval '1 hour') RETURNING id`,
    [userId],
  );
  const token = await new JwtService({ secret: JWT_SECRET }).signAsync(
    { sid: rows[0]!.id },
    {
      subject: userId,
      issuer: 'trackeep-api',
      audience: 'trackeep-session',
      expiresIn: 3600,
      algorithm: 'HS256',
    },
  );
  return `trackeep_session=${token}`;
}

/** Webhook → SSE: a dashboard is open; pushes arrive one after another; time from POST to the SSE event. */
async function sseLatency(
  apiUrl: string,
  cookie: string,
  n: number,
): Promise<{ samples: number; p50: number; p95: number; max: number; missed: number }> {
  const pending = new Map<string, number>();
  const latencies: number[] = [];
  let buffer = '';
  const req = http.get(`${apiUrl}/api/v1/events/stream`, {
    headers: { cookie, accept: 'text/event-stream' },
    agent: false,
  });
  await new Promise<void>((ok, fail) => {
    req.on('response', (res) => {
      if (res.statusCode !== 200) return fail(new Error(`SSE answered ${res.statusCode}`));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (!data || !frame.includes('event: activity')) continue;
          const after = (JSON.parse(data.slice(6)) as { activity: { data: { after?: string } } }).activity
            .data.after;
          const sentAt = after ? pending.get(after) : undefined;
          if (after && sentAt !== undefined) {
            latencies.push(performance.now() - sentAt);
            pending.delete(after);
          }
        }
      });
      ok();
    });
    req.on('error', fail);
  });
  await new Promise((r) => setTimeout(r, 500)); // the stream is registered and listening
  const agent = new http.Agent({ keepAlive: true });
  for (let i = 0; i < n; i++) {
    const { payload, after } = pushVariant(100_000 + i);
    const body = JSON.stringify(payload);
    const signature = await sign(HOOK_SECRET, body);
    pending.set(after, performance.now());
    await new Promise<void>((ok) => {
      const post = http.request(
        `${apiUrl}/api/v1/webhooks/github`,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'x-github-event': 'push',
            'x-github-delivery': randomUUID(),
            'x-hub-signature-256': signature,
            'x-github-hook-id': String(HOOK_ID),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => ok());
        },
      );
      post.on('error', () => ok());
      post.end(body);
    });
    await new Promise((r) => setTimeout(r, 50)); // ~20 pushes per second: a busy organisation, one dashboard
  }
  const deadline = Date.now() + 10_000;
  while (pending.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  req.destroy();
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN) * 10) /
    10;
  return { samples: latencies.length, p50: pct(0.5), p95: pct(0.95), max: pct(1), missed: pending.size };
}

interface Viewer {
  userId: string;
  /** May read the repository the deliveries are for. */
  sees: boolean;
  cookie: string;
}

/**
 * People with dashboards open: VIEWER_SHARE of them may read the busy repository, and each tracks
 * REPOS_PER_PERSON other repositories too, so every stream filters by a real access set.
 */
async function seedViewers(db: Client, repoId: string, people: number): Promise<Viewer[]> {
  const { rows: others } = await db.query<{ id: string }>(
    `INSERT INTO repositories (github_host, github_id, node_id, owner, name, full_name, html_url)
     SELECT 'github.com', 70000000 + k, 'R_other_' || k, 'bench-org', 'other-' || k, 'bench-org/other-' || k,
            'https://github.com/bench-org/other-' || k
       FROM generate_series(1, $1) AS k
     ON CONFLICT (github_host, github_id) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    [OTHER_REPOS],
  );
  const { rows: users } = await db.query<{ id: string; n: number }>(
    `INSERT INTO users (github_host, github_id, login)
     SELECT 'github.com', 60000000 + n, 'viewer-' || n FROM generate_series(1, $1) AS n
     ON CONFLICT (github_host, github_id) DO UPDATE SET login = EXCLUDED.login
     RETURNING id, github_id - 60000000 AS n`,
    [people],
  );
  const viewers: Viewer[] = [];
  for (const u of users.sort((a, b) => a.n - b.n)) {
    const sees = u.n <= Math.round(people * VIEWER_SHARE);
    const repos = others.slice(u.n % OTHER_REPOS, (u.n % OTHER_REPOS) + REPOS_PER_PERSON).map((r) => r.id);
    if (sees) repos.push(repoId);
    await db.query(
      `INSERT INTO tracked_repos (user_id, repo_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING`,
      [u.id, repos],
    );
    await db.query(
      `INSERT INTO repo_access (user_id, repo_id, permission) SELECT $1, unnest($2::uuid[]), 'pull'
       ON CONFLICT DO NOTHING`,
      [u.id, repos],
    );
    viewers.push({ userId: u.id, sees, cookie: await sessionCookie(db, u.id) });
  }
  return viewers;
}

interface FanoutResult {
  clients: number;
  viewerClients: number;
  replicas: number;
  deliveries: number;
  deliveriesPerSec: number;
  /** Every (event, browser that may see it) pair: time from the webhook POST to the SSE frame. */
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /**
   * Of each pair's time, the part after its delivery was applied (processed_at, set just before the commit, to
   * the frame): what the hub and the browsers' side add, apart from processing.
   */
  afterAppliedP50Ms: number;
  afterAppliedP95Ms: number;
  /** p95 of the deliveries sent in each third of the phase: rising thirds mean processing fell behind. */
  p95ByThirdMs: number[];
  /** (event, browser) pairs of accepted deliveries that never arrived within 20 s of the last POST. */
  missed: number;
  /** POSTs not answered 202 (an error status, or the connection failed): GitHub would show them as failed. */
  notAccepted: { status: Record<string, number>; errors: Record<string, number> };
  /** Per replica, browsers that may see the repository and got no frame at all (a stream that went quiet). */
  silentViewerClientsByReplica: number[];
  /** Frames that reached a browser whose user may not see the repository (must be 0). */
  leaked: number;
  apiCpuMsPerDelivery: number;
  /** Of the above, the time from receipt to applied (the inbox row's received_at → processed_at). */
  processingP50Ms: number;
  processingP95Ms: number;
  /** Of processing, the wait from the stored row's job to a worker fetching it. */
  jobWaitP50Ms: number;
  jobWaitP95Ms: number;
  /** CPU of this load generator (the browsers' side) over the phase, as a share of one core. */
  loadGeneratorCpuShare: number;
}

/** `clients` SSE streams spread over the replicas; pushes at FANOUT_RATE per second for FANOUT_SECONDS. */
async function fanout(
  db: Client,
  apiUrls: string[],
  apiPids: () => number[],
  viewers: Viewer[],
  clients: number,
  firstVariant: number,
): Promise<FanoutResult> {
  // The viewers hold no GitHub token, so once their access is ACCESS_RECHECK_SECONDS (60 s) old a stream can no
  // longer confirm it and hides those repositories, as it must: each phase starts as if GitHub had just answered.
  await db.query('UPDATE repo_access SET checked_at = now() WHERE user_id = ANY($1::uuid[])', [
    viewers.map((v) => v.userId),
  ]);
  /** Per head sha: when its POST went out (performance.now()), its place in the phase and its delivery id. */
  const posted = new Map<string, { at: number; order: number; deliveryId: string }>();
  /** Per head sha, when each frame that carried it reached a browser that may see it (performance.now()). */
  const arrived = new Map<string, number[]>();
  const framesOf = new Array<number>(clients).fill(0);
  let leaked = 0;
  const requests: http.ClientRequest[] = [];
  const afterKey = '"after":"';
  await Promise.all(
    Array.from({ length: clients }, (_, i) => {
      const viewer = viewers[i % viewers.length]!;
      const req = http.get(`${apiUrls[i % apiUrls.length]}/api/v1/events/stream`, {
        headers: { cookie: viewer.cookie, accept: 'text/event-stream' },
        agent: false,
      });
      requests.push(req);
      return new Promise<void>((ok, fail) => {
        req.on('response', (res) => {
          if (res.statusCode !== 200) return fail(new Error(`SSE answered ${res.statusCode}`));
          res.setEncoding('utf8');
          let buffer = '';
          res.on('data', (chunk: string) => {
            buffer += chunk;
            let end: number;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const frame = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              if (!frame.startsWith('id: ') || !frame.includes('event: activity')) continue;
              // The head sha is enough to match a frame to its POST; parsing 10^5 frames would load the machine.
              const at = frame.indexOf(afterKey);
              const sha = at < 0 ? '' : frame.slice(at + afterKey.length, at + afterKey.length + 40);
              if (!posted.has(sha)) continue;
              if (!viewer.sees) leaked++;
              else {
                let list = arrived.get(sha);
                if (!list) arrived.set(sha, (list = []));
                list.push(performance.now());
              }
              framesOf[i]!++;
            }
          });
          ok();
        });
        req.on('error', fail);
      });
    }),
  );
  await new Promise((r) => setTimeout(r, 1500)); // every stream registered and its access read
  const viewerClients = Array.from({ length: clients }, (_, i) => viewers[i % viewers.length]!).filter(
    (v) => v.sees,
  ).length;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
  const deliveries = FANOUT_RATE * FANOUT_SECONDS;
  const bodies = await Promise.all(
    Array.from({ length: deliveries }, async (_, i) => {
      const { payload, after } = pushVariant(firstVariant + i);
      const body = JSON.stringify(payload);
      return { body, after, signature: await sign(HOOK_SECRET, body) };
    }),
  );
  const cpuBefore = cpuMs(apiPids());
  const phaseStart = new Date();
  const ownCpu = process.cpuUsage();
  const started = performance.now();
  const posts: Promise<void>[] = [];
  const accepted = new Set<string>();
  const notAccepted: FanoutResult['notAccepted'] = { status: {}, errors: {} };
  const count = (into: Record<string, number>, key: string) => (into[key] = (into[key] ?? 0) + 1);
  for (const [i, d] of bodies.entries()) {
    const due = started + (i * 1000) / FANOUT_RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const deliveryId = randomUUID();
    posted.set(d.after, { at: performance.now(), order: i, deliveryId });
    posts.push(
      new Promise<void>((ok) => {
        const post = http.request(
          `${apiUrls[0]}/api/v1/webhooks/github`,
          {
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/json',
              'x-github-event': 'push',
              'x-github-delivery': deliveryId,
              'x-hub-signature-256': d.signature,
              'x-github-hook-id': String(HOOK_ID),
            },
          },
          (res) => {
            if (res.statusCode === 202) accepted.add(d.after);
            else count(notAccepted.status, String(res.statusCode));
            res.resume();
            res.on('end', () => ok());
          },
        );
        post.on('error', (err: NodeJS.ErrnoException) => {
          count(notAccepted.errors, err.code ?? err.message);
          ok();
        });
        post.end(d.body);
      }),
    );
  }
  await Promise.all(posts);
  const sendSeconds = (performance.now() - started) / 1000;
  const expected = accepted.size * viewerClients;
  const deadline = Date.now() + 20_000;
  const framesOfAccepted = () => [...accepted].reduce((n, sha) => n + (arrived.get(sha)?.length ?? 0), 0);
  while (framesOfAccepted() < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const cpu = cpuMs(apiPids()) - cpuBefore;
  const own = process.cpuUsage(ownCpu);
  const ownShare = (own.user + own.system) / 1000 / (performance.now() - started);
  for (const req of requests) req.destroy();
  const { rows: lag } = await db.query<{ p50: number | null; p95: number | null }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at)) * 1000 AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at)) * 1000 AS p95
       FROM webhook_deliveries WHERE received_at >= $1 AND processed_at IS NOT NULL`,
    [phaseStart],
  );
  // Where processing waits: from the commit of the inbox row to a worker fetching its job (pg-boss's started_on).
  const { rows: wait } = await db.query<{ p50: number | null; p95: number | null }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM j.started_on - j.created_on)) * 1000 AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM j.started_on - j.created_on)) * 1000 AS p95
       FROM pgboss.job j WHERE j.name = 'webhook-process' AND j.created_on >= $1 AND j.started_on IS NOT NULL`,
    [phaseStart],
  );
  agent.destroy();
  const { rows: applied } = await db.query<{ delivery_id: string; at: number }>(
    `SELECT delivery_id, extract(epoch FROM processed_at) * 1000 AS at
       FROM webhook_deliveries WHERE delivery_id = ANY($1::text[]) AND processed_at IS NOT NULL`,
    [[...accepted].map((sha) => posted.get(sha)!.deliveryId)],
  );
  const appliedAt = new Map(applied.map((r) => [r.delivery_id, Number(r.at)]));
  const since = (sha: string, from: number) => (arrived.get(sha) ?? []).map((t) => t - from);
  const sincePost = (sha: string) => since(sha, posted.get(sha)!.at);
  const latencies = [...accepted].flatMap(sincePost).sort((a, b) => a - b);
  // Both clocks are this machine's: the frame's arrival as wall time against the database's processed_at.
  const afterApplied = [...accepted]
    .flatMap((sha) => {
      const at = appliedAt.get(posted.get(sha)!.deliveryId);
      return at === undefined ? [] : since(sha, at - performance.timeOrigin);
    })
    .sort((a, b) => a - b);
  const thirds = [0, 1, 2].map((k) =>
    [...accepted]
      .filter((sha) => Math.floor((posted.get(sha)!.order * 3) / deliveries) === k)
      .flatMap(sincePost)
      .sort((a, b) => a - b),
  );
  const pctOf = (sorted: number[], p: number) =>
    Math.round((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN) * 10) / 10;
  const pct = (p: number) => pctOf(latencies, p);
  return {
    clients,
    viewerClients,
    replicas: apiUrls.length,
    deliveries,
    deliveriesPerSec: Math.round(deliveries / sendSeconds),
    p50Ms: pct(0.5),
    p95Ms: pct(0.95),
    maxMs: pct(1),
    afterAppliedP50Ms: pctOf(afterApplied, 0.5),
    afterAppliedP95Ms: pctOf(afterApplied, 0.95),
    p95ByThirdMs: thirds.map((sorted) => pctOf(sorted, 0.95)),
    missed: expected - latencies.length,
    notAccepted,
    silentViewerClientsByReplica: apiUrls.map(
      (_, r) =>
        framesOf.filter((n, i) => n === 0 && i % apiUrls.length === r && viewers[i % viewers.length]!.sees)
          .length,
    ),
    leaked,
    apiCpuMsPerDelivery: Math.round((cpu / deliveries) * 100) / 100,
    processingP50Ms: Math.round(lag[0]?.p50 ?? NaN),
    processingP95Ms: Math.round(lag[0]?.p95 ?? NaN),
    jobWaitP50Ms: Math.round(wait[0]?.p50 ?? NaN),
    jobWaitP95Ms: Math.round(wait[0]?.p95 ?? NaN),
    loadGeneratorCpuShare: Math.round(ownShare * 100) / 100,
  };
}

interface RedeliveryResult {
  missed: number;
  recovered: number;
  seconds: number | null;
  redeliveryIntervalMinutes: number;
  how: string;
}

/**
 * Gap-free: an API in GitHub App mode (on a database of its own, against the simulator) is stopped; GitHub's
 * deliveries to the App's webhook fail meanwhile; the API starts again, and the time until every missed delivery
 * is stored and applied is measured. The redelivery job runs on its schedule (every minute here).
 */
async function redeliveryPhase(
  cluster: PgCluster,
  work: string,
  nodeArgs: string[],
  apiMain: string,
  apiEnv: (port: number) => Record<string, string>,
  missedCount: number,
): Promise<RedeliveryResult> {
  const intervalMinutes = 1;
  await ensureDatabase(cluster.adminUrl, 'trackeep_redelivery');
  const databaseUrl = cluster.urlFor('trackeep_redelivery');
  const sim = await startGithubSim({ preset: 'small', seed: 19 });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...apiEnv(port),
    DATABASE_URL: databaseUrl,
    GITHUB_API_URL: sim.apiUrl,
    GITHUB_WEB_URL: sim.url,
    PUBLIC_URL: url,
    ...demoGithubAppEnv(),
    SYNC_ENABLED: 'false',
    WEBHOOK_REDELIVERY_INTERVAL_MINUTES: String(intervalMinutes),
  };
  const start = (n: number) =>
    startChild(
      `trackeep-api-redelivery-${n}`,
      [...nodeArgs, apiMain],
      env,
      join(work, `api-redelivery-${n}.log`),
    );
  const db = new Client({ connectionString: databaseUrl });
  let api = start(1);
  try {
    await waitForHttp(`${url}/api/v1/webhooks/github`, (s) => s === 400);
    await db.connect();
    sim.world.setGithubAppWebhook(
      DEMO_GITHUB_APP.id,
      `${url}/api/v1/webhooks/github`,
      DEMO_GITHUB_APP.webhookSecret,
    );
    await sim.world.installApp({ app: DEMO_GITHUB_APP.id, account: 'acme-corp' });
    const repo = [...sim.world.repos.values()].find(
      (r) => !r.deleted && sim.world.ownerLogin(r) === 'acme-corp',
    );
    if (!repo) throw new Error('the simulator has no acme-corp repository');
    const fullName = sim.world.fullName(repo);
    // Someone tracks the repository, so its events are applied rather than ignored.
    const { rows: users } = await db.query<{ id: string }>(
      `INSERT INTO users (github_host, github_id, login) VALUES ('127.0.0.1', 1, 'octocat') RETURNING id`,
    );
    const [owner, name] = fullName.split('/');
    const { rows: repos } = await db.query<{ id: string }>(
      `INSERT INTO repositories (github_host, github_id, node_id, owner, name, full_name, html_url)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [new URL(sim.url).host, repo.id, `R_${repo.id}`, owner, name, fullName, `${sim.url}/${fullName}`],
    );
    await db.query('INSERT INTO tracked_repos (user_id, repo_id) VALUES ($1, $2)', [
      users[0]!.id,
      repos[0]!.id,
    ]);
    await sim.world.settled();

    await stopChild(api);
    const hookId = sim.world.githubApp(DEMO_GITHUB_APP.id)?.hookId;
    const before = sim.world.deliveries.length;
    for (let i = 0; i < missedCount; i++) {
      const res = await fetch(`${sim.url}/_sim/repos/${fullName}/issues`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: `Missed while Trackeep was down ${i + 1}` }),
      });
      if (res.status >= 300) throw new Error(`the simulator refused an issue: ${res.status}`);
    }
    await sim.world.settled();
    const missed = [
      ...new Set(
        sim.world.deliveries
          .slice(before)
          .filter((d) => d.hookId === hookId && !d.redelivery)
          .map((d) => d.guid),
      ),
    ];
    console.log(`Redelivery: ${missed.length} deliveries to the App's webhook failed while the API was down`);

    const restarted = Date.now();
    api = start(2);
    const deadline = restarted + (intervalMinutes * 60 + 180) * 1000;
    let recovered = 0;
    for (;;) {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM webhook_deliveries WHERE delivery_id = ANY($1) AND status IN ('processed', 'ignored')`,
        [missed],
      );
      recovered = rows[0]!.n;
      if (recovered === missed.length || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    return {
      missed: missed.length,
      recovered,
      seconds: recovered === missed.length ? Math.round((Date.now() - restarted) / 100) / 10 : null,
      redeliveryIntervalMinutes: intervalMinutes,
      how: 'GitHub App mode against the simulator; seconds from the API restart until every missed delivery is applied (the job runs on its pg-boss schedule)',
    };
  } finally {
    await db.end().catch(() => undefined);
    await stopChild(api);
    await sim.stop();
  }
}

type Window = 'intake' | 'drain' | 'fanout';
type StatementRows = Array<{ queryid: string; query: string; calls: number; total_exec_time: number }>;

/**
 * Brackets windows of the run (a timed load round, a drain): the API's profiler runs (profiled-main.mjs,
 * toggled by SIGUSR2) and pg_stat_statements counts from zero; at the end of each window both are collected.
 */
function windowProfiler(pid: number, dir: string, db: Client) {
  let written = 0;
  const cpu: Record<Window, CpuProfile[]> = { intake: [], drain: [], fanout: [] };
  const statements: Record<Window, StatementRows[]> = { intake: [], drain: [], fanout: [] };
  const deliveries: Record<Window, number> = { intake: 0, drain: 0, fanout: 0 };
  return {
    async start(): Promise<void> {
      await db.query(`${BENCH_QUERY} SELECT pg_stat_statements_reset()`);
      process.kill(pid, 'SIGUSR2');
    },
    async stop(window: Window, count: number): Promise<void> {
      process.kill(pid, 'SIGUSR2');
      deliveries[window] += count;
      const { rows } = await db.query<StatementRows[number]>(
        `${BENCH_QUERY} SELECT queryid::text, query, calls::int AS calls, total_exec_time FROM pg_stat_statements
          WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND query NOT LIKE '${BENCH_QUERY}%'`,
      );
      statements[window].push(rows);
      const n = written++;
      const deadline = Date.now() + 60_000;
      while (!existsSync(join(dir, `${n}.done`))) {
        if (Date.now() > deadline) throw new Error(`the API wrote no CPU profile ${n} to ${dir} in 60 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
      cpu[window].push(JSON.parse(readFileSync(join(dir, `${n}.cpuprofile`), 'utf8')) as CpuProfile);
    },
    summary() {
      return {
        method:
          'V8 sampling profiler in the API (self time by origin and by function) and pg_stat_statements (execution time, which for COMMIT includes waiting for the WAL flush), over the timed Trackeep rounds (intake), the drains after them (drain) and the full fan-out phase (fanout; the first replica only, which applies the deliveries and serves half the streams)',
        api: {
          intake: summarizeCpu(cpu.intake, deliveries.intake),
          drain: summarizeCpu(cpu.drain, deliveries.drain),
          fanout: summarizeCpu(cpu.fanout, deliveries.fanout),
        },
        postgres: {
          intake: summarizeStatements(statements.intake, deliveries.intake),
          drain: summarizeStatements(statements.drain, deliveries.drain),
          fanout: summarizeStatements(statements.fanout, deliveries.fanout),
        },
      };
    },
  };
}

async function main(): Promise<void> {
  const apiMain = join(ROOT, 'dist/trackeep-api/main.js');
  if (!existsSync(apiMain)) throw new Error(`${apiMain} is missing: npm run bench:webhooks builds it first`);
  mkdirSync(OUT_DIR, { recursive: true });
  const work = makeOwnedTempDir('trackeep-bench-webhooks');
  let cluster: PgCluster | null = null;
  const interrupted = () => {
    for (const child of children) child.kill('SIGKILL');
    void cluster?.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    console.log('Starting a durable PostgreSQL (fsync on)...');
    cluster = await startPgCluster({
      dataDir: join(work, 'data'),
      ephemeral: false,
      settings: PROFILE ? ['shared_preload_libraries=pg_stat_statements'] : [],
    });
    await ensureDatabase(cluster.adminUrl, 'trackeep_bench');
    const databaseUrl = cluster.urlFor('trackeep_bench');

    const [apiPort, barePort, probotPort] = [await freePort(), await freePort(), await freePort()];
    console.log(
      'Starting the ceiling (bare node:http + webhooks-methods), the peer (Probot) and Trackeep...',
    );
    const bare = startChild(
      'bare',
      ['trackeep-api/bench/webhooks/bare-verifier.mjs'],
      { PORT: String(barePort), WEBHOOK_SECRET: HOOK_SECRET },
      join(work, 'bare.log'),
    );
    const probot = startChild(
      'probot',
      ['trackeep-api/bench/webhooks/probot-app.mjs'],
      { PORT: String(probotPort), WEBHOOK_SECRET: HOOK_SECRET, NODE_ENV: 'production' },
      join(work, 'probot.log'),
    );
    const apiEnv = (port: number): Record<string, string> => ({
      NODE_ENV: 'production',
      TRACKEEP_MODE: 'demo',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      DB_MIGRATE_ON_START: 'true',
      LOG_LEVEL: process.env['BENCH_API_LOG_LEVEL'] ?? 'info',
      JWT_SECRET,
      TOKEN_ENCRYPTION_KEYS: `v1:${TOKEN_KEY.toString('base64')}`,
      FRONTEND_URL: `http://127.0.0.1:${apiPort}`,
      ...(process.env['BENCH_WEBHOOK_WORKERS']
        ? { WEBHOOK_WORKERS: process.env['BENCH_WEBHOOK_WORKERS'] }
        : {}),
    });
    const nodeArgs = (process.env['BENCH_API_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
    const profileDir = join(work, 'profiles');
    if (PROFILE) mkdirSync(profileDir);
    const api = startChild(
      'trackeep-api',
      [...nodeArgs, ...(PROFILE ? ['trackeep-api/bench/webhooks/profiled-main.mjs'] : []), apiMain],
      { ...apiEnv(apiPort), ...(PROFILE ? { PROFILE_DIR: profileDir } : {}) },
      join(work, 'api.log'),
    );
    const bareUrl = `http://127.0.0.1:${barePort}`;
    const probotUrl = `http://127.0.0.1:${probotPort}`;
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitForHttp(`${bareUrl}/`, (s) => s === 401);
    await waitForHttp(`${probotUrl}/api/github/webhooks`, (s) => s >= 400 && s < 500);
    await waitForHttp(`${apiUrl}/api/v1/webhooks/github`, (s) => s === 400);

    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    const { userId, repoId } = await seed(db);
    if (PROFILE) await db.query(`${BENCH_QUERY} CREATE EXTENSION IF NOT EXISTS pg_stat_statements`);
    const profiler = PROFILE ? windowProfiler(api.pid!, profileDir, db) : null;
    const variants = await signedVariants(HOOK_SECRET, VARIANTS);

    const pgData = join(work, 'data');
    const fresh = (): LoadTracking => ({ acked: new Set(), sentIds: new Map(), duplicatesSent: 0 });
    const ceiling: Target = {
      name: 'ceiling',
      url: bareUrl,
      path: '/',
      duplicates: false,
      pids: () => [bare.pid!],
      tracking: fresh(),
      rounds: [],
    };
    const peer: Target = {
      name: 'Probot',
      url: probotUrl,
      path: '/api/github/webhooks',
      duplicates: false,
      pids: () => [probot.pid!],
      tracking: fresh(),
      rounds: [],
    };
    const trackeep: Target = {
      name: 'Trackeep',
      url: apiUrl,
      path: '/api/v1/webhooks/github',
      hookId: HOOK_ID,
      duplicates: true,
      pids: () => [api.pid!],
      dbPids: () => postgresPids(pgData),
      ...(profiler ? { profiler } : {}),
      tracking: fresh(),
      rounds: [],
    };
    const targets = [ceiling, peer, trackeep];
    console.log(
      `Load: ${ROUNDS} rounds x ${targets.length} targets x ${DURATION_S}s at ${CONNECTIONS} connections; ${VARIANTS} distinct signed push/pull_request payloads`,
    );
    const processing = process.env['BENCH_WEBHOOK_WORKERS'] !== '0'; // 0: measure receiving alone
    const backlog = async () =>
      (
        await db.query<{ n: number }>(
          `${BENCH_QUERY} SELECT count(*)::int AS n FROM webhook_deliveries WHERE status IN ('pending', 'processing')`,
        )
      ).rows[0]!.n;
    // Trackeep applies what it stored after its round; the next round (any server's) starts only when that is
    // done, so no round shares the machine with another's leftover work.
    const drains: Array<{ backlog: number; seconds: number }> = [];
    const drain = async (): Promise<void> => {
      const started = Date.now();
      const left = await backlog();
      console.log(`  Trackeep applies its backlog (${left} pending)...`);
      const deadline = started + (processing ? 15 * 60_000 : 0);
      // Receiving alone (no workers): nothing will apply it, so no second count.
      while (Date.now() < deadline && (await backlog()) > 0) await new Promise((r) => setTimeout(r, 250));
      drains.push({ backlog: left, seconds: Math.round((Date.now() - started) / 100) / 10 });
    };
    for (let round = 0; round < ROUNDS; round++) {
      console.log(`Round ${round + 1}/${ROUNDS}`);
      for (let k = 0; k < targets.length; k++) {
        const target = targets[(k + round) % targets.length]!;
        await runRound(target, variants, round === 0);
        if (target !== trackeep) continue;
        await profiler?.start();
        await drain();
        await profiler?.stop('drain', drains[drains.length - 1]!.backlog);
      }
    }
    const lastDrain = drains[drains.length - 1] ?? { backlog: 0, seconds: 0 };

    // Correctness over every Trackeep delivery (warm-up included): stored once, processed once, none lost.
    const acked = [...trackeep.tracking.acked];
    const { rows: storedRows } = await db.query<{
      delivery_id: string;
      status: string;
      applied_count: number;
    }>('SELECT delivery_id, status, applied_count FROM webhook_deliveries WHERE delivery_id = ANY($1)', [
      [...trackeep.tracking.sentIds.keys()],
    ]);
    const storedIds = new Set(storedRows.map((r) => r.delivery_id));
    const lost = acked.filter((id) => !storedIds.has(id)).length;
    const processed = storedRows.filter((r) => r.status === 'processed').length;
    const failed = storedRows.filter((r) => r.status === 'failed').length;
    const appliedTwice = storedRows.filter((r) => r.applied_count > 1).length;
    const sentTwice = [...trackeep.tracking.sentIds.values()].filter((n) => n > 1).length;
    const { rows: allRows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM webhook_deliveries`,
    );

    console.log('Webhook → SSE latency...');
    const sse = processing
      ? await sseLatency(apiUrl, await sessionCookie(db, userId), SSE_DELIVERIES)
      : { samples: 0, p50: NaN, p95: NaN, max: NaN, missed: 0 };

    let fan: { small: FanoutResult; full: FanoutResult } | null = null;
    if (processing && FANOUT_CLIENTS > 0) {
      // A second replica that only serves browsers; both hear every change through PostgreSQL.
      const apiPort2 = await freePort();
      const api2 = startChild(
        'trackeep-api-2',
        [...nodeArgs, apiMain],
        { ...apiEnv(apiPort2), WEBHOOK_WORKERS: '0', DB_MIGRATE_ON_START: 'false' },
        join(work, 'api2.log'),
      );
      const apiUrl2 = `http://127.0.0.1:${apiPort2}`;
      await waitForHttp(`${apiUrl2}/api/v1/webhooks/github`, (s) => s === 400);
      const viewers = await seedViewers(db, repoId, Math.ceil(FANOUT_CLIENTS / TABS_PER_PERSON));
      const pids = () => [api.pid!, api2.pid!];
      console.log(
        `Fan-out: ${FANOUT_SMALL_CLIENTS} then ${FANOUT_CLIENTS} SSE clients on 2 replicas, ${FANOUT_RATE} deliveries/s...`,
      );
      const small = await fanout(db, [apiUrl, apiUrl2], pids, viewers, FANOUT_SMALL_CLIENTS, 200_000);
      await profiler?.start();
      const full = await fanout(db, [apiUrl, apiUrl2], pids, viewers, FANOUT_CLIENTS, 300_000);
      await profiler?.stop('fanout', full.deliveries);
      fan = { small, full };
      await stopChild(api2);
    }
    const profile = profiler?.summary() ?? null;
    await db.end();

    let redelivery: RedeliveryResult | null = null;
    if (processing && REDELIVERY_MISSED > 0) {
      console.log(`Redelivery: ${REDELIVERY_MISSED} deliveries missed while the API is down...`);
      redelivery = await redeliveryPhase(cluster, work, nodeArgs, apiMain, apiEnv, REDELIVERY_MISSED);
    }

    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    const [c, p, t] = [summary(ceiling), summary(peer), summary(trackeep)];
    const results = {
      benchmark: 'webhooks',
      generatedAt: new Date().toISOString(),
      command: 'npm run bench:webhooks',
      machine: {
        node: process.version,
        cpus: cpus().length,
        loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
      },
      config: {
        connections: CONNECTIONS,
        rounds: ROUNDS,
        secondsPerRound: DURATION_S,
        warmupSeconds: WARMUP_S,
        figures: 'median over the rounds; every round is listed under rounds',
        betweenRounds:
          'after each Trackeep round the next round waits until Trackeep has applied its backlog (drainsAfterRounds)',
        payloads:
          'GitHub example payloads (@octokit/webhooks-examples): push to a branch and pull_request synchronize, 2:1, each variant a new head/PR state, ~7.7 KB',
        duplicateShare: DUPLICATE_SHARE,
        postgres: 'embedded PostgreSQL 15, fsync on, synchronous_commit on (durable), same machine',
        trackeep: `dist/trackeep-api/main.js, NODE_ENV=production, default settings, per-repo hook secret (X-GitHub-Hook-ID)`,
        cpuMsPerDelivery:
          'user+system CPU of the server process (and, for Trackeep, of PostgreSQL) per 2xx delivery, from /proc',
        profiled: PROFILE
          ? 'yes: the API runs under the V8 profiler and PostgreSQL with pg_stat_statements, which slows both'
          : 'no',
      },
      trackeep: {
        ...t,
        uniqueDeliveriesSent: trackeep.tracking.sentIds.size,
        duplicateDeliveriesSent: trackeep.tracking.duplicatesSent,
        deliveryIdsSentMoreThanOnce: sentTwice,
        acknowledged: acked.length,
        stored: storedIds.size,
        processed,
        failed,
        lost,
        duplicatesProcessed: appliedTwice,
        inboxRows: allRows[0]!.n,
        backlogWhenLoadEnded: lastDrain.backlog,
        drainSeconds: lastDrain.seconds,
        drainsAfterRounds: drains,
        webhookToSse: sse,
      },
      fanout: fan?.full ?? null,
      fanoutSmall: fan?.small ?? null,
      redelivery,
      ...(profile ? { profile } : {}),
      ceiling: { name: 'bare node:http + @octokit/webhooks-methods verify', ...c },
      peer: { name: 'Probot 14.3.2 (createNodeMiddleware, no-op handlers)', ...p },
      ratios: {
        trackeepVsProbot: ratio(t.deliveriesPerSec, p.deliveriesPerSec),
        trackeepVsCeiling: ratio(t.deliveriesPerSec, c.deliveriesPerSec),
        probotVsCeiling: ratio(p.deliveriesPerSec, c.deliveriesPerSec),
        cpuPerDeliveryTrackeepVsProbot: ratio(t.cpuMsPerDelivery.total, p.cpuMsPerDelivery.total),
      },
      targets: {
        trackeepVsProbotAtLeast: 1.0,
        p99MsAtMost: 25,
        cpuPerDeliveryAtMost: 'Probot',
        lost: 0,
        webhookToSseP95MsAtMost: 1000,
        fanoutP95MsAtMost: 250,
        met: {
          throughput: t.deliveriesPerSec >= p.deliveriesPerSec,
          p99: t.latencyMs.p99 <= 25,
          cpuPerDelivery: t.cpuMsPerDelivery.total <= p.cpuMsPerDelivery.total,
          lost: lost === 0,
          duplicatesProcessedOnce: appliedTwice === 0,
          sse: sse.p95 <= 1000 && sse.missed === 0,
          fanout: fan
            ? fan.full.p95Ms <= 250 &&
              fan.full.missed === 0 &&
              fan.full.leaked === 0 &&
              Object.keys({ ...fan.full.notAccepted.status, ...fan.full.notAccepted.errors }).length === 0
            : null,
          // API CPU grows with events, not events x clients: 10x the clients costs well under 10x per delivery.
          fanoutCpuScalesWithEvents: fan
            ? fan.full.apiCpuMsPerDelivery <= 3 * fan.small.apiCpuMsPerDelivery
            : null,
          redeliveryRecoveredAll: redelivery ? redelivery.recovered === redelivery.missed : null,
        },
      },
    };
    const outFile = join(OUT_DIR, PROFILE ? 'webhooks-profile.json' : 'webhooks.json');
    writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
    console.log(
      JSON.stringify(
        {
          ratios: results.ratios,
          met: results.targets.met,
          trackeep: {
            perSec: t.deliveriesPerSec,
            p50: t.latencyMs.p50,
            p99: t.latencyMs.p99,
            cpu: t.cpuMsPerDelivery,
            lost,
            stored: storedIds.size,
            processed,
            duplicatesProcessed: appliedTwice,
            drainSeconds: results.trackeep.drainSeconds,
            sse,
          },
          fanout: results.fanout,
          fanoutSmall: results.fanoutSmall,
          redelivery,
        },
        null,
        2,
      ),
    );
    if (profile) console.log(JSON.stringify(profile, null, 2));
    console.log(`Wrote ${outFile}`);

    await Promise.all([stopChild(api), stopChild(bare), stopChild(probot)]);
  } finally {
    await Promise.all(children.map(stopChild));
    await cluster?.stop().catch(() => undefined);
    if (process.env['BENCH_KEEP_LOGS'])
      for (const f of [
        'api.log',
        'api2.log',
        'api-redelivery-1.log',
        'api-redelivery-2.log',
        'probot.log',
        'bare.log',
        'data/server.log',
      ])
        if (existsSync(join(work, f)))
          writeFileSync(join(OUT_DIR, `webhooks-${basename(f)}`), readFileSync(join(work, f)));
    // The raw profiles open in Chrome DevTools (Performance tab) for the call stacks the summary leaves out.
    if (process.env['BENCH_KEEP_LOGS'] && existsSync(join(work, 'profiles')))
      for (const f of readdirSync(join(work, 'profiles')).filter((n) => n.endsWith('.cpuprofile')))
        writeFileSync(join(OUT_DIR, `webhooks-${f}`), readFileSync(join(work, 'profiles', f)));
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(`bench:webhooks failed: ${err.stack ?? err.message}`);
  for (const child of children) child.kill('SIGKILL');
  process.exit(1);
});
