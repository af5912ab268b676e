import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientRegistry } from '../clients/client-registry.service';
import { hashClientSecret, type RegisteredClient } from '../clients/client-config.util';
import type { GatewayEnv } from '../config/gateway-env';
import { readSigningKeysFile } from '../keys/signing-keys-file.util';
import { runClientCommand, type CliIo } from './gateway-client';
import { runKeysCommand } from './gateway-keys';

function io(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIo = { env, out: (l) => out.push(l), err: (l) => err.push(l) };
  return { cli, out, err };
}

/** The value the CLI printed for `pattern`'s first group; throws naming the pattern when it printed none. */
function printed(pattern: RegExp, lines: string[]): string {
  const value = pattern.exec(lines.join('\n'))?.[1];
  if (value === undefined) throw new Error(`the CLI printed nothing matching ${pattern}`);
  return value;
}

describe('npm run gateway:client', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gw-cli-'));
    file = join(dir, 'clients.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const clients = () => JSON.parse(readFileSync(file, 'utf8')) as RegisteredClient[];
  /** The gateway's own view of the file: what the server will accept. */
  const registry = () =>
    new ClientRegistry({ GATEWAY_CLIENTS_FILE: file, GATEWAY_DEV_MODE: false } as GatewayEnv);

  function add(...extra: string[]) {
    const run = io({ GATEWAY_CLIENTS_FILE: file, SERVICE_DOMAIN: 'https://auth.example.com' });
    const code = runClientCommand(
      [
        'add',
        '--name',
        'Acme Trackeep',
        '--redirect-uri',
        'https://tk.acme.com/api/v1/auth/oauth/callback',
        ...extra,
      ],
      run.cli,
    );
    const id = printed(/client_id:\s+(\S+)/, run.out);
    const secret = printed(/client_secret:\s+(\S+)/, run.out);
    return { code, id, secret, ...run };
  }

  it('adds a client, prints its id and a one-time 256-bit secret, and stores only the hash', () => {
    const { code, id, secret, out } = add('--allowed-org', 'acme', '--allowed-team', 'acme/devs');
    expect(code).toBe(0);
    expect(id).toMatch(/^acme-trackeep-[0-9a-f]{6}$/);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(out.join('\n')).toContain(`GATEWAY_URL=https://auth.example.com GATEWAY_CLIENT_ID=${id}`);
    expect(readFileSync(file, 'utf8')).not.toContain(secret);
    expect(clients()).toEqual([
      {
        client_id: id,
        name: 'Acme Trackeep',
        client_secret_hashes: [hashClientSecret(secret)],
        redirect_uris: ['https://tk.acme.com/api/v1/auth/oauth/callback'],
        allowed_orgs: ['acme'],
        allowed_teams: ['acme/devs'],
      },
    ]);
    expect(registry().authenticate(id, secret)?.client_id).toBe(id);
  });

  it('refuses redirect URIs the server would refuse, writing nothing', () => {
    const run = io({ GATEWAY_CLIENTS_FILE: file });
    expect(
      runClientCommand(['add', '--name', 'X', '--redirect-uri', 'http://localhost:3000/cb'], run.cli),
    ).toBe(65);
    expect(run.err.join('\n')).toMatch(/only for localhost in dev mode/);
    expect(
      runClientCommand(['add', '--name', 'X', '--redirect-uri', 'https://x.example.com/cb#f'], run.cli),
    ).toBe(65);
    expect(() => readFileSync(file)).toThrow();
    expect(
      runClientCommand(
        ['add', '--dev', '--name', 'X', '--redirect-uri', 'http://localhost:3000/cb'],
        run.cli,
      ),
    ).toBe(0);
  });

  it('lists and edits a dev-mode file without --dev', () => {
    const dev = io({ GATEWAY_CLIENTS_FILE: file, GATEWAY_DEV_MODE: 'true' });
    expect(
      runClientCommand(
        ['add', '--name', 'Local', '--client-id', 'local', '--redirect-uri', 'http://localhost:3000/cb'],
        dev.cli,
      ),
    ).toBe(0);
    const run = io({ GATEWAY_CLIENTS_FILE: file });
    expect(runClientCommand(['list'], run.cli)).toBe(0);
    expect(runClientCommand(['rotate-secret', '--client-id', 'local'], run.cli)).toBe(0);
  });

  it('lists clients without any secret material', () => {
    const { secret } = add();
    const run = io({ GATEWAY_CLIENTS_FILE: file });
    expect(runClientCommand(['list'], run.cli)).toBe(0);
    const text = run.out.join('\n');
    expect(text).toMatch(/"Acme Trackeep"\s+secrets: 1\s+policy: any GitHub user/);
    expect(text).toContain('https://tk.acme.com/api/v1/auth/oauth/callback');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('sha256:');
  });

  it('rotates a secret with two valid at once, then drops the old one', () => {
    const { id, secret: oldSecret } = add();
    const run = io({ GATEWAY_CLIENTS_FILE: file });
    expect(runClientCommand(['rotate-secret', '--client-id', id], run.cli)).toBe(0);
    const newSecret = printed(/\(shown only now\): (\S+)/, run.out);
    expect(registry().authenticate(id, oldSecret)).not.toBeNull();
    expect(registry().authenticate(id, newSecret)).not.toBeNull();

    expect(runClientCommand(['rotate-secret', '--client-id', id], run.cli)).toBe(0);
    expect(clients()[0]?.client_secret_hashes).toHaveLength(2);
    const newest = printed(/\(shown only now\): (\S+)/, run.out.slice(-2));
    expect(registry().authenticate(id, oldSecret)).toBeNull();

    expect(runClientCommand(['drop-old-secrets', '--client-id', id], run.cli)).toBe(0);
    expect(registry().authenticate(id, newSecret)).toBeNull();
    expect(registry().authenticate(id, newest)).not.toBeNull();
  });

  it('removes a client', () => {
    const { id } = add();
    const run = io({ GATEWAY_CLIENTS_FILE: file });
    expect(runClientCommand(['remove', '--client-id', id], run.cli)).toBe(0);
    expect(clients()).toEqual([]);
    expect(runClientCommand(['remove', '--client-id', id], run.cli)).toBe(64);
    expect(run.err.join('\n')).toContain(`no client "${id}" is registered`);
  });

  it('explains usage errors', () => {
    const run = io();
    expect(runClientCommand(['add', '--name', 'x'], run.cli)).toBe(64);
    expect(run.err.join('\n')).toMatch(/pass --file PATH or set GATEWAY_CLIENTS_FILE/);
    expect(runClientCommand([], run.cli)).toBe(64);
    expect(runClientCommand(['frobnicate', '--file', file], run.cli)).toBe(64);
    writeFileSync(file, '[]');
    expect(runClientCommand(['add', '--file', file, '--name', 'x'], run.cli)).toBe(64);
    expect(run.err.join('\n')).toMatch(/at least one --redirect-uri/);
  });
});

