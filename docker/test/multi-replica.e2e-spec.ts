import { startStack, type RunningProcess, type Stack } from '@trackeep/stack';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

// The multi-replica proof: two API instances and two gateway replicas (the built apps, as child processes)
// against one PostgreSQL, with the GitHub simulator. Run after building: `npx nx run deploy-tests:e2e`.
//   - a sign-in started on one gateway replica finishes on the other;
//   - a session works on either API instance;
//   - SSE clients on both instances see sync events, whichever instance ran the sync;
//   - the schedule syncs each repository once per cycle, never twice;
//   - an instance killed mid-sync has its run finished by the other.

interface Hop {
  url: string;
  status: number;
  location: string | null;
  body: string;
}
interface CookieBrowser {
  request(
    url: string,
    init?: { method?: string; body?: string; headers?: Record<string, string> },
  ): Promise<Hop>;
  cookie(url: string, name: string): string | undefined;
}
// The API's end-to-end cookie jar, loaded by path (deploy-tests may not import the API's test code).
const { Browser } = require(join(__dirname, '../../trackeep-api/test/support/browser')) as {
  Browser: new () => CookieBrowser;
};

const CALLBACK = '/api/v1/auth/oauth/callback';
const LOGIN = 'octocat';

function must<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`${what} is missing`);
  return value;
}

async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | null | undefined | false>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The same URL on another port of the same host, as a load balancer would send the next request elsewhere. */
function onPortOf(url: string, other: RunningProcess): string {
  const u = new URL(url);
  u.port = new URL(other.url).port;
  return u.toString();
}

