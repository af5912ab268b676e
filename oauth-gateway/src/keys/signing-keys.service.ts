import { importJWK, SignJWT, type CryptoKey, type JSONWebKeySet, type JWTPayload } from 'jose';
import { EnvValidationError } from '@trackeep/server-core';
import { DEV_SIGNING_KEYS_FILE, GatewayEnv } from '../config/gateway-env';
import {
  publicJwk,
  readOrCreateDevSigningKeys,
  readSigningKeysFile,
  SigningKeysFileError,
  type SigningAlgorithm,
  type SigningKeysFile,
} from './signing-keys-file.util';

interface ActiveKey {
  kid: string;
  alg: SigningAlgorithm;
  key: CryptoKey;
}

/** The gateway's signing keys: the public JWKS it publishes and the one key it signs id_tokens with. */
export class SigningKeys {
  private jwks: JSONWebKeySet = { keys: [] };
  private active!: ActiveKey;

  /** Set when dev mode generated the file at start-up (logged once by the app). */
  generatedAt: string | null = null;

  static async fromEnv(env: GatewayEnv): Promise<SigningKeys> {
    const keys = new SigningKeys();
    const path = env.GATEWAY_SIGNING_KEYS_FILE ?? DEV_SIGNING_KEYS_FILE;
    try {
      if (env.GATEWAY_DEV_MODE) {
        const { file, created } = await readOrCreateDevSigningKeys(path);
        if (created) keys.generatedAt = path;
        await keys.use(file);
      } else {
        await keys.use(readSigningKeysFile(path));
      }
    } catch (err) {
      const reason =
        err instanceof SigningKeysFileError
          ? err.message
          : (err as NodeJS.ErrnoException).code === 'ENOENT'
            ? 'file not found'
            : (err as Error).message;
      throw new EnvValidationError([`GATEWAY_SIGNING_KEYS_FILE: cannot use "${path}": ${reason}`]);
    }
    return keys;
  }

  /** Switches to a new key set (start-up, and tests that rotate keys). Validates before changing anything. */
  async use(file: SigningKeysFile): Promise<void> {
    const signing = file.keys.find((k) => k.kid === file.signing_kid);
    if (!signing) throw new SigningKeysFileError(`signing_kid "${file.signing_kid}" is not one of the keys`);
    const key = (await importJWK(signing, signing.alg)) as CryptoKey;
    this.active = { kid: signing.kid, alg: signing.alg, key };
    this.jwks = { keys: file.keys.map(publicJwk) };
  }

  publicJwks(): JSONWebKeySet {
    return this.jwks;
  }

  algorithms(): SigningAlgorithm[] {
    return [...new Set(this.jwks.keys.map((k) => k.alg as SigningAlgorithm))];
  }

  get signingKid(): string {
    return this.active.kid;
  }

  async sign(claims: JWTPayload, lifetimeSeconds: number): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: this.active.alg, kid: this.active.kid, typ: 'JWT' })
      .setIssuedAt(now)
      .setExpirationTime(now + lifetimeSeconds)
      .sign(this.active.key);
  }
}