describe('npm run gateway:keys', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gw-keys-cli-'));
    file = join(dir, 'keys.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates, then rotates in three steps: add (published), activate (signing), remove the old key', async () => {
    const run = io({ GATEWAY_SIGNING_KEYS_FILE: file });
    expect(await runKeysCommand(['generate'], run.cli)).toBe(0);
    const first = readSigningKeysFile(file);
    expect(first.keys).toHaveLength(1);
    expect(await runKeysCommand(['generate'], run.cli)).toBe(64);

    expect(await runKeysCommand(['add', '--alg', 'EdDSA'], run.cli)).toBe(0);
    const added = readSigningKeysFile(file);
    const newKid = added.keys[1]?.kid as string;
    expect(added.signing_kid).toBe(first.signing_kid);
    expect(added.keys[1]?.alg).toBe('EdDSA');

    expect(await runKeysCommand(['remove', '--kid', first.signing_kid], run.cli)).toBe(64);
    expect(await runKeysCommand(['activate', '--kid', newKid], run.cli)).toBe(0);
    expect(readSigningKeysFile(file).signing_kid).toBe(newKid);
    expect(await runKeysCommand(['remove', '--kid', first.signing_kid], run.cli)).toBe(0);
    expect(readSigningKeysFile(file).keys.map((k) => k.kid)).toEqual([newKid]);

    const listing = io({ GATEWAY_SIGNING_KEYS_FILE: file });
    expect(await runKeysCommand(['list'], listing.cli)).toBe(0);
    expect(listing.out).toEqual([`${newKid}  EdDSA  signing + published`]);
    expect([...run.out, ...listing.out].join('\n')).not.toMatch(/"d"|"x"/);
  });
});

const mode = (path: string) => statSync(path).mode & 0o777;
const asRoot = process.getuid?.() === 0;

