import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, pidAlive } from '@trackeep/embedded-pg';

const root = join(__dirname, '..', '..', '..');

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `npm start` without the build step: the CLI the start script runs, with its own ports and state dir. */
function startCommand(stateDir: string, ports: Record<string, number>): Started {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'tools/stack/src/cli.ts')], {
    cwd: root,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      TSX_TSCONFIG_PATH: join(root, 'tsconfig.base.json'),
      TRACKEEP_STATE_DIR: stateDir,
      GITHUB_SIM_LIVE: 'false',
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, as in a terminal: Ctrl-C signals the whole group.
    detached: true,
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => output, exited };
}

async function waitFor(predicate: () => boolean, what: string, timeoutMs = 150_000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const postmasterPid = (stateDir: string) =>
  Number(readFileSync(join(stateDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);

/** The process running `script` among the descendants of `ancestor` (other test runs may run the same build). */
function descendantRunning(ancestor: number, script: string): number {
  const parentOf = (pid: number) =>
    Number(
      readFileSync(`/proc/${pid}/stat`, 'utf8')
        .replace(/^.*\) /s, '')
        .split(' ')[1],
    );
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(script)) continue;
      for (let p = parentOf(pid); p > 1; p = parentOf(p)) if (p === ancestor) return pid;
    } catch {
      // the process ended while we looked
    }
  }
  throw new Error(`no ${script} under process ${ancestor}`);
}

const modeOf = (file: string) => statSync(file).mode & 0o777;

describe('npm start (zero configuration)', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'trackeep-start-'));
  // mkdtemp makes it 0700; the postgres OS user (used when running as root) must be able to enter it.
  chmodSync(stateDir, 0o755);
  let ports: Record<string, number>;
  let simToken = '';

  beforeAll(async () => {
    ports = {
      PORT: await freePort(),
      GATEWAY_PORT: await freePort(),
      GITHUB_SIM_PORT: await freePort(),
      EMBEDDED_PG_PORT: await freePort(),
    };
  });
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it('serves health, readiness and the dashboard, restarts a killed API, and stops cleanly on SIGTERM and Ctrl-C keeping the data and the simulated GitHub', async () => {
    for (let round = 1; round <= 2; round++) {
      const run = startCommand(stateDir, ports);
      await waitFor(
        () => /Press Ctrl-C to stop/.test(run.output()) || run.child.exitCode !== null,
        'the start banner',
      );
      expect(run.output()).toContain(`Open the dashboard:  http://localhost:${ports['PORT']}/`);
      expect(run.output()).toContain('DEMO MODE');

      const base = `http://127.0.0.1:${ports['PORT']}`;
      expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      const page = await fetch(`${base}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<trk-root/);
      expect((await fetch(`http://127.0.0.1:${ports['GATEWAY_PORT']}/healthz`)).status).toBe(200);

      // Something written in round 1 is still there in round 2.
      const db = new Client({
        connectionString: `postgres://postgres@127.0.0.1:${ports['EMBEDDED_PG_PORT']}/trackeep`,
      });
      await db.connect();
      if (round === 1)
        await db.query(
          `CREATE TABLE start_command_probe (v text); INSERT INTO start_command_probe VALUES ('kept')`,
        );
      else expect((await db.query('SELECT v FROM start_command_probe')).rows).toEqual([{ v: 'kept' }]);
      await db.end();

      // So is the simulated GitHub: a token issued in round 1 still signs in as its user in round 2.
      const sim = `http://127.0.0.1:${ports['GITHUB_SIM_PORT']}`;
      if (round === 1) {
        const issued = await fetch(`${sim}/_sim/tokens`, {
          method: 'POST',
          body: JSON.stringify({ login: 'octocat' }),
        });
        simToken = ((await issued.json()) as { token: string }).token;
      }
      const me = await fetch(`${sim}/user`, { headers: { Authorization: `token ${simToken}` } });
      expect(me.status).toBe(200);
      expect(((await me.json()) as { login: string }).login).toBe('octocat');

      // Logs are the owner's only, including a file an earlier run left readable to others.
      const logs = join(stateDir, 'logs');
      expect(modeOf(join(logs, 'api.log'))).toBe(0o600);
      expect(modeOf(join(logs, 'gateway.log'))).toBe(0o600);

      if (round === 1) {
        // A killed API is restarted, and the terminal says so.
        process.kill(
          descendantRunning(run.child.pid as number, join('dist', 'trackeep-api', 'main.js')),
          'SIGKILL',
        );
        await waitFor(
          () => /api was killed by SIGKILL; restarting it in 1 s; log: .*api\.log/.test(run.output()),
          'the crash report',
          30_000,
        );
        await waitFor(() => /api restarted and ready again/.test(run.output()), 'the restart', 90_000);
        expect((await fetch(`${base}/readyz`)).status).toBe(200);
        chmodSync(join(logs, 'gateway.log'), 0o644);
      }

      const pgPid = postmasterPid(stateDir);
      const stoppedAt = Date.now();
      // Round 1 stops as a service manager does (SIGTERM), round 2 as Ctrl-C in a terminal (SIGINT to the group).
      if (round === 1) run.child.kill('SIGTERM');
      else process.kill(-(run.child.pid as number), 'SIGINT');
      expect(await run.exited).toBe(0);
      expect(Date.now() - stoppedAt).toBeLessThan(10_000);
      // Stopping is not a crash: nothing is restarted.
      expect(run.output().split('stopping Trackeep')[1]).not.toMatch(/restart/);
      expect(pidAlive(pgPid)).toBe(false);
      expect(existsSync(join(stateDir, 'pg', 'postmaster.pid'))).toBe(false);
      expect(existsSync(join(stateDir, 'demo-secrets.json'))).toBe(true);
    }
  });
});
