import { createHash } from 'node:crypto';

// Parsing and validation of the registered clients (GATEWAY_CLIENTS / GATEWAY_CLIENTS_FILE). Plain functions
// with no Nest dependency: the server and the `gateway:client` command share them, so the command can never
// write a file the server would refuse.

export interface RegisteredClient {
  client_id: string;
  name: string;
  /** `sha256:<hex>` of each active secret; at most two, so a secret can be rotated without downtime. */
  client_secret_hashes: string[];
  /** Exact strings; a request's redirect_uri must equal one of them character for character. */
  redirect_uris: string[];
  /** Org logins; when this or allowed_teams is non-empty, a user must belong to one of them. */
  allowed_orgs: string[];
  /** `org/team-slug`. */
  allowed_teams: string[];
}

export interface ClientRules {
  /** Dev mode also accepts http redirect URIs on loopback hosts (localhost, *.localhost, 127.x, [::1]). */
  devMode: boolean;
}

export class ClientConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

export const MAX_ACTIVE_SECRETS = 2;
const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/;
const SECRET_HASH = /^sha256:[0-9a-f]{64}$/;
const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const TEAM = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9_.-]{1,100}$/;
const KNOWN_FIELDS = new Set([
  'client_id',
  'name',
  'client_secret_hashes',
  'redirect_uris',
  'allowed_orgs',
  'allowed_teams',
]);

/** localhost, *.localhost (RFC 6761: always loopback in browsers), 127.0.0.0/8 and [::1]. */
export function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    /^127(\.\d{1,3}){3}$/.test(hostname) ||
    hostname === '[::1]'
  );
}

/** Why a redirect URI may not be registered, or null when it may. */
export function redirectUriProblem(uri: string, rules: ClientRules): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.href !== uri) return `is not in canonical form (write it as "${url.href}")`;
  if (url.username || url.password) return 'must not contain user information';
  if (url.hash || uri.includes('#')) return 'must not contain a fragment';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) {
    return rules.devMode
      ? null
      : 'uses http, which is allowed only for localhost in dev mode (GATEWAY_DEV_MODE=true); use https';
  }
  return 'must use https';
}

function stringList(value: unknown, field: string, where: string, problems: string[]): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    problems.push(`${where}: ${field} must be an array of strings`);
    return [];
  }
  return value as string[];
}

function parseClient(
  raw: unknown,
  index: number,
  rules: ClientRules,
  problems: string[],
): RegisteredClient | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push(`client #${index + 1}: expected an object`);
    return null;
  }
  const obj = raw as Record<string, unknown>;
  const id = typeof obj['client_id'] === 'string' ? obj['client_id'] : '';
  const where = id ? `client "${id}"` : `client #${index + 1}`;
  const before = problems.length;
  for (const key of Object.keys(obj))
    if (!KNOWN_FIELDS.has(key)) problems.push(`${where}: unknown field "${key}"`);
  if (!CLIENT_ID.test(id))
    problems.push(`${where}: client_id must be 3-64 characters of letters, digits, ".", "_" or "-"`);
  const name = typeof obj['name'] === 'string' && obj['name'].trim() ? obj['name'].trim() : '';
  if (!name) problems.push(`${where}: name must be a non-empty string`);

  const hashes = stringList(obj['client_secret_hashes'], 'client_secret_hashes', where, problems);
  if (hashes.length < 1 || hashes.length > MAX_ACTIVE_SECRETS) {
    problems.push(`${where}: client_secret_hashes must hold 1 or ${MAX_ACTIVE_SECRETS} entries`);
  }
  for (const h of hashes)
    if (!SECRET_HASH.test(h))
      problems.push(`${where}: each secret hash must look like "sha256:<64 lower-case hex>"`);

  const uris = stringList(obj['redirect_uris'], 'redirect_uris', where, problems);
  if (uris.length < 1) problems.push(`${where}: redirect_uris must list at least one URI`);
  for (const uri of uris) {
    const problem = redirectUriProblem(uri, rules);
    if (problem) problems.push(`${where}: redirect URI "${uri}" ${problem}`);
  }

  const orgs = stringList(obj['allowed_orgs'], 'allowed_orgs', where, problems);
  for (const org of orgs)
    if (!GITHUB_LOGIN.test(org))
      problems.push(`${where}: allowed_orgs entry "${org}" is not a GitHub organisation login`);
  const teams = stringList(obj['allowed_teams'], 'allowed_teams', where, problems);
  for (const team of teams)
    if (!TEAM.test(team))
      problems.push(`${where}: allowed_teams entry "${team}" must look like "org/team-slug"`);

  if (problems.length > before) return null;
  return {
    client_id: id,
    name,
    client_secret_hashes: hashes,
    redirect_uris: uris,
    allowed_orgs: orgs,
    allowed_teams: teams,
  };
}

/** Validates the whole clients array; throws ClientConfigError listing every problem. */
export function parseClients(raw: unknown, rules: ClientRules): RegisteredClient[] {
  const problems: string[] = [];
  if (!Array.isArray(raw)) throw new ClientConfigError(['expected a JSON array of clients']);
  const clients: RegisteredClient[] = [];
  raw.forEach((entry, i) => {
    const client = parseClient(entry, i, rules, problems);
    if (client) clients.push(client);
  });
  const seen = new Set<string>();
  for (const entry of raw as Array<{ client_id?: unknown } | null>) {
    const id = entry && typeof entry === 'object' ? entry.client_id : undefined;
    if (typeof id !== 'string') continue;
    if (seen.has(id)) problems.push(`client "${id}": client_id is registered twice`);
    seen.add(id);
  }
  if (problems.length) throw new ClientConfigError(problems);
  return clients;
}

export function parseClientsJson(text: string, rules: ClientRules): RegisteredClient[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ClientConfigError([`not valid JSON (${(err as Error).message})`]);
  }
  return parseClients(raw, rules);
}

/** The stored form of a client secret. Secrets are 256-bit random strings, so a plain SHA-256 suffices. */
export function hashClientSecret(secret: string): string {
  return `sha256:${createHash('sha256').update(secret, 'utf8').digest('hex')}`;
}
