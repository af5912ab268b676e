import { Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AuthSettings } from '../auth/auth-settings';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM for per-repository webhook secrets at rest, with the TOKEN_ENCRYPTION_KEYS key ring (newest
 * key encrypts, any decrypts). Stored as `<key version>:<iv>:<tag>:<ciphertext>`; the repository id is bound
 * as associated data so a secret copied onto another repository's row does not decrypt.
 */
@Injectable()
export class WebhookSecretCipher {
  constructor(private readonly settings: AuthSettings) {}

  /** A fresh random secret for a new hook (256 bits, hex as GitHub's UI would accept). */
  static generateSecret(): string {
    return randomBytes(32).toString('hex');
  }

  encrypt(secret: string, repoId: string): string {
    const { version, key } = this.settings.currentTokenKey;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(repoId));
    const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return [
      version,
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      ciphertext.toString('base64'),
    ].join(':');
  }

  /** The secret, or null when it cannot be decrypted (unknown key version, tampered value, wrong repo). */
  decrypt(stored: string, repoId: string): string | null {
    const parts = stored.split(':');
    if (parts.length !== 4) return null;
    const [version, iv, tag, ciphertext] = parts as [string, string, string, string];
    const key = this.settings.tokenKeys.get(version);
    if (!key) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(associatedData(repoId));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      return null;
    }
  }
}

function associatedData(repoId: string): Buffer {
  return Buffer.from(`trackeep:webhook-secret:repo:${repoId}`, 'utf8');
}
