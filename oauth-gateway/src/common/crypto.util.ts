import {
  createCipheriv,
  createDecipheriv,
  createHash,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/** A URL-safe random string carrying `bytes` bytes of entropy (32 bytes = 256 bits = 43 characters). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Lower-case hex SHA-256; what the database stores instead of codes, tokens and states. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Compares two strings in time independent of where they differ (both are hashed to equal length first). */
export function constantTimeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}

/** RFC 7636 S256: BASE64URL(SHA256(ASCII(code_verifier))). */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

// The GitHub token waits between GitHub's callback and the instance's token request (at most the code's
// 60 s) sealed with a key derived from the authorization code, and the PKCE verifier for GitHub waits with
// the pending sign-in sealed with the browser's sign-in cookie. The database holds only hashes of those
// secrets, so a database reader cannot open either; only whoever holds the secret can.
const SEAL_INFO = 'trackeep-gateway sealed github token v1';

function sealKey(code: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(code, 'utf8'), Buffer.alloc(0), SEAL_INFO, 32));
}

export function sealWithCode(plaintext: string, code: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealKey(code), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
}

/** Opens what sealWithCode made; throws if the code is wrong or the ciphertext was altered. */
export function openWithCode(sealed: string, code: string): string {
  const [version, payload] = sealed.split('.');
  if (version !== 'v1' || !payload) throw new Error('unknown sealed format');
  const raw = Buffer.from(payload, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', sealKey(code), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}
