import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ClientConfigError,
  hashClientSecret,
  MAX_ACTIVE_SECRETS,
  parseClients,
  parseClientsJson,
  redirectUriProblem,
  type RegisteredClient,
} from '../clients/client-config.util';
import {
  FILE_ACCESS_OPTIONS,
  FileAccessError,
  writeOperatorFile,
  type FileAccessRequest,
} from './operator-file.util';

// `npm run gateway:client -- <command>`: the operator's way to register Trackeep instances with the gateway.
// It edits the clients file (GATEWAY_CLIENTS_FILE), validated by the same code the server uses; every replica
// re-reads the file within seconds of a change. Secrets are printed once and stored only as SHA-256 hashes.

export const CLIENT_USAGE = `Usage: npm run gateway:client -- <command> [options]
       node cli/gateway-client.js <command> [options]    (in the gateway image)

Commands:
  add --name NAME --redirect-uri URI [--redirect-uri URI ...] [--client-id ID]
      [--allowed-org ORG ...] [--allowed-team ORG/TEAM ...]
                                  register an instance; prints its client_id and secret (shown once)
  list                            registered clients (never secrets)
  rotate-secret --client-id ID    add a new secret; the newest old one stays valid until drop-old-secrets
  drop-old-secrets --client-id ID keep only the newest secret (after the instance uses it)
  remove --client-id ID           unregister an instance

Options:
  --file PATH   clients file (default: $GATEWAY_CLIENTS_FILE); created by "add" if missing
  --dev         allow http://localhost redirect URIs (default: $GATEWAY_DEV_MODE)
${FILE_ACCESS_OPTIONS}`;

export interface CliIo {
  env: Record<string, string | undefined>;
  out(line: string): void;
  err(line: string): void;
}

class UsageError extends Error {}

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
}

// Existing entries are read (and re-checked on write) leniently about http://localhost, so a dev file can be
// listed and edited without --dev; the server applies its own GATEWAY_DEV_MODE. New redirect URIs are checked
// against --dev / GATEWAY_DEV_MODE when they are added.
const LENIENT = { devMode: true };

function readClients(path: string, createIfMissing: boolean): RegisteredClient[] {
  if (!existsSync(path)) {
    if (createIfMissing) return [];
    throw new UsageError(`no clients file at ${path}`);
  }
  return parseClientsJson(readFileSync(path, 'utf8'), LENIENT);
}

/** Validates the whole list again, then replaces the file atomically, keeping its mode and owner. */
function writeClients(path: string, clients: RegisteredClient[], access: FileAccessRequest): void {
  parseClients(clients, LENIENT);
  writeOperatorFile(path, `${JSON.stringify(clients, null, 2)}\n`, access);
}

function find(clients: RegisteredClient[], id: string | undefined): RegisteredClient {
  if (!id) throw new UsageError('--client-id is required');
  const client = clients.find((c) => c.client_id === id);
  if (!client) throw new UsageError(`no client "${id}" is registered`);
  return client;
}

