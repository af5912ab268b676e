import { Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AuthSettings } from './auth-settings';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class TokenDecryptionError extends Error {
  constructor(reason: string) {
    super(`cannot decrypt the stored GitHub token: ${reason}`);
  }
}

/**
 * AES-256-GCM for GitHub tokens at rest. The stored form is `<key version>:<iv>:<tag>:<ciphertext>` (base64),
 * so keys can rotate: the newest key encrypts, any configured key decrypts. The owning user's id is bound as
 * associated data, so a ciphertext copied onto another user's row does not decrypt.
 */
@Injectable()
export class TokenCipher {
  constructor(private readonly settings: AuthSettings) {}

  encrypt(plaintext: string, userId: string): string {
    const { version, key } = this.settings.currentTokenKey;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(userId));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      version,
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      ciphertext.toString('base64'),
    ].join(':');
  }

  decrypt(stored: string, userId: string): string {
    const parts = stored.split(':');
    if (parts.length !== 4) throw new TokenDecryptionError('unrecognised format');
    const [version, iv, tag, ciphertext] = parts as [string, string, string, string];
    const key = this.settings.tokenKeys.get(version);
    if (!key)
      throw new TokenDecryptionError(`key version "${version}" is not configured in TOKEN_ENCRYPTION_KEYS`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(associatedData(userId));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new TokenDecryptionError(
        "authentication failed (wrong key, tampered value, or another user's token)",
      );
    }
  }

  /** True when `stored` was written with an older key and should be re-encrypted with the current one. */
  needsRotation(stored: string): boolean {
    return stored.split(':', 1)[0] !== this.settings.currentTokenKey.version;
  }
}

function associatedData(userId: string): Buffer {
  return Buffer.from(`trackeep:github-token:user:${userId}`, 'utf8');
}
