import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, jwtVerify, importJWK, type JWK } from 'jose';
import { DOCKER_DIR } from './support/kustomize';

const SCRIPT = join(DOCKER_DIR, 'scripts', 'generate-secrets.mjs');

function generate(out: string, env: Record<string, string> = {}, ...args: string[]) {
  return spawnSync(process.execPath, [SCRIPT, '--out', out, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', ...env },
  });
}

const envFile = (text: string) =>
  Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

describe('docker/scripts/generate-secrets.mjs', () => {
  let dir: string;
  let out: string;
  const read = (name: string) => readFileSync(join(out, name), 'utf8');

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'trackeep-secrets-'));
    out = join(dir, 'secrets');
    const run = generate(out, {
      GITHUB_CLIENT_ID: 'Iv1.abc',
      GITHUB_CLIENT_SECRET: 'shh',
      TRACKEEP_PUBLIC_URL: 'https://tk.example.com/',
    });
    expect(run.status).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('registers the API with the gateway: the clients file holds the SHA-256 of the API client secret', () => {
    const api = envFile(read('api.env'));
    const [client] = JSON.parse(read('gateway-clients.json'));
    // The id compose gives the API (GATEWAY_CLIENT_ID is not a secret, so it is not in api.env).
    expect(client.client_id).toBe('trackeep-local');
    expect(readFileSync(join(DOCKER_DIR, 'docker-compose.yml'), 'utf8')).toContain(
      'GATEWAY_CLIENT_ID: ${GATEWAY_CLIENT_ID:-trackeep-local}',
    );
    expect(api['GATEWAY_CLIENT_ID']).toBeUndefined();
    expect(client.client_secret_hashes).toEqual([
      `sha256:${createHash('sha256').update(api['GATEWAY_CLIENT_SECRET']!).digest('hex')}`,
    ]);
    expect(client.redirect_uris).toEqual(['https://tk.example.com/api/v1/auth/oauth/callback']);
    expect(api['GATEWAY_CLIENT_SECRET']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('points both servers at the compose PostgreSQL with the password PostgreSQL is given', () => {
    const password = envFile(read('postgres.env'))['POSTGRES_PASSWORD'];
    expect(password).toMatch(/^[0-9a-f]{48}$/);
    expect(envFile(read('api.env'))['DATABASE_URL']).toBe(
      `postgres://trackeep:${password}@postgres:5432/trackeep`,
    );
    expect(envFile(read('gateway.env'))['DATABASE_URL']).toBe(
      `postgres://trackeep:${password}@postgres:5432/trackeep_gateway`,
    );
    expect(envFile(read('gateway.env'))).toMatchObject({
      GITHUB_CLIENT_ID: 'Iv1.abc',
      GITHUB_CLIENT_SECRET: 'shh',
    }); // One metrics token for both servers, so one Prometheus job scrapes both.
    expect(envFile(read('gateway.env'))['METRICS_TOKEN']).toBe(envFile(read('api.env'))['METRICS_TOKEN']);
  });

  it('writes an ES256 signing key that signs tokens its public half verifies', async () => {
    const file = JSON.parse(read('gateway-signing-keys.json')) as {
      signing_kid: string;
      keys: (JWK & { kid: string })[];
    };
    const key = file.keys.find((k) => k.kid === file.signing_kid);
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', d: expect.any(String) });
    const jwt = await new SignJWT({ sub: 'github.com:1' })
      .setProtectedHeader({ alg: 'ES256', kid: key?.kid })
      .sign(await importJWK(key as JWK, 'ES256'));
    const { d: _private, ...publicJwk } = key as JWK;
    const { payload } = await jwtVerify(jwt, await importJWK(publicJwk, 'ES256'));
    expect(payload.sub).toBe('github.com:1');
  });

  it('writes files the gateway itself accepts (its own parsers, loaded from its sources)', () => {
    // Loaded by path at run time: the gateway is an app, not a library other projects may import.
    const gateway = join(DOCKER_DIR, '..', 'oauth-gateway', 'src');
    const keys = require(join(gateway, 'keys', 'signing-keys-file.util')) as {
      parseSigningKeysFile(text: string): unknown;
    };
    const clients = require(join(gateway, 'clients', 'client-config.util')) as {
      parseClientsJson(text: string, rules: { devMode: boolean }): unknown[];
    };
    expect(() => keys.parseSigningKeysFile(read('gateway-signing-keys.json'))).not.toThrow();
    expect(clients.parseClientsJson(read('gateway-clients.json'), { devMode: false })).toHaveLength(1);
    // The compose default (http://localhost:3000) is accepted only with GATEWAY_DEV_MODE, which compose sets.
    const local = join(dir, 'local');
    generate(local);
    expect(
      clients.parseClientsJson(readFileSync(join(local, 'gateway-clients.json'), 'utf8'), { devMode: true }),
    ).toHaveLength(1);
    expect(() =>
      clients.parseClientsJson(readFileSync(join(local, 'gateway-clients.json'), 'utf8'), { devMode: false }),
    ).toThrow(/http/);
  });

  it('makes a token encryption key of 32 random bytes and distinct random secrets', () => {
    const api = envFile(read('api.env'));
    expect(Buffer.from(api['TOKEN_ENCRYPTION_KEYS']!.replace(/^v1:/, ''), 'base64')).toHaveLength(32);
    const values = [api['JWT_SECRET'], api['GATEWAY_CLIENT_SECRET'], api['METRICS_TOKEN']];
    expect(new Set(values).size).toBe(3);
    for (const v of values) expect(v?.length).toBeGreaterThanOrEqual(48);
  });

  it('keeps the directory private while the files stay readable to the container user', () => {
    expect(statSync(out).mode & 0o777).toBe(0o700);
    expect(statSync(join(out, 'api.env')).mode & 0o777).toBe(0o644);
  });

  it('refuses to overwrite existing secrets unless --force is given', () => {
    const before = read('api.env');
    const again = generate(out);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already holds .*--force/);
    expect(read('api.env')).toBe(before);
    expect(generate(out, {}, '--force').status).toBe(0);
    expect(read('api.env')).not.toBe(before);
  });

  it('leaves obvious placeholders when no GitHub OAuth App is given', () => {
    const other = join(dir, 'other');
    const run = generate(other);
    expect(run.stdout).toMatch(/set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET/);
    expect(envFile(readFileSync(join(other, 'gateway.env'), 'utf8'))['GITHUB_CLIENT_ID']).toMatch(
      /^replace-with-/,
    );
  });
});
