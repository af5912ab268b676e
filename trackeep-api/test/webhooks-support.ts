import type { INestApplication } from '@nestjs/common';
import { sign } from '@octokit/webhooks-methods';
import type { GithubSimHandle } from '@trackeep/github-sim';
import { parseEnv } from '@trackeep/server-core';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { Client } from 'pg';
import { createApp } from '../src/app/create-app';
import { AuthSettings } from '../src/auth/auth-settings';
import { GithubSettings } from '../src/github/github-settings';
import { SessionService } from '../src/auth/session.service';
import { TokenCipher } from '../src/auth/token-cipher.service';
import { splitFullName } from '../src/common/full-name.util';
import { ApiEnv } from '../src/config/api-env';
import { decodeBody } from '../src/webhooks/webhook-body.codec';
import { WebhookSecretCipher } from '../src/webhooks/webhook-secret.cipher';

// Shared by the webhook and live-event tests: a listening API (or two on one database), seeded users and
// repositories, signed deliveries, session cookies and an SSE reader. Everything talks to real Postgres.

export const GLOBAL_SECRET = 'global-webhook-secret-for-tests';
/** Same keys for every instance, so replicas decrypt what another one encrypted. */
export const SHARED_ENV = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  DB_POOL_SIZE: '6',
  JWT_SECRET: 'x'.repeat(48),
  TOKEN_ENCRYPTION_KEYS: `v1:${Buffer.alloc(32, 7).toString('base64')}`,
  WEBHOOK_SECRET: GLOBAL_SECRET,
};

export interface RunningApi {
  app: INestApplication;
  url: string;
  env: ApiEnv;
  logs: string[];
  close(): Promise<void>;
}

