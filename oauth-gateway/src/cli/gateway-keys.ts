import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from './gateway-client';
import {
  generateSigningJwk,
  readSigningKeysFile,
  SIGNING_ALGORITHMS,
  SigningKeysFileError,
  type SigningAlgorithm,
  type SigningKeysFile,
} from '../keys/signing-keys-file.util';
import {
  FILE_ACCESS_OPTIONS,
  FileAccessError,
  writeOperatorFile,
  type FileAccessRequest,
} from './operator-file.util';

// `npm run gateway:keys -- <command>`: the signing keys file (GATEWAY_SIGNING_KEYS_FILE) and its rotation.
// Rotation is three steps so that no instance ever meets a kid it cannot find (see oauth-gateway/README.md):
// add (published, not signing) → activate (signing) → remove the old key after the longest token lifetime.
// Nothing here prints private key material.

export const KEYS_USAGE = `Usage: npm run gateway:keys -- <command> [options]
       node cli/gateway-keys.js <command> [options]      (in the gateway image)

Commands:
  generate [--alg ES256|EdDSA]   create a new keys file with one signing key (refuses to overwrite)
  add [--alg ES256|EdDSA]        rotation step 1: add a key that is published but does not sign yet
  activate --kid KID             rotation step 2: sign with KID (publish it at least 15 minutes before)
  remove --kid KID               rotation step 3: unpublish an old key (not the signing one)
  list                           keys, which one signs

Options:
  --file PATH   keys file (default: $GATEWAY_SIGNING_KEYS_FILE)
${FILE_ACCESS_OPTIONS}`;

class UsageError extends Error {}

function writeKeys(path: string, file: SigningKeysFile, request: FileAccessRequest): void {
  writeOperatorFile(path, `${JSON.stringify(file, null, 2)}\n`, request);
}

export async function runKeysCommand(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        file: { type: 'string' },
        alg: { type: 'string' },
        kid: { type: 'string' },
        mode: { type: 'string' },
        owner: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.err(`gateway:keys: ${(err as Error).message}`);
    io.err(KEYS_USAGE);
    return 64;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || !command) {
    (values.help ? io.out : io.err)(KEYS_USAGE);
    return values.help ? 0 : 64;
  }
  try {
    const file = values.file ?? io.env['GATEWAY_SIGNING_KEYS_FILE'];
    if (!file) throw new UsageError('no keys file: pass --file PATH or set GATEWAY_SIGNING_KEYS_FILE');
    const path = resolve(file);
    const access: FileAccessRequest = {
      mode: values.mode,
      owner: values.owner,
      warn: (line) => io.err(`gateway:keys: note: ${line}`),
    };
    const alg = (values.alg ?? 'ES256') as SigningAlgorithm;
    if (!SIGNING_ALGORITHMS.includes(alg))
      throw new UsageError(`--alg must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
    switch (command) {
      case 'generate': {
        if (existsSync(path)) throw new UsageError(`${path} exists; use "add" to rotate keys`);
        const key = await generateSigningJwk(alg);
        writeKeys(path, { signing_kid: key.kid, keys: [key] }, access);
        io.out(
          `Wrote ${path} with ${alg} key ${key.kid} (signing). Mount it on every gateway replica as GATEWAY_SIGNING_KEYS_FILE.`,
        );
        return 0;
      }
      case 'add': {
        const current = readSigningKeysFile(path);
        const key = await generateSigningJwk(alg);
        writeKeys(path, { ...current, keys: [...current.keys, key] }, access);
        io.out(
          `Added ${alg} key ${key.kid}: published once the replicas have the new file, not signing yet.`,
        );
        io.out(
          `After every replica serves it (and at least 15 minutes of JWKS caching), run: activate --kid ${key.kid}`,
        );
        return 0;
      }
      case 'activate': {
        const current = readSigningKeysFile(path);
        if (!values.kid || !current.keys.some((k) => k.kid === values.kid))
          throw new UsageError(`--kid must name one of: ${current.keys.map((k) => k.kid).join(', ')}`);
        writeKeys(path, { ...current, signing_kid: values.kid }, access);
        io.out(
          `${values.kid} signs from now on. Keep ${current.signing_kid} published for at least 1 hour, then: remove --kid ${current.signing_kid}`,
        );
        return 0;
      }
      case 'remove': {
        const current = readSigningKeysFile(path);
        if (!values.kid || !current.keys.some((k) => k.kid === values.kid))
          throw new UsageError(`--kid must name one of: ${current.keys.map((k) => k.kid).join(', ')}`);
        if (values.kid === current.signing_kid)
          throw new UsageError(`${values.kid} is the signing key; activate another key first`);
        writeKeys(path, { ...current, keys: current.keys.filter((k) => k.kid !== values.kid) }, access);
        io.out(`Removed ${values.kid}; tokens it signed no longer verify.`);
        return 0;
      }
      case 'list': {
        const current = readSigningKeysFile(path);
        for (const k of current.keys)
          io.out(
            `${k.kid}  ${k.alg}  ${k.kid === current.signing_kid ? 'signing + published' : 'published'}`,
          );
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      io.err(`gateway:keys: ${(err as Error).message}`);
      return 77;
    }
    if (
      err instanceof UsageError ||
      err instanceof FileAccessError ||
      err instanceof SigningKeysFileError ||
      (err as NodeJS.ErrnoException).code === 'ENOENT'
    ) {
      io.err(`gateway:keys: ${(err as Error).message}`);
      return err instanceof UsageError || err instanceof FileAccessError ? 64 : 65;
    }
    throw err;
  }
}
