import type { INestApplication } from '@nestjs/common';
import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { __resetOutOfContextForTests } from 'nestjs-pino/PinoLogger';
import { createApp } from '../../src/app/create-app';
import { hashClientSecret, type RegisteredClient } from '../../src/clients/client-config.util';
import { randomToken } from '../../src/common/crypto.util';
import { parseGatewayEnv, type GatewayEnv } from '../../src/config/gateway-env';
import {
  generateSigningJwk,
  writeSigningKeysFile,
  type PrivateSigningJwk,
  type SigningKeysFile,
} from '../../src/keys/signing-keys-file.util';

export const GATEWAY_TEMPLATE_DB = 'trackeep_gateway_template';

export interface TestClient {
  client_id: string;
  secret: string;
  redirect_uri: string;
  registered: RegisteredClient;
}

export interface ClientSpec {
  client_id: string;
  redirect_uris: string[];
  allowed_orgs?: string[];
  allowed_teams?: string[];
}

/** Instance A has an https and a dev http redirect URI; B is a second, unrelated instance. */
export const DEFAULT_CLIENTS: ClientSpec[] = [
  {
    client_id: 'instance-a',
    redirect_uris: [
      'https://app.example.com/api/v1/auth/oauth/callback',
      'http://localhost:3000/api/v1/auth/oauth/callback',
    ],
  },
  { client_id: 'instance-b', redirect_uris: ['https://other.example.org/cb'] },
];

export interface GatewayGithubSettings {
  webUrl: string;
  apiUrl: string;
  clientId: string;
  clientSecret: string;
}

export interface TestGatewayOptions {
  env?: Record<string, string>;
  clients?: ClientSpec[];
  /** Default: an address where nothing listens, so any unintended GitHub call fails loudly. */
  github?: GatewayGithubSettings;
  /** Register clients through GATEWAY_CLIENTS_FILE instead of GATEWAY_CLIENTS. */
  clientsFile?: boolean;
  /** A second replica: same database, keys and clients as this gateway (its close() leaves them alone). */
  replicaOf?: TestGateway;
}

export interface TestGateway {
  app: INestApplication;
  /** http://127.0.0.1:PORT, also the issuer. */
  url: string;
  db: TestDatabase;
  env: GatewayEnv;
  clients: Record<string, TestClient>;
  keysFile: string;
  keys: SigningKeysFile;
  clientsFile: string | null;
  dir: string;
  /** Every log line the app wrote, for redaction checks. */
  logs: string[];
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export function makeClients(specs: ClientSpec[]): Record<string, TestClient> {
  return Object.fromEntries(
    specs.map((spec) => {
      const secret = randomToken();
      const registered: RegisteredClient = {
        client_id: spec.client_id,
        name: `Test ${spec.client_id}`,
        client_secret_hashes: [hashClientSecret(secret)],
        redirect_uris: spec.redirect_uris,
        allowed_orgs: spec.allowed_orgs ?? [],
        allowed_teams: spec.allowed_teams ?? [],
      };
      const [redirectUri] = spec.redirect_uris;
      if (!redirectUri) throw new Error(`test client ${spec.client_id} needs a redirect_uri`);
      return [spec.client_id, { client_id: spec.client_id, secret, redirect_uri: redirectUri, registered }];
    }),
  );
}

/** A client the test registered with this gateway; throws naming it when there is none. */
export function clientOf(t: Pick<TestGateway, 'clients'>, id: string): TestClient {
  const client = t.clients[id];
  if (!client) throw new Error(`the test gateway has no client ${id}`);
  return client;
}

/** The key this gateway signs with (the keys file's signing_kid). */
export function signingKeyOf(t: Pick<TestGateway, 'keys'>): PrivateSigningJwk {
  const key = t.keys.keys.find((k) => k.kid === t.keys.signing_kid);
  if (!key) throw new Error(`the keys file has no key ${t.keys.signing_kid}`);
  return key;
}

let liveGateways = 0;

async function newKeys(): Promise<SigningKeysFile> {
  const key = await generateSigningJwk('ES256', 'test-key-1');
  return { signing_kid: key.kid, keys: [key] };
}

/** The real gateway, listening on 127.0.0.1, on a fresh migrated database of its own, with fresh keys. */
export async function createTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const primary = options.replicaOf;
  const db = primary ? primary.db : await createTestDatabase(GATEWAY_TEMPLATE_DB);
  const dir = mkdtempSync(join(tmpdir(), 'gw-test-'));
  const keys: SigningKeysFile = primary ? primary.keys : await newKeys();
  const keysFile = join(dir, 'signing-keys.json');
  writeSigningKeysFile(keysFile, keys);
  const clients = primary ? primary.clients : makeClients(options.clients ?? DEFAULT_CLIENTS);
  const registered = JSON.stringify(Object.values(clients).map((c) => c.registered));
  const clientsFile = options.clientsFile ? join(dir, 'clients.json') : null;
  if (clientsFile) writeFileSync(clientsFile, registered);

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const github = options.github ?? {
    webUrl: 'http://127.0.0.1:9',
    apiUrl: 'http://127.0.0.1:9',
    clientId: 'gh-test-app',
    clientSecret: 'gh-test-secret',
  };
  const env = parseGatewayEnv({
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    DB_POOL_SIZE: '4',
    LOG_LEVEL: 'info',
    SERVICE_DOMAIN: url,
    GATEWAY_DEV_MODE: 'true',
    GATEWAY_SIGNING_KEYS_FILE: keysFile,
    GITHUB_WEB_URL: github.webUrl,
    GITHUB_API_URL: github.apiUrl,
    GITHUB_CLIENT_ID: github.clientId,
    GITHUB_CLIENT_SECRET: github.clientSecret,
    GATEWAY_RATE_LIMIT_PER_MINUTE: '10000',
    ...(clientsFile ? { GATEWAY_CLIENTS_FILE: clientsFile } : { GATEWAY_CLIENTS: registered }),
    ...options.env,
  });
  const logs: string[] = [];
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => logs.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  // nestjs-pino keeps one process-wide logger for lines written outside a request: reset it when no other
  // gateway runs in this file, so start-up lines land in this app's stream (a reset under a live app breaks it).
  if (liveGateways === 0) __resetOutOfContextForTests();
  const app = await createApp(env, { logStream });
  liveGateways++;
  await app.listen(port, '127.0.0.1');
  return {
    app,
    url,
    db,
    env,
    clients,
    keysFile,
    keys,
    clientsFile,
    dir,
    logs,
    async close() {
      liveGateways--;
      await app.close();
      if (!primary) await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `Authorization: Basic …` for a client (RFC 6749 §2.3.1 form-encodes both halves first). */
export function basicAuth(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}