/** The real API listening on 127.0.0.1 (a free port unless `port` is given), on the given database. */
export async function startApi(
  databaseUrl: string,
  env: Record<string, string> = {},
  port = 0,
): Promise<RunningApi> {
  const config = parseEnv(ApiEnv, { ...SHARED_ENV, DATABASE_URL: databaseUrl, ...env });
  const logs: string[] = [];
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => logs.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const app = await createApp(config, { logStream });
  await app.listen(port, '127.0.0.1');
  const address = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${address.port}`, env: config, logs, close: () => app.close() };
}

export class Db {
  /** One connection runs one statement at a time (pg 9 refuses a second while one runs): calls wait in turn. */
  private last: Promise<unknown> = Promise.resolve();

  private constructor(readonly client: Client) {}

  static async connect(url: string): Promise<Db> {
    const client = new Client({ connectionString: url });
    await client.connect();
    return new Db(client);
  }

  async rows<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const query = () => this.client.query(sql, params);
    const run = this.last.then(query, query);
    this.last = run.catch(() => undefined);
    return (await run).rows as T[];
  }

  async one<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T> {
    const [row] = await this.rows<T>(sql, params);
    if (!row) throw new Error(`no row for: ${sql}`);
    return row;
  }

  end(): Promise<void> {
    return this.client.end();
  }
}

export interface SeededRepo {
  id: string;
  githubId: number;
  fullName: string;
}

/** A user (optionally with an encrypted GitHub token) as sign-in would create it. */
export async function seedUser(
  db: Db,
  app: INestApplication,
  opts: { login: string; githubId?: number; token?: string },
): Promise<string> {
  const host = app.get(GithubSettings).host;
  const { id } = await db.one<{ id: string }>(
    `INSERT INTO users (github_host, github_id, login) VALUES ($1, $2, $3)
     ON CONFLICT (github_host, github_id) DO UPDATE SET login = EXCLUDED.login RETURNING id`,
    [host, opts.githubId ?? Math.floor(Math.random() * 1e9), opts.login],
  );
  if (opts.token) {
    await db.rows('UPDATE users SET github_token_enc = $2, token_updated_at = now() WHERE id = $1', [
      id,
      app.get(TokenCipher).encrypt(opts.token, id),
    ]);
  }
  return id;
}

/**
 * octocat and monalisa as admins of the simulated acme-corp, monalisa seeded with a token of her own (octocat is
 * seeded by the caller); returns monalisa's user id.
 */
export async function seedSecondOrgAdmin(
  db: Db,
  app: INestApplication,
  sim: GithubSimHandle,
): Promise<string> {
  sim.world.setOrgMembership({ org: 'acme-corp', login: 'octocat', role: 'admin' });
  sim.world.setOrgMembership({ org: 'acme-corp', login: 'monalisa', role: 'admin' });
  return seedUser(db, app, {
    login: 'monalisa',
    githubId: sim.world.requireUser('monalisa').id,
    token: sim.issueToken('monalisa'),
  });
}

/** A repository row, tracked by `userId` with `permission` (as the track endpoint leaves it). */
export async function seedTrackedRepo(
  db: Db,
  app: INestApplication,
  userId: string | null,
  repo: { githubId: number; fullName: string; permission?: string; stars?: number },
): Promise<SeededRepo> {
  const host = app.get(GithubSettings).host;
  const [owner, name] = splitFullName(repo.fullName);
  const { id } = await db.one<{ id: string }>(
    `INSERT INTO repositories (github_host, github_id, node_id, owner, name, full_name, html_url, stars)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (github_host, github_id) DO UPDATE SET full_name = EXCLUDED.full_name RETURNING id`,
    [
      host,
      repo.githubId,
      `R_${repo.githubId}`,
      owner,
      name,
      repo.fullName,
      `https://github.com/${repo.fullName}`,
      repo.stars ?? 0,
    ],
  );
  if (userId) {
    await db.rows('INSERT INTO tracked_repos (user_id, repo_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
      userId,
      id,
    ]);
    await db.rows(
      `INSERT INTO repo_access (user_id, repo_id, permission) VALUES ($1, $2, $3)
       ON CONFLICT (user_id, repo_id) DO UPDATE SET permission = EXCLUDED.permission`,
      [userId, id, repo.permission ?? 'admin'],
    );
  }
  return { id, githubId: repo.githubId, fullName: repo.fullName };
}

/** A hook Trackeep registered on the repo, with its secret stored encrypted. */
export async function seedHook(
  db: Db,
  app: INestApplication,
  repoId: string,
  hookId: number,
  secret: string,
  previous?: string,
): Promise<void> {
  const cipher = app.get(WebhookSecretCipher);
  await db.rows(
    `INSERT INTO webhook_registrations (repo_id, hook_id, status, secret_enc, previous_secret_enc) VALUES ($1, $2, 'active', $3, $4)
     ON CONFLICT (repo_id) DO UPDATE SET hook_id = EXCLUDED.hook_id, secret_enc = EXCLUDED.secret_enc, previous_secret_enc = EXCLUDED.previous_secret_enc`,
    [repoId, hookId, cipher.encrypt(secret, repoId), previous ? cipher.encrypt(previous, repoId) : null],
  );
}

/** `Cookie` header value of a fresh session for the user. */
export async function sessionCookie(app: INestApplication, userId: string): Promise<string> {
  const { token } = await app.get(SessionService).create(userId, 'jest');
  return `${app.get(AuthSettings).sessionCookie}=${token}`;
}

export interface Delivery {
  event: string;
  payload: unknown;
  id?: string;
  secret?: string;
  hookId?: number;
  /** Raw body to send instead of JSON.stringify(payload). */
  body?: string;
  headers?: Record<string, string | undefined>;
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json(): Record<string, unknown>;
}

