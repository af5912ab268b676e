import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface RunningApi {
  url: string;
  output: string[];
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/**
 * The API of the checkout at `root` (its src/main.ts, compiled on load by SWC as bench:sync runs it), in a
 * process of its own: the benchmark can run this checkout and another one side by side on one database.
 */
export async function startApiAt(root: string, env: Record<string, string>): Promise<RunningApi> {
  const port = await freePort();
  const output: string[] = [];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '-r',
      join(root, 'trackeep-api/bench/sync/import-only-packages.cjs'),
      '-r',
      '@swc-node/register',
      join(root, 'trackeep-api/src/main.ts'),
    ],
    {
      cwd: root,
      env: {
        PATH: process.env['PATH'] ?? '',
        SWC_NODE_PROJECT: join(root, 'trackeep-api/tsconfig.app.json'),
        HOST: '127.0.0.1',
        PORT: String(port),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (b: Buffer) => output.push(b.toString()));
  child.stderr?.on('data', (b: Buffer) => output.push(b.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`API (${root}) exited with ${child.exitCode}:\n${output.join('')}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`API (${root}) did not start:\n${output.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