export function runClientCommand(argv: string[], io: CliIo): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        file: { type: 'string' },
        dev: { type: 'boolean' },
        name: { type: 'string' },
        'client-id': { type: 'string' },
        'redirect-uri': { type: 'string', multiple: true },
        'allowed-org': { type: 'string', multiple: true },
        'allowed-team': { type: 'string', multiple: true },
        mode: { type: 'string' },
        owner: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.err(`gateway:client: ${(err as Error).message}`);
    io.err(CLIENT_USAGE);
    return 64;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || !command) {
    (values.help ? io.out : io.err)(CLIENT_USAGE);
    return values.help ? 0 : 64;
  }
  const file = values.file ?? io.env['GATEWAY_CLIENTS_FILE'];
  const devMode =
    values.dev ?? ['true', '1', 'yes', 'on'].includes((io.env['GATEWAY_DEV_MODE'] ?? '').toLowerCase());
  try {
    if (!file) throw new UsageError('no clients file: pass --file PATH or set GATEWAY_CLIENTS_FILE');
    const path = resolve(file);
    const access: FileAccessRequest = {
      mode: values.mode,
      owner: values.owner,
      warn: (line) => io.err(`gateway:client: note: ${line}`),
    };
    switch (command) {
      case 'add': {
        const clients = readClients(path, true);
        if (!values.name) throw new UsageError('--name is required');
        const uris = values['redirect-uri'] ?? [];
        if (!uris.length) throw new UsageError('at least one --redirect-uri is required');
        const uriProblems = uris.flatMap((uri) => {
          const problem = redirectUriProblem(uri, { devMode });
          return problem ? [`redirect URI "${uri}" ${problem}`] : [];
        });
        if (uriProblems.length) throw new ClientConfigError(uriProblems);
        const id =
          values['client-id'] ?? `${slug(values.name) || 'trackeep'}-${randomBytes(3).toString('hex')}`;
        if (clients.some((c) => c.client_id === id))
          throw new UsageError(`client "${id}" is already registered`);
        const secret = newSecret();
        const client: RegisteredClient = {
          client_id: id,
          name: values.name,
          client_secret_hashes: [hashClientSecret(secret)],
          redirect_uris: uris,
          allowed_orgs: values['allowed-org'] ?? [],
          allowed_teams: values['allowed-team'] ?? [],
        };
        writeClients(path, [...clients, client], access);
        io.out(`Registered "${client.name}" in ${path}.`);
        io.out(`  client_id:     ${id}`);
        io.out(`  client_secret: ${secret}`);
        io.out('The secret is shown only now (the file keeps its SHA-256). Configure the instance with');
        io.out(
          `  GATEWAY_URL=${io.env['SERVICE_DOMAIN'] ?? '<the gateway URL>'} GATEWAY_CLIENT_ID=${id} GATEWAY_CLIENT_SECRET=<the secret above>`,
        );
        return 0;
      }
      case 'list': {
        const clients = readClients(path, false);
        if (!clients.length) io.out('No clients are registered.');
        for (const c of clients) {
          const policy = [
            ...c.allowed_orgs.map((o) => `org:${o}`),
            ...c.allowed_teams.map((t) => `team:${t}`),
          ];
          io.out(
            `${c.client_id}  "${c.name}"  secrets: ${c.client_secret_hashes.length}  policy: ${policy.length ? policy.join(', ') : 'any GitHub user'}`,
          );
          for (const uri of c.redirect_uris) io.out(`    ${uri}`);
        }
        return 0;
      }
      case 'rotate-secret': {
        const clients = readClients(path, false);
        const client = find(clients, values['client-id']);
        const secret = newSecret();
        client.client_secret_hashes = [...client.client_secret_hashes, hashClientSecret(secret)].slice(
          -MAX_ACTIVE_SECRETS,
        );
        writeClients(path, clients, access);
        io.out(`New secret for ${client.client_id} (shown only now): ${secret}`);
        io.out('The previous secret stays valid. Once the instance uses the new one, run drop-old-secrets.');
        return 0;
      }
      case 'drop-old-secrets': {
        const clients = readClients(path, false);
        const client = find(clients, values['client-id']);
        const dropped = client.client_secret_hashes.length - 1;
        client.client_secret_hashes = client.client_secret_hashes.slice(-1);
        writeClients(path, clients, access);
        io.out(`${client.client_id}: dropped ${dropped} old secret(s); only the newest is valid now.`);
        return 0;
      }
      case 'remove': {
        const clients = readClients(path, false);
        const client = find(clients, values['client-id']);
        writeClients(
          path,
          clients.filter((c) => c !== client),
          access,
        );
        io.out(
          `Removed ${client.client_id}. Its tokens stop working at once; already issued id_tokens expire within 5 minutes.`,
        );
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof FileAccessError) {
      io.err(`gateway:client: ${err.message}`);
      return 64;
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      io.err(`gateway:client: ${(err as Error).message}`);
      return 77;
    }
    if (err instanceof ClientConfigError) {
      for (const problem of err.problems) io.err(`gateway:client: ${problem}`);
      return 65;
    }
    throw err;
  }
}