/** One HTTP request on a fresh connection (keep-alive off), body optional. */
export function httpRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string | number | undefined>; body?: string | Buffer },
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const headers = Object.fromEntries(
      Object.entries(opts.headers ?? {}).filter(([, v]) => v !== undefined),
    ) as Record<string, string | number>;
    const req = http.request(url, { method: opts.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json: () => JSON.parse(text) as Record<string, unknown>,
        });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Posts a webhook signed like GitHub (X-Hub-Signature-256 over the exact body). */
export async function postWebhook(baseUrl: string, d: Delivery): Promise<HttpResult> {
  const body = d.body ?? JSON.stringify(d.payload);
  const signature = await sign(d.secret ?? GLOBAL_SECRET, body);
  return httpRequest(`${baseUrl}/api/v1/webhooks/github`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': d.event,
      'x-github-delivery': d.id ?? randomUUID(),
      'x-hub-signature-256': signature,
      'x-github-hook-id': d.hookId === undefined ? undefined : String(d.hookId),
      'user-agent': 'GitHub-Hookshot/test',
      ...d.headers,
    },
  });
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Opens an issue through the simulator's control API; its webhooks have been attempted when this returns. */
export async function openSimIssue(
  sim: { url: string; world: { settled(): Promise<void> } },
  fullName: string,
  title: string,
): Promise<void> {
  const res = await httpRequest(`${sim.url}/_sim/repos/${fullName}/issues`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title }),
  });
  if (res.status >= 300) throw new Error(`the simulator refused to open an issue: ${res.status} ${res.text}`);
  await sim.world.settled();
}

/** What the inbox holds for these GUIDs, in GUID order. */
export function inboxOf(
  db: Db,
  guids: string[],
): Promise<Array<{ delivery_id: string; status: string; applied_count: number }>> {
  return db.rows(
    'SELECT delivery_id, status, applied_count FROM webhook_deliveries WHERE delivery_id = ANY($1) ORDER BY delivery_id',
    [guids],
  );
}

/** A delivery's body as the inbox keeps it: decoded as the API reads it, its encoding and its stored size. */
export async function storedBody(
  db: Db,
  deliveryId: string,
): Promise<{ body: Buffer; encoding: string; storedBytes: number }> {
  const row = await db.one<{ body: Buffer; body_encoding: string }>(
    'SELECT body, body_encoding FROM webhook_deliveries WHERE delivery_id = $1',
    [deliveryId],
  );
  const body = await decodeBody(row.body, row.body_encoding);
  return { body, encoding: row.body_encoding, storedBytes: row.body.length };
}

/** Every pending delivery processed (or the timeout). */
export async function waitForInboxIdle(db: Db, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    'the inbox to drain',
    async () =>
      (
        await db.one<{ n: number }>(
          `SELECT count(*)::int AS n FROM webhook_deliveries WHERE status IN ('pending', 'processing')`,
        )
      ).n === 0,
    timeoutMs,
    100,
  );
}

export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
  receivedAt: number;
}

/** A minimal EventSource: reads text/event-stream frames (and comment lines) from the API. */
export class SseReader {
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  status = 0;
  /** The server ended the stream. */
  ended = false;
  private req: http.ClientRequest | null = null;
  private buffer = '';

  static async open(url: string, headers: Record<string, string>): Promise<SseReader> {
    const reader = new SseReader();
    await new Promise<void>((resolve, reject) => {
      reader.req = http.get(
        url,
        { headers: { accept: 'text/event-stream', ...headers }, agent: false },
        (res) => {
          reader.status = res.statusCode ?? 0;
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => reader.feed(chunk));
          res.on('end', () => (reader.ended = true));
          resolve();
        },
      );
      reader.req.on('error', (err) => (reader.status ? undefined : reject(err)));
    });
    return reader;
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const frame = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const msg: SseMessage = { data: '', receivedAt: Date.now() };
      let hasData = false;
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('id: ')) msg.id = line.slice(4);
        else if (line.startsWith('event: ')) msg.event = line.slice(7);
        else if (line.startsWith('data: ')) {
          msg.data += line.slice(6);
          hasData = true;
        }
      }
      if (hasData) this.messages.push(msg);
    }
  }

  activity(): Array<{
    id?: string;
    activity: { id: string; repoId: string; type: string; title: string; data: Record<string, unknown> };
  }> {
    return this.messages
      .filter((m) => m.event === 'activity')
      .map((m) => ({
        id: m.id,
        ...(JSON.parse(m.data) as {
          activity: {
            id: string;
            repoId: string;
            type: string;
            title: string;
            data: Record<string, unknown>;
          };
        }),
      }));
  }

  close(): void {
    this.req?.destroy();
  }
}

