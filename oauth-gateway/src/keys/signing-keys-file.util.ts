import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

// The signing keys file (GATEWAY_SIGNING_KEYS_FILE): a private JWKS plus which key signs.
//   { "signing_kid": "2026-05-a", "keys": [ { "kty": "EC", "crv": "P-256", "x": …, "y": …, "d": …, "kid": …, "alg": "ES256", "use": "sig" }, … ] }
// Every key in the file is published in /.well-known/jwks.json; only `signing_kid` signs. That split is what
// makes rotation safe: publish a key first, sign with it later, keep the old one published a while.
// Nest-free so the `gateway:keys` command shares it.

export const SIGNING_ALGORITHMS = ['ES256', 'EdDSA'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export interface PrivateSigningJwk extends JWK {
  kid: string;
  alg: SigningAlgorithm;
  d: string;
}

export interface SigningKeysFile {
  signing_kid: string;
  keys: PrivateSigningJwk[];
}

export class SigningKeysFileError extends Error {}

const KID = /^[A-Za-z0-9._-]{1,64}$/;
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'kid', 'alg'] as const;

export function newKid(): string {
  return `${new Date().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`;
}

export async function generateSigningJwk(
  alg: SigningAlgorithm = 'ES256',
  kid = newKid(),
): Promise<PrivateSigningJwk> {
  const { privateKey } = await generateKeyPair(
    alg,
    alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : { extractable: true },
  );
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid, alg, use: 'sig' } as PrivateSigningJwk;
}

/** The public half, as published in the JWKS (private members never leave this function). */
export function publicJwk(jwk: PrivateSigningJwk): JWK {
  const out: JWK = { use: 'sig' };
  for (const member of PUBLIC_MEMBERS)
    if (jwk[member] !== undefined) (out as Record<string, unknown>)[member] = jwk[member];
  return out;
}

export function parseSigningKeysFile(text: string): SigningKeysFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SigningKeysFileError(`not valid JSON (${(err as Error).message})`);
  }
  const obj = raw as Partial<SigningKeysFile> | null;
  if (!obj || !Array.isArray(obj.keys) || obj.keys.length === 0)
    throw new SigningKeysFileError(
      'expected {"keys": [private JWKs], "signing_kid": "..."} with at least one key',
    );
  const kids = new Set<string>();
  for (const key of obj.keys) {
    const kid = key?.kid;
    if (typeof kid !== 'string' || !KID.test(kid))
      throw new SigningKeysFileError('every key needs a "kid" of 1-64 letters, digits, ".", "_" or "-"');
    if (kids.has(kid)) throw new SigningKeysFileError(`kid "${kid}" appears twice`);
    kids.add(kid);
    if (!SIGNING_ALGORITHMS.includes(key.alg as SigningAlgorithm))
      throw new SigningKeysFileError(`key "${kid}": "alg" must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
    if (typeof key.d !== 'string') throw new SigningKeysFileError(`key "${kid}": not a private key (no "d")`);
    const shape =
      key.alg === 'ES256'
        ? key.kty === 'EC' && key.crv === 'P-256'
        : key.kty === 'OKP' && key.crv === 'Ed25519';
    if (!shape) throw new SigningKeysFileError(`key "${kid}": kty/crv do not match alg ${key.alg}`);
  }
  const signingKid = obj.signing_kid ?? obj.keys[0]?.kid;
  if (typeof signingKid !== 'string' || !kids.has(signingKid))
    throw new SigningKeysFileError(`signing_kid "${String(obj.signing_kid)}" is not one of the keys`);
  return { signing_kid: signingKid, keys: obj.keys as PrivateSigningJwk[] };
}

export function readSigningKeysFile(path: string): SigningKeysFile {
  return parseSigningKeysFile(readFileSync(path, 'utf8'));
}

/** Writes the file readable by its owner only, atomically (temp file + rename). */
export function writeSigningKeysFile(path: string, file: SigningKeysFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/**
 * Dev mode: the file if it exists, else a new one with one ES256 key. Creation uses O_EXCL, so two replicas
 * starting together end up with the same file (the loser reads the winner's).
 */
export async function readOrCreateDevSigningKeys(
  path: string,
): Promise<{ file: SigningKeysFile; created: boolean }> {
  try {
    return { file: readSigningKeysFile(path), created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = await generateSigningJwk('ES256');
  const file: SigningKeysFile = { signing_kid: key.kid, keys: [key] };
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      return { file: readSigningKeysFile(path), created: false };
    throw err;
  }
  return { file, created: true };
}
