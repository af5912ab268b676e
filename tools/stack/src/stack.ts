import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ensureDatabase,
  freePort,
  startPgCluster,
  withDatabase,
  type PgCluster,
} from '@trackeep/embedded-pg';
import {
  DEMO_GITHUB_APP,
  demoGithubAppEnv,
  DEMO_OAUTH_APP,
  startGithubSim,
  type GithubSimHandle,
  type GithubSimOptions,
} from '@trackeep/github-sim';

// Starts the whole Trackeep system from the built apps: Postgres (embedded unless DATABASE_URL is given),
// the GitHub simulator (unless real GitHub credentials are configured), the OAuth gateway and the API
// (which serves the Angular build). Used by `npm start`, the browser e2e tests, the multi-replica test
// and the benchmarks, so all of them run the system the same way.

export interface StackOptions {
  /** Repository root (where dist/ and node_modules/ are). */
  rootDir?: string;
  /** Where demo secrets, keys and the embedded database live. `npm start` uses <root>/.trackeep. */
  stateDir: string;
  ports?: { api?: number; gateway?: number; sim?: number; postgres?: number };
  /** Use this Postgres server instead of the embedded one. */
  databaseUrl?: string;
  /** Simulator options; `false` means talk to the GitHub named by GITHUB_* variables. */
  sim?: GithubSimOptions | false;
  /** Extra API instances (each on its own port) for multi-replica tests. */
  apiReplicas?: number;
  gatewayReplicas?: number;
  env?: { api?: Record<string, string>; gateway?: Record<string, string> };
  /** Where child process output goes; defaults to files under stateDir/logs. */
  onLog?: (source: string, line: string) => void;
  /** Restart a server process (API, gateway) that dies unexpectedly, as `npm start` does. Off for tests. */
  supervise?: SuperviseOptions;
}

export interface SuperviseOptions {
  onEvent(event: SupervisionEvent): void;
  /** Wait before the first restart; doubles with each crash up to maxBackoffMs. Default 1 s. */
  initialBackoffMs?: number;
  /** Default 30 s. */
  maxBackoffMs?: number;
  /** A process that stayed up this long starts again from the first back-off when it dies. Default 60 s. */
  stableAfterMs?: number;
}

export type SupervisionEvent =
  | { type: 'exited'; name: string; code: number | null; signal: NodeJS.Signals | null; restartInMs: number }
  /** Exit code 78 is a configuration error: restarting cannot help. */
  | { type: 'not-restarted'; name: string; code: number | null; signal: NodeJS.Signals | null }
  | { type: 'restarted'; name: string; url: string };

export interface RunningProcess {
  name: string;
  url: string;
  /** The current process (a new one after each supervised restart). */
  readonly child: ChildProcess;
  /** Stops the process with SIGTERM (SIGKILL after the grace period). */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL, as a crashed pod. */
  kill(): void;
}

export interface Stack {
  apiUrl: string;
  gatewayUrl: string;
  simUrl: string | null;
  sim: GithubSimHandle | null;
  databaseUrl: string;
  gatewayDatabaseUrl: string;
  apis: RunningProcess[];
  gateways: RunningProcess[];
  /** Starts one more API instance against the same database (multi-replica tests). */
  addApi(env?: Record<string, string>): Promise<RunningProcess>;
  stop(): Promise<void>;
}

interface DemoSecrets {
  jwtSecret: string;
  tokenEncryptionKeys: string;
  gatewayClientSecret: string;
  webhookSecret: string;
}

export const DEMO_CLIENT_ID = 'trackeep-local';