/** A push payload shaped like GitHub's, with `n` fresh commits on `branch`. */
export function pushPayload(
  repo: SeededRepo,
  opts: { branch?: string; commits?: number; forced?: boolean; pushedAt?: Date; after?: string } = {},
): Record<string, unknown> {
  const sha = () => randomBytes(20).toString('hex');
  const pushedAt = opts.pushedAt ?? new Date();
  const commits = Array.from({ length: opts.commits ?? 1 }, (_, i) => ({
    id: sha(),
    tree_id: sha(),
    distinct: true,
    message: `Commit ${i + 1}`,
    timestamp: new Date(pushedAt.getTime() - 1000 * (10 - i)).toISOString(),
    url: `https://github.com/${repo.fullName}/commit/x`,
    author: { name: 'Mona', email: 'mona@example.com', username: 'monalisa' },
    committer: { name: 'Mona', email: 'mona@example.com', username: 'monalisa' },
    added: ['a.txt'],
    removed: [],
    modified: [],
  }));
  const after = opts.after ?? (commits.length ? commits[commits.length - 1]!.id : sha());
  return {
    ref: `refs/heads/${opts.branch ?? 'main'}`,
    before: sha(),
    after,
    created: false,
    deleted: false,
    forced: opts.forced ?? false,
    compare: `https://github.com/${repo.fullName}/compare/a...b`,
    commits,
    head_commit: commits[commits.length - 1] ?? null,
    repository: {
      id: repo.githubId,
      full_name: repo.fullName,
      name: repo.fullName.split('/')[1],
      pushed_at: Math.floor(pushedAt.getTime() / 1000),
    },
    pusher: { name: 'monalisa', email: 'mona@example.com' },
    sender: { login: 'monalisa', id: 1 },
  };
}

/** A pull_request payload; `updatedAt` decides which of two deliveries is newer. */
export function pullRequestPayload(
  repo: SeededRepo,
  opts: {
    number: number;
    action: string;
    title: string;
    state?: 'open' | 'closed';
    merged?: boolean;
    updatedAt: Date;
    draft?: boolean;
  },
): Record<string, unknown> {
  const created = new Date(opts.updatedAt.getTime() - 3_600_000).toISOString();
  const merged = opts.merged ? opts.updatedAt.toISOString() : null;
  return {
    action: opts.action,
    number: opts.number,
    pull_request: {
      number: opts.number,
      node_id: `PR_${opts.number}`,
      html_url: `https://github.com/${repo.fullName}/pull/${opts.number}`,
      title: opts.title,
      state: opts.state ?? 'open',
      draft: opts.draft ?? false,
      user: { login: 'monalisa' },
      created_at: created,
      updated_at: opts.updatedAt.toISOString(),
      closed_at: opts.state === 'closed' ? opts.updatedAt.toISOString() : null,
      merged_at: merged,
      merged: !!opts.merged,
      merged_by: opts.merged ? { login: 'hubot' } : null,
      base: { ref: 'main' },
      head: { ref: `feature-${opts.number}` },
      additions: 10,
      deletions: 2,
      changed_files: 3,
      commits: 1,
      labels: [{ name: 'enhancement' }],
    },
    repository: { id: repo.githubId, full_name: repo.fullName },
    sender: { login: 'monalisa' },
  };
}
