import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { GithubSimHandle } from '../lib/sim.types';

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** Small REST client for the specs: JSON in, JSON (or text) out, never throws on HTTP errors. */
export function client(sim: GithubSimHandle, token?: string, base = sim.apiUrl) {
  const call = async <T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply<T>> => {
    const res = await fetch(path.startsWith('http') ? path : `${base}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        accept: 'application/vnd.github+json',
        ...(token ? { authorization: `token ${token}` } : {}),
        ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  };
  return {
    get: <T = unknown>(path: string, headers?: Record<string, string>) =>
      call<T>('GET', path, undefined, headers),
    post: <T = unknown>(path: string, body?: unknown, headers?: Record<string, string>) =>
      call<T>('POST', path, body ?? {}, headers),
    patch: <T = unknown>(path: string, body?: unknown) => call<T>('PATCH', path, body ?? {}),
    put: <T = unknown>(path: string, body?: unknown) => call<T>('PUT', path, body ?? {}),
    delete: <T = unknown>(path: string, body?: unknown, headers?: Record<string, string>) =>
      call<T>('DELETE', path, body, headers),
    call,
  };
}

export async function graphql<T = Record<string, unknown>>(
  sim: GithubSimHandle,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
) {
  const res = await fetch(sim.graphqlUrl, {
    method: 'POST',
    headers: { authorization: `bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: Array<Record<string, unknown>> };
  return { ...body, status: res.status, headers: res.headers };
}

export function control(sim: GithubSimHandle) {
  return client(sim, undefined, `${sim.url}/_sim`);
}

function locate(rel: string): string {
  let dir = resolve(__dirname);
  for (;;) {
    const candidate = join(dir, rel);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find ${rel}`);
    dir = parent;
  }
}

let openapiText: string | null = null;

/**
 * Required (non-optional) top-level keys of a schema in @octokit/openapi-types, read from the installed
 * types.d.ts at test time, so a new GitHub OpenAPI release that adds a required field fails our contract tests.
 */
export function requiredKeys(schema: string): string[] {
  openapiText ??= readFileSync(locate('node_modules/@octokit/openapi-types/types.d.ts'), 'utf8');
  const text = openapiText;
  const schemasAt = text.indexOf('export interface components {');
  const marker = `\n    "${schema}": {`;
  const alt = `\n    ${schema}: {`;
  let i = text.indexOf(marker, schemasAt);
  if (i < 0) i = text.indexOf(alt, schemasAt);
  if (i < 0) throw new Error(`schema ${schema} not found in openapi-types`);
  const open = text.indexOf('{', i);
  let depth = 0;
  let end = open;
  for (let k = open; k < text.length; k++) {
    if (text[k] === '{') depth++;
    else if (text[k] === '}') {
      depth--;
      if (depth === 0) {
        end = k;
        break;
      }
    }
  }
  const body = text.slice(open + 1, end).replace(/\/\*\*[\s\S]*?\*\//g, '');
  const keys: string[] = [];
  depth = 0;
  for (const line of body.split('\n')) {
    if (depth === 0) {
      const [, , key, optional] = /^\s*("?)([A-Za-z0-9_@$+-]+)\1(\??):/.exec(line) ?? [];
      if (key !== undefined && optional !== '?') keys.push(key);
    }
    for (const ch of line) {
      if (ch === '{' || ch === '(' || ch === '[') depth++;
      else if (ch === '}' || ch === ')' || ch === ']') depth--;
    }
  }
  return keys;
}

export function missingKeys(obj: unknown, keys: string[]): string[] {
  if (typeof obj !== 'object' || obj === null) return keys;
  return keys.filter((k) => !(k in obj));
}

/** Starts a plain HTTP server that records webhook requests (raw body kept for signature checks). */
export async function webhookReceiver(status = 200) {
  const http = await import('node:http');
  const received: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * Where `actual` lacks a field `recorded` has, or holds another JSON type: objects field by field, arrays by their
 * first element. A null on either side matches anything (a field GitHub leaves unset in one answer and not in
 * another).
 */
export function shapeDiff(recorded: unknown, actual: unknown, at = '$'): string[] {
  if (recorded === null || actual === null) return [];
  const kind = (v: unknown) => (Array.isArray(v) ? 'array' : typeof v);
  if (kind(recorded) !== kind(actual)) return [`${at}: ${kind(recorded)} expected, got ${kind(actual)}`];
  if (Array.isArray(recorded)) {
    const [a, b] = [recorded[0], (actual as unknown[])[0]];
    return a === undefined || b === undefined ? [] : shapeDiff(a, b, `${at}[0]`);
  }
  if (typeof recorded !== 'object') return [];
  const got = actual as Record<string, unknown>;
  return Object.entries(recorded as Record<string, unknown>).flatMap(([k, v]) =>
    k in got ? shapeDiff(v, got[k], `${at}.${k}`) : [`${at}.${k}: missing`],
  );
}
