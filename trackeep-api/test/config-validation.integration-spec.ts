import { spawn, spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createTestDatabase } from '@trackeep/testing';
import { API_TEMPLATE_DB } from './support/test-app';

const root = join(__dirname, '..', '..');

/** Runs the real entry point (src/main.ts) with exactly `env`, as a deployment would. */
function startApi(env: Record<string, string>) {
  return spawnSync(process.execPath, ['-r', '@swc-node/register', join(root, 'trackeep-api/src/main.ts')], {
    cwd: root,
    env: {
      PATH: process.env['PATH'] ?? '',
      SWC_NODE_PROJECT: join(root, 'trackeep-api/tsconfig.app.json'),
      ...env,
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('API start-up configuration check', () => {
  it('stops before listening with exit code 78 and one line per bad variable', () => {
    const result = startApi({ PORT: 'eighty', NODE_ENV: 'prod', JWT_SECRET: 'too-short-secret-value' });
    expect(result.status).toBe(78);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe('trackeep-api: cannot start, the configuration is invalid:');
    expect(lines).toContainEqual(
      expect.stringMatching(/^trackeep-api: PORT: expected an integer number.*; found "eighty"$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^trackeep-api: NODE_ENV: expected .*development, production, test; found "prod"$/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^trackeep-api: DATABASE_URL: expected a postgres:\/\/ connection URL.*; found nothing \(unset\)$/,
      ),
    );
    expect(result.stdout).not.toMatch(/listening/i);
  });

  it('says it once as a JSON log line on stdout and in plain lines on stderr, without colour or stack', () => {
    const result = startApi({ PORT: 'eighty' });
    expect(result.status).toBe(78);
    const stdout = result.stdout.trim().split('\n');
    expect(stdout).toHaveLength(1);
    const entry = JSON.parse(stdout[0] as string) as {
      level: number;
      name: string;
      msg: string;
      problems: string[];
    };
    expect(entry).toMatchObject({
      level: 60,
      name: 'trackeep-api',
      msg: 'cannot start: the configuration is invalid',
    });
    expect(entry.problems).toContainEqual(expect.stringMatching(/^PORT: expected an integer number/));
    for (const line of result.stderr.trim().split('\n')) {
      expect(line).toMatch(/^trackeep-api: /);
      expect(line).not.toContain('\u001b[');
    }
  });

  // The port is taken, so start-up fails after the configuration check (under @swc-node/register it may fail
  // even earlier, loading an ESM-only package: the same path, which is what this pins).
  it('reports a failure after the configuration check as one fatal JSON line and the plain line, no stack', async () => {
    const db = await createTestDatabase(API_TEMPLATE_DB);
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blocker.address() as AddressInfo).port;
      const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>(
        (resolve) => {
          const child = spawn(
            process.execPath,
            ['-r', '@swc-node/register', join(root, 'trackeep-api/src/main.ts')],
            {
              cwd: root,
              env: {
                PATH: process.env['PATH'] ?? '',
                SWC_NODE_PROJECT: join(root, 'trackeep-api/tsconfig.app.json'),
                TRACKEEP_MODE: 'demo',
                DATABASE_URL: db.url,
                PORT: String(port),
                HOST: '127.0.0.1',
                SYNC_ENABLED: 'false',
                WEBHOOK_WORKERS: '0',
              },
            },
          );
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
          child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
          child.on('close', (status) => resolve({ status, stdout, stderr }));
        },
      );
      expect(result.status).toBe(1);
      const fatal = result.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { level: number; msg: string })
        .filter((entry) => entry.level === 60);
      expect(fatal).toEqual([expect.objectContaining({ msg: expect.stringMatching(/^cannot start: \S/) })]);
      const plain = `${result.stdout}\n${result.stderr}`
        .split('\n')
        .filter((l) => l.trim() && !l.startsWith('{'));
      expect(plain).toEqual([`trackeep-api: ${fatal[0]?.msg}`]);
      for (const line of `${result.stdout}\n${result.stderr}`.split('\n')) {
        expect(line).not.toMatch(/^\s+at /);
        expect(line).not.toContain('\u001b[');
      }
    } finally {
      blocker.close();
      await db.drop();
    }
  });

  it('never prints the value of a secret it rejects', () => {
    const result = startApi({ DATABASE_URL: 'mysql://user:hunter2@db/x', JWT_SECRET: 'hunter2' });
    expect(result.status).toBe(78);
    expect(result.stderr).toMatch(/DATABASE_URL: .*found a value of \d+ characters \(hidden\)/);
    expect(result.stderr).not.toContain('hunter2');
  });
});
