import { randomBytes, randomUUID } from 'node:crypto';
import { AuthSettings, parseKeyRing } from './auth-settings';
import { TokenCipher, TokenDecryptionError } from './token-cipher.service';
import type { ApiEnv } from '../config/api-env';

const key = () => randomBytes(32).toString('base64');

function cipherWith(keys: string): TokenCipher {
  const env = {
    FRONTEND_URL: 'http://localhost:3000',
    CORS_ALLOWED_ORIGINS: [],
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_WEB_URL: 'https://github.com',
    JWT_SECRET: 'x'.repeat(40),
    TOKEN_ENCRYPTION_KEYS: keys,
    AUTH_RATE_LIMIT_PER_MINUTE: 30,
  };
  return new TokenCipher(new AuthSettings(env as unknown as ApiEnv));
}

describe(TokenCipher.name, () => {
  const userA = randomUUID();
  const userB = randomUUID();
  const token = 'gho_' + 'a'.repeat(36);

  it('round-trips a token and never stores it in the clear', () => {
    const sut = cipherWith(`v1:${key()}`);
    const stored = sut.encrypt(token, userA);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain('gho_');
    expect(stored).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(sut.decrypt(stored, userA)).toBe(token);
  });

  it('uses a fresh IV every time, so equal tokens give different ciphertexts', () => {
    const sut = cipherWith(`v1:${key()}`);
    expect(sut.encrypt(token, userA)).not.toBe(sut.encrypt(token, userA));
  });

  it("refuses a ciphertext moved onto another user's row", () => {
    const sut = cipherWith(`v1:${key()}`);
    const stored = sut.encrypt(token, userA);
    expect(() => sut.decrypt(stored, userB)).toThrow(TokenDecryptionError);
  });

  it('refuses a tampered ciphertext', () => {
    const sut = cipherWith(`v1:${key()}`);
    const [v, iv, tag, ct] = sut.encrypt(token, userA).split(':') as [string, string, string, string];
    const flipped = Buffer.from(ct, 'base64');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => sut.decrypt([v, iv, tag, flipped.toString('base64')].join(':'), userA)).toThrow(
      TokenDecryptionError,
    );
  });

  it('decrypts rows written with an older key after rotation, and encrypts with the newest', () => {
    const k1 = key();
    const before = cipherWith(`v1:${k1}`).encrypt(token, userA);
    const after = cipherWith(`v1:${k1},v2:${key()}`);
    expect(after.decrypt(before, userA)).toBe(token);
    expect(after.needsRotation(before)).toBe(true);
    const rewritten = after.encrypt(token, userA);
    expect(rewritten.startsWith('v2:')).toBe(true);
    expect(after.needsRotation(rewritten)).toBe(false);
  });

  it('names the missing key version when a row was written with a key that is no longer configured', () => {
    const stored = cipherWith(`old:${key()}`).encrypt(token, userA);
    expect(() => cipherWith(`v2:${key()}`).decrypt(stored, userA)).toThrow(
      /key version "old" is not configured/,
    );
  });
});

describe(parseKeyRing.name, () => {
  it('makes the last entry the encrypting key', () => {
    const ring = parseKeyRing(`v1:${key()}, v2:${key()}`);
    expect([...ring.keys.keys()]).toEqual(['v1', 'v2']);
    expect(ring.current.version).toBe('v2');
  });

  it('rejects duplicate versions and keys that are not 32 bytes', () => {
    expect(() => parseKeyRing(`v1:${key()},v1:${key()}`)).toThrow(/appears twice/);
    expect(() => parseKeyRing(`v1:${randomBytes(16).toString('base64')}`)).toThrow(/32 bytes/);
  });
});
