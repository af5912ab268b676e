import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@trackeep/embedded-pg';
import { createTestDatabase, type TestDatabase } from '@trackeep/testing';

export { freePort };

const ROOT = join(__dirname, '..', '..', '..');
export const GATEWAY_MAIN = join(ROOT, 'dist', 'oauth-gateway', 'main.js');

export interface GatewayClientCredentials {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export interface GatewayProcess {
  url: string;
  clientId: string;
  clientSecret: string;
  /** A second registered client (another Trackeep instance), when asked for. */
  other: GatewayClientCredentials | null;
  db: TestDatabase;
  logs: string[];
  stop(): Promise<void>;
}

/**
 * The real oauth-gateway, started from its build (apps never import each other) on a fresh database,
 * with one registered client whose redirect URI is `redirectUri`.
 */
export async function startGatewayProcess(options: {
  redirectUri: string;
  github: { webUrl: string; apiUrl: string; clientId: string; clientSecret: string };
  /** Register a second client with this redirect URI. */
  otherRedirectUri?: string;
}): Promise<GatewayProcess> {
  if (!existsSync(GATEWAY_MAIN)) {
    throw new Error(
      `${GATEWAY_MAIN} is missing: build the gateway first (NX_DAEMON=false npx nx build oauth-gateway)`,
    );
  }
  const db = await createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'api-e2e-gw-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const clientId = 'trackeep-e2e';
  const clientSecret = randomBytes(32).toString('base64url');
  const other = options.otherRedirectUri
    ? {
        clientId: 'other-instance',
        clientSecret: randomBytes(32).toString('base64url'),
        redirectUri: options.otherRedirectUri,
      }
    : null;
  const registered = (c: GatewayClientCredentials) => ({
    client_id: c.clientId,
    name: `Trackeep e2e ${c.clientId}`,
    client_secret_hashes: [`sha256:${createHash('sha256').update(c.clientSecret).digest('hex')}`],
    redirect_uris: [c.redirectUri],
    allowed_orgs: [],
    allowed_teams: [],
  });
  const logs: string[] = [];
  const child: ChildProcess = spawn(process.execPath, [GATEWAY_MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      DB_MIGRATE_ON_START: 'true',
      SERVICE_DOMAIN: url,
      GATEWAY_DEV_MODE: 'true',
      GATEWAY_SIGNING_KEYS_FILE: join(dir, 'signing-keys.json'),
      GATEWAY_CLIENTS: JSON.stringify([
        registered({ clientId, clientSecret, redirectUri: options.redirectUri }),
        ...(other ? [registered(other)] : []),
      ]),
      GITHUB_WEB_URL: options.github.webUrl,
      GITHUB_API_URL: options.github.apiUrl,
      GITHUB_CLIENT_ID: options.github.clientId,
      GITHUB_CLIENT_SECRET: options.github.clientSecret,
      GATEWAY_RATE_LIMIT_PER_MINUTE: '100000',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer) => logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(timer);
    }
    await db.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`the gateway exited with ${child.exitCode}:\n${logs.slice(-20).join('\n')}`);
    }
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the gateway was not ready within 60 s:\n${logs.slice(-20).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, clientId, clientSecret, other, db, logs, stop };
}
