import { EncryptJWT, jwtDecrypt } from 'jose';
import { hkdfSync } from 'node:crypto';

// The sign-in transaction cookie carries the PKCE verifier, state and nonce between /auth/login and the callback.
// It is encrypted, not only signed (JWE, direct AES-256-GCM): the verifier and nonce are secrets of this sign-in,
// and a signed JWT would show them to anything that can read the browser's cookies or a proxy's logs. GCM also
// authenticates it, so a tampered or foreign cookie fails to open. The key is derived from JWT_SECRET (HKDF) so no
// new secret is needed, and is distinct from the key that signs sessions.

const AUDIENCE = 'trackeep-login';
const KEY_INFO = 'trackeep login transaction cookie, A256GCM';

export class LoginTransactionCipher {
  private readonly key: Uint8Array;

  constructor(jwtSecret: string) {
    this.key = new Uint8Array(hkdfSync('sha256', jwtSecret, Buffer.alloc(0), KEY_INFO, 32));
  }

  seal(claims: Record<string, string>, ttlSeconds: number): Promise<string> {
    return new EncryptJWT(claims)
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .encrypt(this.key);
  }

  /** The claims, or a rejection for anything expired, tampered with, or not made by this key. */
  async open(cookie: string): Promise<Record<string, unknown>> {
    const { payload } = await jwtDecrypt(cookie, this.key, {
      audience: AUDIENCE,
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    return payload;
  }
}
