import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@trackeep/embedded-pg';
import { spawnApp, type SupervisionEvent } from './stack';

// A tiny server in place of a built app: ready at once, or exits 78 (configuration error) when told to.
const SERVER = `
const { existsSync } = require('node:fs');
if (existsSync(process.env.CONFIG_BROKEN_FILE)) process.exit(78);
require('node:http').createServer((req, res) => res.end('{"status":"ok"}')).listen(Number(process.env.PORT), '127.0.0.1');
`;

async function waitFor(predicate: () => boolean, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('supervised server processes', () => {
  const root = mkdtempSync(join(tmpdir(), 'trackeep-supervision-'));
  const broken = join(root, 'config-broken');
  mkdirSync(join(root, 'dist', 'tiny'), { recursive: true });
  writeFileSync(join(root, 'dist', 'tiny', 'main.js'), SERVER);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('restarts a dying process with a doubling, capped back-off that resets after a stable run, gives up on a configuration error, and never restarts after stop', async () => {
    const events: SupervisionEvent[] = [];
    const supervise = {
      onEvent: (e: SupervisionEvent) => events.push(e),
      initialBackoffMs: 50,
      maxBackoffMs: 200,
      stableAfterMs: 1000,
    };
    const proc = await spawnApp(
      root,
      'tiny',
      'tiny',
      await freePort(),
      { CONFIG_BROKEN_FILE: broken },
      () => undefined,
      supervise,
    );
    try {
      for (let crash = 1; crash <= 4; crash++) {
        const before = proc.child.pid;
        proc.kill();
        await waitFor(
          () => events.filter((e) => e.type === 'restarted').length === crash,
          `restart ${crash}`,
        );
        expect(proc.child.pid).not.toBe(before);
        expect((await fetch(`${proc.url}/readyz`)).status).toBe(200);
      }
      const exits = events.filter((e) => e.type === 'exited');
      expect(exits.map((e) => e.type === 'exited' && [e.signal, e.restartInMs])).toEqual([
        ['SIGKILL', 50],
        ['SIGKILL', 100],
        ['SIGKILL', 200],
        ['SIGKILL', 200],
      ]);

      // One that stayed up a while starts again from the first back-off.
      await new Promise((r) => setTimeout(r, 1100));
      proc.kill();
      await waitFor(
        () => events.filter((e) => e.type === 'restarted').length === 5,
        'the restart after a stable run',
      );
      expect(events.filter((e) => e.type === 'exited').at(-1)).toMatchObject({ restartInMs: 50 });

      writeFileSync(broken, '');
      proc.kill();
      await waitFor(() => events.some((e) => e.type === 'not-restarted'), 'the configuration error');
      expect(events.at(-1)).toEqual({ type: 'not-restarted', name: 'tiny', code: 78, signal: null });
      rmSync(broken);

      // Crashes again while a restart is pending: stop() wins, and nothing comes back.
      const again = await spawnApp(
        root,
        'tiny-2',
        'tiny',
        await freePort(),
        { CONFIG_BROKEN_FILE: broken },
        () => undefined,
        supervise,
      );
      again.kill();
      await waitFor(() => events.some((e) => e.name === 'tiny-2' && e.type === 'exited'), 'the second crash');
      await again.stop();
      await new Promise((r) => setTimeout(r, 300));
      expect(events.filter((e) => e.name === 'tiny-2').map((e) => e.type)).toEqual(['exited']);
      expect(again.child.exitCode !== null || again.child.signalCode !== null).toBe(true);
    } finally {
      await proc.stop();
    }
  });
});