describe("files the gateway CLIs write are readable by the images' uid 1000", () => {
  let dir: string;
  let keys: string;
  let clientsFile: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gw-cli-mode-'));
    keys = join(dir, 'keys.json');
    clientsFile = join(dir, 'clients.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const addClient = (...extra: string[]) =>
    runClientCommand(
      ['add', '--file', clientsFile, '--name', 'X', '--redirect-uri', 'https://x.example.com/cb', ...extra],
      io().cli,
    );

  it('creates new files 0644 by default, so a container user other than the writer can read them', async () => {
    expect(await runKeysCommand(['generate', '--file', keys], io().cli)).toBe(0);
    expect(mode(keys)).toBe(0o644);
    expect(addClient()).toBe(0);
    expect(mode(clientsFile)).toBe(0o644);
  });

  it('takes --mode for a new file and for an existing one', async () => {
    expect(await runKeysCommand(['generate', '--file', keys, '--mode', '0600'], io().cli)).toBe(0);
    expect(mode(keys)).toBe(0o600);
    expect(await runKeysCommand(['add', '--file', keys, '--mode', '640'], io().cli)).toBe(0);
    expect(mode(keys)).toBe(0o640);
    expect(addClient('--mode', '0640')).toBe(0);
    expect(mode(clientsFile)).toBe(0o640);
  });

  it("keeps an existing file's mode on rotation (keys add/activate/remove, client secrets)", async () => {
    expect(await runKeysCommand(['generate', '--file', keys], io().cli)).toBe(0);
    chmodSync(keys, 0o640);
    const run = io();
    expect(await runKeysCommand(['add', '--file', keys], run.cli)).toBe(0);
    expect(mode(keys)).toBe(0o640);
    const kid = readSigningKeysFile(keys).keys[1]?.kid as string;
    expect(await runKeysCommand(['activate', '--file', keys, '--kid', kid], run.cli)).toBe(0);
    expect(mode(keys)).toBe(0o640);

    expect(addClient('--client-id', 'inst-x')).toBe(0);
    chmodSync(clientsFile, 0o604);
    expect(
      runClientCommand(['rotate-secret', '--file', clientsFile, '--client-id', 'inst-x'], io().cli),
    ).toBe(0);
    expect(mode(clientsFile)).toBe(0o604);
    expect(
      runClientCommand(['drop-old-secrets', '--file', clientsFile, '--client-id', 'inst-x'], io().cli),
    ).toBe(0);
    expect(mode(clientsFile)).toBe(0o604);
  });

  it('refuses a mode that lets others write or hides the file from its owner, writing nothing', async () => {
    for (const bad of ['0666', '0620', '0044', 'rw-r--r--', '12345']) {
      const run = io();
      expect(await runKeysCommand(['generate', '--file', keys, '--mode', bad], run.cli)).toBe(64);
      expect(run.err.join('\n')).toMatch(/--mode/);
      expect(addClient('--mode', bad)).toBe(64);
    }
    expect(() => statSync(keys)).toThrow();
    expect(() => statSync(clientsFile)).toThrow();
  });

  (asRoot ? it : it.skip)(
    'as root, --owner gives the file to uid:gid (0600 by default) and rotation keeps the owner',
    async () => {
      expect(await runKeysCommand(['generate', '--file', keys, '--owner', '1000:1000'], io().cli)).toBe(0);
      expect(statSync(keys)).toMatchObject({ uid: 1000, gid: 1000 });
      expect(mode(keys)).toBe(0o600);
      expect(await runKeysCommand(['add', '--file', keys], io().cli)).toBe(0);
      expect(statSync(keys)).toMatchObject({ uid: 1000, gid: 1000 });
      expect(mode(keys)).toBe(0o600);

      expect(addClient('--client-id', 'inst-x')).toBe(0);
      chownSync(clientsFile, 1000, 1000);
      expect(
        runClientCommand(['rotate-secret', '--file', clientsFile, '--client-id', 'inst-x'], io().cli),
      ).toBe(0);
      expect(statSync(clientsFile)).toMatchObject({ uid: 1000, gid: 1000 });
      expect(mode(clientsFile)).toBe(0o644);
    },
  );

  (asRoot ? it.skip : it)('refuses --owner without root', async () => {
    const run = io();
    expect(await runKeysCommand(['generate', '--file', keys, '--owner', '1000'], run.cli)).toBe(64);
    expect(run.err.join('\n')).toMatch(/--owner needs root/);
  });

  it('says so when a non-root operator rewrites a file someone else owns (the owner changes)', async () => {
    expect(await runKeysCommand(['generate', '--file', keys], io().cli)).toBe(0);
    const owner = statSync(keys).uid;
    const getuid = jest.spyOn(process, 'getuid').mockReturnValue(owner + 4242);
    try {
      const run = io();
      expect(await runKeysCommand(['add', '--file', keys], run.cli)).toBe(0);
      expect(run.err).toEqual([
        expect.stringMatching(
          new RegExp(
            `^gateway:keys: note: .*keys.json was owned by uid ${owner} and is now owned by uid ${owner + 4242} \\(mode 0644\\)`,
          ),
        ),
      ]);
      expect(mode(keys)).toBe(0o644);
    } finally {
      getuid.mockRestore();
    }
  });

  it('rejects a malformed --owner', async () => {
    const run = io();
    expect(await runKeysCommand(['generate', '--file', keys, '--owner', 'node'], run.cli)).toBe(64);
    expect(run.err.join('\n')).toMatch(/UID or UID:GID/);
  });
});