function loadOrCreateSecrets(stateDir: string): DemoSecrets {
  const file = join(stateDir, 'demo-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DemoSecrets;
  const secrets: DemoSecrets = {
    jwtSecret: randomBytes(48).toString('base64url'),
    tokenEncryptionKeys: `v1:${randomBytes(32).toString('base64')}`,
    gatewayClientSecret: randomBytes(32).toString('base64url'),
    webhookSecret: randomBytes(32).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/** Private JWKS for the gateway, generated once per state dir so tokens survive restarts. */
function ensureGatewayKeys(stateDir: string): string {
  const file = join(stateDir, 'gateway-signing-keys.json');
  if (!existsSync(file)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    const jwk = privateKey.export({ format: 'jwk' });
    const kid = createHash('sha256').update(JSON.stringify(jwk)).digest('base64url').slice(0, 16);
    writeFileSync(file, JSON.stringify({ keys: [{ ...jwk, kid, alg: 'EdDSA', use: 'sig' }] }, null, 2), {
      mode: 0o600,
    });
  }
  return file;
}

async function waitForReady(
  url: string,
  child: ChildProcess,
  name: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `${name} exited with ${child.signalCode ?? `code ${child.exitCode}`} before it was ready`,
      );
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) return;
      lastError = `readyz answered ${res.status}: ${(await res.text()).slice(0, 200)}`;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} was not ready at ${url}/readyz within ${timeoutMs / 1000}s (${lastError})`);
}

/** Starts `dist/<entry>/main.js` and resolves once its /readyz answers; supervised, it is restarted when it dies. */
export function spawnApp(
  rootDir: string,
  name: string,
  entry: string,
  port: number,
  env: Record<string, string>,
  onLog: (source: string, line: string) => void,
  supervise?: SuperviseOptions,
): Promise<RunningProcess> {
  const main = join(rootDir, 'dist', entry, 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: build first (npx nx run-many -t build)`);
  const url = `http://127.0.0.1:${port}`;
  const forward = (stream: NodeJS.ReadableStream | null) => {
    let buffer = '';
    stream?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) if (line) onLog(name, line);
    });
  };

  const initialBackoffMs = supervise?.initialBackoffMs ?? 1000;
  let backoffMs = initialBackoffMs;
  let readyAt = 0;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | null = null;
  let child!: ChildProcess;
  let exited!: Promise<void>;

  const launch = () => {
    const current = spawn(process.execPath, [main], {
      cwd: rootDir,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? '',
        HOST: '127.0.0.1',
        ...env,
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Supervised children get their own process group, so the terminal's Ctrl-C reaches only the supervisor,
      // which stops them in order instead of seeing them die and restarting them.
      detached: !!supervise,
    });
    forward(current.stdout);
    forward(current.stderr);
    exited = new Promise<void>((r) => current.once('exit', () => r()));
    current.once('exit', (code, signal) => {
      if (supervise && readyAt !== -1 && current === child && !stopping) onCrash(supervise, code, signal);
    });
    child = current;
  };

  const onCrash = (sup: SuperviseOptions, code: number | null, signal: NodeJS.Signals | null) => {
    if (readyAt > 0 && Date.now() - readyAt >= (sup.stableAfterMs ?? 60_000)) backoffMs = initialBackoffMs;
    readyAt = 0;
    if (code === 78) return sup.onEvent({ type: 'not-restarted', name, code, signal });
    const restartInMs = backoffMs;
    backoffMs = Math.min(backoffMs * 2, sup.maxBackoffMs ?? 30_000);
    sup.onEvent({ type: 'exited', name, code, signal, restartInMs });
    restartTimer = setTimeout(() => void restart(sup), restartInMs);
  };

  const restart = async (sup: SuperviseOptions) => {
    restartTimer = null;
    if (stopping) return;
    launch();
    try {
      await waitForReady(url, child, name);
    } catch {
      // Not ready in time: end it, and its exit schedules the next attempt. An early exit already did.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return;
    }
    if (stopping) return;
    readyAt = Date.now();
    sup.onEvent({ type: 'restarted', name, url });
  };

  // Until the first start is ready, a dying process is a start-up failure (reported by the caller), not a crash.
  readyAt = -1;
  launch();
  const proc: RunningProcess = {
    name,
    url,
    get child() {
      return child;
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    async stop(graceMs = 8000) {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const current = child;
      current.kill('SIGTERM');
      const timer = setTimeout(() => current.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  return waitForReady(url, child, name).then(
    () => {
      readyAt = Date.now();
      return proc;
    },
    async (err) => {
      await proc.stop(2000);
      throw err;
    },
  );
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const rootDir = resolve(options.rootDir ?? process.cwd());
  const stateDir = resolve(options.stateDir);
  mkdirSync(join(stateDir, 'logs'), { recursive: true });
  const onLog = options.onLog ?? (() => undefined);
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  };

  try {
    // 1. Postgres
    let adminUrl = options.databaseUrl;
    let cluster: PgCluster | null = null;
    if (!adminUrl) {
      const started = await startPgCluster({
        dataDir: join(stateDir, 'pg'),
        port: options.ports?.postgres ?? 0,
        log: (l) => onLog('postgres', l),
      });
      cleanups.push(() => started.stop());
      cluster = started;
      adminUrl = cluster.urlFor('postgres');
    }
    const databaseUrl = cluster ? cluster.urlFor('trackeep') : adminUrl;
    const gatewayDatabaseUrl = withDatabase(adminUrl, 'trackeep_gateway');
    await ensureDatabase(
      withDatabase(adminUrl, 'postgres'),
      new URL(databaseUrl).pathname.slice(1) || 'trackeep',
    );
    await ensureDatabase(withDatabase(adminUrl, 'postgres'), 'trackeep_gateway');

    // 2. GitHub: the simulator in demo mode, or the configured github.com / GHES.
    let sim: GithubSimHandle | null = null;
    let github: Record<string, string>;
    if (options.sim !== false) {
      const started = await startGithubSim({
        port: options.ports?.sim ?? 0,
        preset: 'demo',
        oauthApps: [DEMO_OAUTH_APP],
        ...(options.sim ?? {}),
      });
      cleanups.push(() => started.stop());
      sim = started;
      github = {
        GITHUB_WEB_URL: sim.url,
        GITHUB_API_URL: sim.apiUrl,
        GITHUB_GRAPHQL_URL: sim.graphqlUrl,
        GITHUB_CLIENT_ID: DEMO_OAUTH_APP.clientId,
        GITHUB_CLIENT_SECRET: DEMO_OAUTH_APP.clientSecret,
      };
    } else {
      github = Object.fromEntries(
        ['GITHUB_WEB_URL', 'GITHUB_API_URL', 'GITHUB_GRAPHQL_URL', 'GITHUB_CLIENT_ID', 'GITHUB_CLIENT_SECRET']
          .filter((k) => process.env[k])
          .map((k) => [k, process.env[k] as string]),
      );
    }

    // 3. Gateway(s), sharing keys and database as replicas in production do.
    const secrets = loadOrCreateSecrets(stateDir);
    const gatewayPort = options.ports?.gateway || (await freePort());
    const apiPort = options.ports?.api || (await freePort());
    const gatewayUrl = `http://localhost:${gatewayPort}`;
    const apiPublicUrl = `http://localhost:${apiPort}`;
    let githubApp: Record<string, string> = {};
    // Demo: the simulator's GitHub App (installed on acme-corp) posts to the API, and its install page
    // returns to the Installations page. Its key is made in this process, which runs the simulator.
    if (sim) {
      sim.world.setGithubAppWebhook(
        DEMO_GITHUB_APP.id,
        `${apiPublicUrl}/api/v1/webhooks/github`,
        DEMO_GITHUB_APP.webhookSecret,
      );
      const demoApp = sim.world.githubApp(DEMO_GITHUB_APP.id);
      if (demoApp) demoApp.setupUrl = `${apiPublicUrl}/installations`;
      githubApp = {
        ...demoGithubAppEnv(),
        GITHUB_APP_AUTO_TRACK: 'true',
        // octocat owns acme-corp; named too, so the page shows whatever the sign-in's scopes.
        TRACKEEP_ADMINS: 'octocat',
      };
    }
    const gatewayEnv = (port: number): Record<string, string> => ({
      NODE_ENV: 'development',
      DATABASE_URL: gatewayDatabaseUrl,
      DB_MIGRATE_ON_START: 'true',
      SERVICE_DOMAIN: gatewayUrl,
      GITHUB_REDIRECT_URL: `${gatewayUrl}/auth/github/callback`,
      GATEWAY_DEV_MODE: 'true',
      GATEWAY_SIGNING_KEYS_FILE: ensureGatewayKeys(stateDir),
      GATEWAY_CLIENTS: JSON.stringify([
        {
          client_id: DEMO_CLIENT_ID,
          name: 'Local Trackeep',
          client_secret_hashes: [
            `sha256:${createHash('sha256').update(secrets.gatewayClientSecret).digest('hex')}`,
          ],
          redirect_uris: [`${apiPublicUrl}/api/v1/auth/oauth/callback`],
          allowed_orgs: [],
          allowed_teams: [],
        },
      ]),
      CORS_ALLOWED_ORIGINS: apiPublicUrl,
      LOG_LEVEL: 'info',
      ...github,
      ...options.env?.gateway,
      PORT: String(port),
    });
    const gateways: RunningProcess[] = [];
    for (let i = 0; i < (options.gatewayReplicas ?? 1); i++) {
      const port = i === 0 ? gatewayPort : await freePort();
      const replica = await spawnApp(
        rootDir,
        i === 0 ? 'gateway' : `gateway-${i + 1}`,
        'oauth-gateway',
        port,
        gatewayEnv(port),
        onLog,
        options.supervise,
      );
      gateways.push(replica);
      cleanups.push(() => replica.stop());
    }

    // 4. API instance(s).
    const webDist = join(rootDir, 'dist', 'trackeep-web', 'browser');
    const apiEnv = (port: number, extra: Record<string, string> = {}): Record<string, string> => ({
      NODE_ENV: 'development',
      TRACKEEP_MODE: 'demo',
      DATABASE_URL: databaseUrl,
      DB_MIGRATE_ON_START: 'true',
      FRONTEND_URL: apiPublicUrl,
      PUBLIC_URL: apiPublicUrl,
      GATEWAY_URL: gatewayUrl,
      GATEWAY_CLIENT_ID: DEMO_CLIENT_ID,
      GATEWAY_CLIENT_SECRET: secrets.gatewayClientSecret,
      JWT_SECRET: secrets.jwtSecret,
      TOKEN_ENCRYPTION_KEYS: secrets.tokenEncryptionKeys,
      WEBHOOK_SECRET: secrets.webhookSecret,
      CORS_ALLOWED_ORIGINS: apiPublicUrl,
      LOG_LEVEL: 'info',
      ...(existsSync(join(webDist, 'index.html')) ? { WEB_DIST_DIR: webDist } : {}),
      ...github,
      ...githubApp,
      ...options.env?.api,
      ...extra,
    });
    const apis: RunningProcess[] = [];
    const addApi = async (extra: Record<string, string> = {}, port?: number) => {
      const p = port ?? (await freePort());
      const api = await spawnApp(
        rootDir,
        apis.length ? `api-${apis.length + 1}` : 'api',
        'trackeep-api',
        p,
        apiEnv(p, extra),
        onLog,
        options.supervise,
      );
      apis.push(api);
      cleanups.push(() => api.stop());
      return api;
    };
    await addApi({}, apiPort);
    for (let i = 1; i < (options.apiReplicas ?? 1); i++) await addApi();

    return {
      apiUrl: apiPublicUrl,
      gatewayUrl,
      simUrl: sim?.url ?? null,
      sim,
      databaseUrl,
      gatewayDatabaseUrl,
      apis,
      gateways,
      addApi: (extra) => addApi(extra),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