/** An open SSE stream; `events` fills as they arrive. */
interface SseClient {
  events: { type: string; [k: string]: unknown }[];
  /** Everything received, as text. */
  raw: string;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

async function openStream(url: string, cookie: string): Promise<SseClient> {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { cookie, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`SSE ${url} answered ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let markEnded = () => undefined as void;
  const client: SseClient = {
    events: [],
    raw: '',
    ended: new Promise<void>((r) => (markEnded = r)),
    close: () => controller.abort(),
  };
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return markEnded();
        client.raw += value;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trim())
            .join('\n');
          if (data) {
            try {
              client.events.push(JSON.parse(data));
            } catch {
              // keep-alive comments and non-JSON data are not events
            }
          }
        }
      }
    } catch {
      markEnded(); // aborted, or the connection was cut
    }
  })();
  return client;
}

describe('two API instances and two gateway replicas on one PostgreSQL', () => {
  let stateDir: string;
  let stack: Stack;
  let db: Client;
  let browser: CookieBrowser;
  let session: string;
  const logs: { source: string; line: string }[] = [];
  let repos: string[] = [];

  const api = (i: number) => must(stack.apis[i], `API replica ${i}`).url.replace('127.0.0.1', 'localhost');
  const call = async (i: number, method: string, path: string) => {
    const hop = await browser.request(`${api(i)}/api/v1${path}`, {
      method,
      headers: { 'x-trackeep-csrf': '1' },
    });
    return { status: hop.status, body: hop.body ? JSON.parse(hop.body) : null };
  };
  const runs = async (where = 'true', params: unknown[] = []) =>
    (
      await db.query<{
        id: string;
        full_name: string;
        trigger: string;
        status: string;
        worker: string | null;
        cycle_slot: Date | null;
      }>(
        `SELECT s.id, r.full_name, s.trigger, s.status, s.worker, s.cycle_slot
         FROM sync_runs s JOIN repositories r ON r.id = s.repo_id WHERE ${where} ORDER BY s.queued_at`,
        params,
      )
    ).rows;
  const pidOfWorker = (worker: string | null) => Number(worker?.split(':').pop());

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'trackeep-replicas-'));
    chmodSync(stateDir, 0o755); // the embedded PostgreSQL runs as its own OS user when we are root
    stack = await startStack({
      rootDir: join(__dirname, '../..'),
      stateDir,
      apiReplicas: 2,
      gatewayReplicas: 2,
      sim: {
        preset: 'small',
        seed: 9,
        autoApproveLogin: LOGIN,
        sizes: { reposPerOwner: 4, commitsPerRepo: 120 },
      },
      env: {
        api: {
          SYNC_CRON: '*/20 * * * * *',
          SYNC_STALE_AFTER_SECONDS: '5',
          AUTH_RATE_LIMIT_PER_MINUTE: '10000',
          SSE_HEARTBEAT_SECONDS: '5',
        },
      },
      onLog: (source, line) => logs.push({ source, line }),
    });
    db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    browser = new Browser();
  }, 240_000);

  afterAll(async () => {
    await db?.end();
    await stack?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  }, 60_000);

  it('finishes on gateway replica 2 a sign-in that replica 1 started, and the session works on both APIs', async () => {
    const gw1 = must(stack.gateways[0], 'gateway replica 1');
    const gw2 = must(stack.gateways[1], 'gateway replica 2');
    const start = await browser.request(`${api(0)}/api/v1/auth/login?returnTo=/`);
    const authorize = must(start.location, 'redirect to the gateway');
    expect(new URL(authorize).port).toBe(new URL(stack.gatewayUrl).port);

    const toGithub = await browser.request(authorize); // replica 1 records the pending sign-in
    const fromGithub = await browser.request(must(toGithub.location, 'redirect to GitHub'));
    const callback = must(fromGithub.location, 'GitHub callback');
    expect(new URL(callback).pathname).toBe('/auth/github/callback');

    const onReplica2 = await browser.request(onPortOf(callback, gw2)); // the load balancer picked replica 2
    const toInstance = must(
      onReplica2.location,
      `replica 2 redirect (answered ${onReplica2.status}: ${onReplica2.body.slice(0, 200)})`,
    );
    expect(new URL(toInstance).pathname).toBe(CALLBACK);
    expect(new URL(toInstance).searchParams.get('code')).toBeTruthy();
    const done = await browser.request(toInstance);
    expect(done.status).toBe(303);
    session = must(browser.cookie(api(0), 'trackeep_session'), 'session cookie');

    // Replica 2 handled the GitHub callback; replica 1 never saw it.
    // Request log lines name the path: "url":"/auth/github/callback?code=[Redacted]&...".
    const sawCallback = (name: string) =>
      logs.some((l) => l.source === name && l.line.includes('"url":"/auth/github/callback'));
    expect(sawCallback(gw2.name)).toBe(true);
    expect(sawCallback(gw1.name)).toBe(false);

    for (const i of [0, 1])
      expect(await call(i, 'GET', '/auth/me')).toMatchObject({ status: 200, body: { login: LOGIN } });
  });

  it('shows sync events to SSE clients on both instances, whichever instance ran the sync', async () => {
    const octocat = must(stack.sim?.world.user(LOGIN), 'octocat');
    repos = [...(stack.sim?.world.repos.values() ?? [])]
      .filter((r) => !r.deleted && r.ownerType === 'User' && r.ownerId === octocat.id)
      .map((r) => r.name)
      .slice(0, 3);
    expect(repos.length).toBe(3);

    const streams = await Promise.all(
      [0, 1].map((i) => openStream(`${api(i)}/api/v1/events/stream`, `trackeep_session=${session}`)),
    );
    try {
      // Tracking from instance 1 queues a sync; any instance's worker may run it.
      expect((await call(0, 'POST', `/repos/${LOGIN}/${repos[0]}/track`)).status).toBe(201);
      const fullName = `${LOGIN}/${repos[0]}`;
      const finished = (s: SseClient) =>
        s.events.some(
          (e) =>
            e.type === 'sync_progress' &&
            e['repoFullName'] === fullName &&
            ['succeeded', 'partial'].includes(String(e['status'])),
        );
      await until('both streams to see the sync finish', 60_000, async () => streams.every(finished));
      const [run] = await runs(`r.full_name = $1 AND s.status IN ('succeeded','partial')`, [fullName]);
      const workerPid = pidOfWorker(must(run, 'the finished sync run').worker);
      expect(stack.apis.map((a) => a.child.pid)).toContain(workerPid);
    } finally {
      for (const s of streams) s.close();
    }
  }, 120_000);

  it('syncs each tracked repository once per scheduled cycle across both instances', async () => {
    for (const name of repos.slice(1))
      expect((await call(1, 'POST', `/repos/${LOGIN}/${name}/track`)).status).toBe(201);
    const expected = repos.map((name) => `${LOGIN}/${name}`).sort();
    // Two full cycles, each covering every repository.
    const slots = await until('two scheduled cycles that covered every repository', 150_000, async () => {
      const scheduled = await runs(`s.trigger = 'schedule' AND s.status IN ('succeeded','partial')`);
      const bySlot = new Map<string, string[]>();
      for (const r of scheduled)
        bySlot.set(String(r.cycle_slot), [...(bySlot.get(String(r.cycle_slot)) ?? []), r.full_name]);
      const complete = [...bySlot].filter(([, names]) => expected.every((n) => names.includes(n)));
      return complete.length >= 2 ? complete : null;
    });
    expect(slots.length).toBeGreaterThanOrEqual(2);
    const twice = await db.query(
      `SELECT cycle_slot, repo_id, count(*) AS n FROM sync_runs WHERE trigger = 'schedule' GROUP BY 1, 2 HAVING count(*) > 1`,
    );
    expect(twice.rows).toEqual([]);
    // One cycle row per slot although both instances run the scheduler.
    const cycles = await db.query(
      `SELECT slot, count(*) AS n FROM sync_cycles GROUP BY slot HAVING count(*) > 1`,
    );
    expect(cycles.rows).toEqual([]);
  }, 200_000);

  it('finishes on the surviving instance a sync whose instance was killed mid-run', async () => {
    // Slow GitHub down so the sync is still running when its instance dies.
    stack.sim?.setFaults({ latencyMs: 1500, pathPattern: 'graphql|/repos/' });
    const fullName = `${LOGIN}/${repos[2]}`;
    await db.query(
      `UPDATE sync_runs SET status = 'failed' WHERE status IN ('queued') AND repo_id = (SELECT id FROM repositories WHERE full_name = $1)`,
      [fullName],
    );
    expect((await call(0, 'POST', `/repos/${LOGIN}/${repos[2]}/sync`)).status).toBe(202);
    const running = await until('the manual sync to run', 60_000, async () => {
      const [r] = await runs(
        `r.full_name = $1 AND s.trigger = 'manual' AND s.status = 'running' AND s.worker IS NOT NULL`,
        [fullName],
      );
      return r;
    });
    const victim = must(
      stack.apis.find((a) => a.child.pid === pidOfWorker(running.worker)),
      `the instance running ${running.worker}`,
    );
    const survivor = must(
      stack.apis.find((a) => a !== victim && a.child.exitCode === null),
      'a surviving instance',
    );
    victim.kill();
    stack.sim?.setFaults({});

    const finished = await until('the run to finish on the other instance', 180_000, async () => {
      const [r] = await runs(`s.id = $1 AND s.status IN ('succeeded','partial')`, [running.id]);
      return r;
    });
    expect(pidOfWorker(finished.worker)).toBe(survivor.child.pid);
  }, 240_000);

  it('on SIGTERM an instance ends its SSE streams with a retry hint and exits within the grace period', async () => {
    const leaving = await stack.addApi();
    const stream = await openStream(
      `${leaving.url.replace('127.0.0.1', 'localhost')}/api/v1/events/stream`,
      `trackeep_session=${session}`,
    );
    const started = Date.now();
    await leaving.stop(30_000); // SIGTERM; SIGKILL only after 30 s
    await stream.ended;
    expect(stream.raw).toMatch(/retry: \d+\n\n$/);
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(leaving.child.signalCode ?? leaving.child.exitCode).toBe('SIGTERM'); // a clean stop re-raises the signal
  }, 120_000);
});
