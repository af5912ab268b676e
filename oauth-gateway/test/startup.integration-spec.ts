import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createTestDatabase } from '@trackeep/testing';
import { hashClientSecret } from '../src/clients/client-config.util';
import { ClientRegistry } from '../src/clients/client-registry.service';
import { generateSigningJwk, writeSigningKeysFile } from '../src/keys/signing-keys-file.util';
import { pkceChallenge, randomToken } from '../src/common/crypto.util';
import { createTestGateway, freePort, type TestGateway } from './support/test-gateway';

const root = join(__dirname, '..', '..');
const MAIN = join(root, 'oauth-gateway/src/main.ts');
const register = ['-r', '@swc-node/register'];
const baseEnv = () => ({
  PATH: process.env['PATH'] ?? '',
  SWC_NODE_PROJECT: join(root, 'oauth-gateway/tsconfig.app.json'),
});

/** Runs the real entry point (src/main.ts) with exactly `env`, as a deployment would, until it exits. */
function runGateway(env: Record<string, string>) {
  return spawnSync(process.execPath, [...register, MAIN], {
    cwd: root,
    env: { ...baseEnv(), ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

const CLIENT = JSON.stringify([
  {
    client_id: 'instance-a',
    name: 'A',
    client_secret_hashes: [hashClientSecret('s')],
    redirect_uris: ['https://a.example.com/cb'],
  },
]);

/** Every line is either the one JSON log line or a plain "oauth-gateway: …" line: no colour, no stack frame. */
function expectCleanStartupFailure(result: { stdout: string; stderr: string }) {
  const lines = `${result.stdout}\n${result.stderr}`.split('\n').filter((l) => l.trim() !== '');
  for (const line of lines) {
    expect(line).not.toContain('\u001b[');
    expect(line).not.toMatch(/^\s+at /);
    if (!line.startsWith('{')) expect(line).toMatch(/^oauth-gateway: /);
  }
  const json = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(json).toHaveLength(1);
  expect(json[0]).toMatchObject({
    level: 60,
    name: 'oauth-gateway',
    msg: expect.stringMatching(/^cannot start/),
  });
  expect(result.stderr).toMatch(/^oauth-gateway: cannot start/);
  const [logged] = json;
  if (!logged) throw new Error('no JSON log line');
  return logged;
}

describe('gateway start-up (real entry point)', () => {
  it('stops before listening with exit code 78 and one line per bad variable', () => {
    const result = runGateway({
      PORT: 'eighty',
      SERVICE_DOMAIN: 'http://gateway.example.com',
      DATABASE_URL: 'postgres://x/y',
      GITHUB_CLIENT_ID: 'id',
    });
    expect(result.status).toBe(78);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe('oauth-gateway: cannot start, the configuration is invalid:');
    expect(lines).toContainEqual(
      expect.stringMatching(/^oauth-gateway: PORT: expected .*integer.*found "eighty"$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^oauth-gateway: GITHUB_CLIENT_SECRET: expected .*found nothing \(unset\)$/),
    );
    expect(result.stdout).not.toMatch(/successfully started/);
    expect(expectCleanStartupFailure(result)['problems']).toEqual(lines.slice(1).map((l) => l.slice(15)));
  });

  it('reports a broken keys file or an unreadable clients file as one JSON line and the plain lines, no stack', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-start-'));
    try {
      const env = {
        SERVICE_DOMAIN: 'https://gateway.example.com',
        DATABASE_URL: 'postgres://127.0.0.1:1/none',
        GITHUB_CLIENT_ID: 'id',
        GITHUB_CLIENT_SECRET: 'secret',
        METRICS_TOKEN: 'metrics-token-0123456789',
      };
      const brokenKeys = join(dir, 'keys.json');
      writeFileSync(brokenKeys, '{"keys": [');
      const badKeys = runGateway({ ...env, GATEWAY_CLIENTS: CLIENT, GATEWAY_SIGNING_KEYS_FILE: brokenKeys });
      expect(badKeys.status).toBe(78);
      expect(expectCleanStartupFailure(badKeys)['problems']).toEqual([
        expect.stringMatching(/^GATEWAY_SIGNING_KEYS_FILE: cannot use ".*keys.json": not valid JSON/),
      ]);

      const goodKeys = join(dir, 'good-keys.json');
      const key = await generateSigningJwk();
      writeSigningKeysFile(goodKeys, { signing_kid: key.kid, keys: [key] });
      // A directory where the file should be: unreadable as a file, whoever runs the test.
      const badClients = runGateway({
        ...env,
        GATEWAY_CLIENTS_FILE: dir,
        GATEWAY_SIGNING_KEYS_FILE: goodKeys,
      });
      expect(badClients.status).toBe(78);
      expect(expectCleanStartupFailure(badClients)['problems']).toEqual([
        expect.stringMatching(/^GATEWAY_CLIENTS_FILE: EISDIR/),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('also exits 78 for problems found while loading the clients file, naming the client and the rule', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-start-'));
    const keysFile = join(dir, 'keys.json');
    const key = await generateSigningJwk();
    writeSigningKeysFile(keysFile, { signing_kid: key.kid, keys: [key] });
    const clients = JSON.stringify([
      {
        client_id: 'instance-a',
        name: 'A',
        client_secret_hashes: ['sha256:abc'],
        redirect_uris: ['http://a.example.com/cb'],
      },
    ]);
    const result = runGateway({
      SERVICE_DOMAIN: 'https://gateway.example.com',
      DATABASE_URL: 'postgres://127.0.0.1:1/none',
      GITHUB_CLIENT_ID: 'id',
      GITHUB_CLIENT_SECRET: 'secret',
      METRICS_TOKEN: 'metrics-token-0123456789',
      GATEWAY_CLIENTS: clients,
      GATEWAY_SIGNING_KEYS_FILE: keysFile,
    });
    rmSync(dir, { recursive: true, force: true });
    expect(result.status).toBe(78);
    expect(result.stderr).toMatch(
      /GATEWAY_CLIENTS: client "instance-a": each secret hash must look like "sha256:<64 lower-case hex>"/,
    );
    expect(result.stderr).toMatch(
      /GATEWAY_CLIENTS: client "instance-a": redirect URI "http:\/\/a.example.com\/cb" must use https/,
    );
  });

  it('reports a port already in use as one fatal JSON line and the plain line, no stack', async () => {
    const db = await createTestDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'gw-start-'));
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blocker.address() as AddressInfo).port;
      const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>(
        (resolve) => {
          const child = spawn(process.execPath, [...register, MAIN], {
            cwd: root,
            env: {
              ...baseEnv(),
              PORT: String(port),
              HOST: '127.0.0.1',
              DATABASE_URL: db.url,
              DB_MIGRATE_ON_START: 'true',
              GATEWAY_DEV_MODE: 'true',
              SERVICE_DOMAIN: `http://localhost:${port}`,
              GITHUB_CLIENT_ID: 'id',
              GITHUB_CLIENT_SECRET: 'secret',
              GATEWAY_CLIENTS: CLIENT,
              GATEWAY_SIGNING_KEYS_FILE: join(dir, 'keys.json'),
            },
          });
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
        .map((l) => JSON.parse(l) as { level: number; msg: string; err?: { code?: string } })
        .filter((entry) => entry.level === 60);
      expect(fatal).toEqual([
        expect.objectContaining({ msg: expect.stringMatching(/^cannot start: .*EADDRINUSE/) }),
      ]);
      expect(fatal[0]?.err?.code).toBe('EADDRINUSE');
      for (const line of `${result.stdout}\n${result.stderr}`.split('\n').filter((l) => l.trim())) {
        expect(line).not.toMatch(/^\s+at /);
        expect(line).not.toContain('\u001b[');
        if (!line.startsWith('{')) expect(line).toMatch(/^oauth-gateway: cannot start: /);
      }
    } finally {
      blocker.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts, migrates, says once that the old shared secrets are unused, serves and stops on SIGTERM', async () => {
    const db = await createTestDatabase();
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'gw-start-'));
    const keysFile = join(dir, 'generated', 'signing-keys.json');
    const child = spawn(process.execPath, [...register, MAIN], {
      cwd: root,
      env: {
        ...baseEnv(),
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: db.url,
        DB_MIGRATE_ON_START: 'true',
        GATEWAY_DEV_MODE: 'true',
        SERVICE_DOMAIN: `http://localhost:${port}`,
        GITHUB_CLIENT_ID: 'id',
        GITHUB_CLIENT_SECRET: 'secret',
        GATEWAY_CLIENTS: CLIENT,
        GATEWAY_SIGNING_KEYS_FILE: keysFile,
        OAUTH_JWT_SECRET: 'old-shared-secret-value-0123456789',
        JWT_SECRET: 'another-old-shared-secret-9876543210',
      },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      const deadline = Date.now() + 30_000;
      while (!out.includes('successfully started') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain('successfully started');
      const notices = out.split('\n').filter((line) => line.includes('no longer used'));
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/OAUTH_JWT_SECRET and JWT_SECRET are set but no longer used/);
      expect(out).not.toContain('old-shared-secret-value');
      expect(out).toContain(`dev mode: generated a signing key in ${keysFile}`);
      expect(statSync(keysFile).mode & 0o777).toBe(0o600);
      const health = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(health.status).toBe(200);
      child.kill('SIGTERM');
      // A clean stop: exit code 0, or the re-raised SIGTERM after closing (Nest's enableShutdownHooks style).
      const { code, signal } = await exited;
      expect(code === 0 || (code === null && signal === 'SIGTERM')).toBe(true);
      expect(out).not.toMatch(/error/i);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('registered clients from GATEWAY_CLIENTS_FILE', () => {
  let t: TestGateway;

  beforeAll(async () => {
    t = await createTestGateway({ clientsFile: true });
  });
  afterAll(() => t.close());

  const authorize = (clientId: string, redirectUri: string) =>
    fetch(
      `${t.url}/auth/github?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, state: 's', code_challenge: pkceChallenge(randomToken()), code_challenge_method: 'S256' })}`,
      { redirect: 'manual' },
    );

  it('picks up a client added to the file without a restart, and keeps the last good list when the file breaks', async () => {
    const registry = t.app.get(ClientRegistry);
    expect((await authorize('instance-new', 'https://new.example.com/cb')).status).toBe(400);
    const current = JSON.parse(readFileSync(t.clientsFile as string, 'utf8')) as unknown[];
    const added = [
      ...current,
      {
        client_id: 'instance-new',
        name: 'New',
        client_secret_hashes: [hashClientSecret('x')],
        redirect_uris: ['https://new.example.com/cb'],
      },
    ];
    writeFileSync(t.clientsFile as string, JSON.stringify(added));
    registry.refreshIfChanged(true);
    expect((await authorize('instance-new', 'https://new.example.com/cb')).status).toBe(303);

    writeFileSync(t.clientsFile as string, '[{"client_id": "broken"');
    registry.refreshIfChanged(true);
    expect((await authorize('instance-new', 'https://new.example.com/cb')).status).toBe(303);
    expect(
      t.logs.some((l) =>
        l.includes('GATEWAY_CLIENTS_FILE changed but is invalid, keeping the previous clients'),
      ),
    ).toBe(true);
  });
});

describe('retired settings', () => {
  it('logs one line for DEFAULT_CLIENT_URL saying why it is ignored', async () => {
    const t = await createTestGateway({ env: { DEFAULT_CLIENT_URL: 'https://old.example.com' } });
    try {
      const lines = t.logs.filter((l) => l.includes('DEFAULT_CLIENT_URL'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/no longer used: every instance is a registered client/);
      expect(t.logs.some((l) => l.includes('OAUTH_JWT_SECRET'))).toBe(false);
    } finally {
      await t.close();
    }
  });
});
