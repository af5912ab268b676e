import { Injectable, Logger } from '@nestjs/common';
import { verify } from '@octokit/webhooks-methods';
import { GithubSettings } from '../github/github-settings';
import { ApiEnv } from '../config/api-env';
import { WebhookRegistrationRepository } from './webhook-registration.repository';
import { WebhookSecretCipher } from './webhook-secret.cipher';
import type { SignedWith } from './webhook.constants';

/** Which secret a delivery was signed with; for a repo hook, which repository that hook belongs to. */
export interface VerifiedSignature {
  signedWith: SignedWith;
  /** The registration's repository (our id and GitHub's), when a per-repo secret matched. */
  hookRepo: { id: string; githubId: number } | null;
}

interface HookSecrets {
  repoId: string;
  repoGithubId: number;
  secrets: Array<{ secret: string; kind: 'hook' | 'hook_previous' }>;
  expiresAt: number;
}

const SIGNATURE_FORMAT = /^sha256=[0-9a-fA-F]{64}$/;
const CACHE_TTL_MS = 60_000;
const CACHE_MAX = 10_000;

/**
 * Verifies X-Hub-Signature-256 (HMAC-SHA256 over the raw body, compared in constant time by
 * @octokit/webhooks-methods) against every secret that may have signed it: the hook's own secret and the one
 * being rotated out (found by X-GitHub-Hook-ID, or by the payload's repository for the ping GitHub sends
 * before we know the new hook's id), then the optional global WEBHOOK_SECRET and WEBHOOK_SECRET_PREVIOUS, then
 * the GitHub App's GITHUB_APP_WEBHOOK_SECRET.
 */
@Injectable()
export class WebhookSignatureService {
  private readonly logger = new Logger(WebhookSignatureService.name);
  private readonly cache = new Map<string, HookSecrets>();

  constructor(
    private readonly env: ApiEnv,
    private readonly github: GithubSettings,
    private readonly registrations: WebhookRegistrationRepository,
    private readonly cipher: WebhookSecretCipher,
  ) {}

  /** True when the header has the only shape a valid signature can have (checked before any HMAC work). */
  static isWellFormed(signature: string): boolean {
    return SIGNATURE_FORMAT.test(signature);
  }

  /**
   * The secret that signed `body`, or null. `payloadRepoGithubId` is read lazily (it needs the untrusted
   * body parsed) and only when the hook id is unknown. `fresh` reads the hook's secrets from the database
   * instead of this replica's cache (a replay must verify against the secrets valid now, not a minute ago).
   */
  async verify(
    body: string,
    signature: string,
    hookId: number | null,
    payloadRepoGithubId: () => number | null,
    options: { fresh?: boolean } = {},
  ): Promise<VerifiedSignature | null> {
    if (!WebhookSignatureService.isWellFormed(signature)) return null;
    const normalized = `sha256=${signature.slice(7).toLowerCase()}`;

    // A cached entry may predate a rotation done on another replica: on a miss, read the secrets again.
    for (const fresh of options.fresh ? [true] : [false, true]) {
      let hook = hookId !== null ? await this.secretsFor(`h:${hookId}`, { hookId }, fresh) : null;
      if (!hook) {
        const repoGithubId = payloadRepoGithubId();
        if (repoGithubId !== null) hook = await this.secretsFor(`r:${repoGithubId}`, { repoGithubId }, fresh);
      }
      if (!hook) break;
      for (const { secret, kind } of hook.secrets) {
        if (await verify(secret, body, normalized))
          return { signedWith: kind, hookRepo: { id: hook.repoId, githubId: hook.repoGithubId } };
      }
      if (!hook.fromCache) break;
    }
    if (this.env.WEBHOOK_SECRET && (await verify(this.env.WEBHOOK_SECRET, body, normalized)))
      return { signedWith: 'global', hookRepo: null };
    if (
      this.env.WEBHOOK_SECRET_PREVIOUS &&
      (await verify(this.env.WEBHOOK_SECRET_PREVIOUS, body, normalized))
    ) {
      return { signedWith: 'global_previous', hookRepo: null };
    }
    // The GitHub App's webhook: installation events and the events of every repository it is installed on.
    if (
      this.env.GITHUB_APP_WEBHOOK_SECRET &&
      (await verify(this.env.GITHUB_APP_WEBHOOK_SECRET, body, normalized))
    )
      return { signedWith: 'app', hookRepo: null };
    return null;
  }

  private async secretsFor(
    key: string,
    hook: { hookId: number } | { repoGithubId: number },
    fresh: boolean,
  ): Promise<(HookSecrets & { fromCache: boolean }) | null> {
    const cached = this.cache.get(key);
    if (!fresh && cached && cached.expiresAt > Date.now()) return { ...cached, fromCache: true };
    const row = await this.registrations.secretsOf(this.github.host, hook);
    if (!row) return null; // unknown hooks are not cached: a hook registered a moment ago must verify at once
    const secrets: HookSecrets['secrets'] = [];
    const current = row.secret_enc ? this.cipher.decrypt(row.secret_enc, row.repo_id) : null;
    if (current) secrets.push({ secret: current, kind: 'hook' });
    else
      this.logger.warn(
        `webhook secret of repository ${row.repo_id} cannot be decrypted (TOKEN_ENCRYPTION_KEYS changed?)`,
      );
    if (
      row.previous_secret_enc &&
      (!row.previous_secret_until || row.previous_secret_until.getTime() > Date.now())
    ) {
      const previous = this.cipher.decrypt(row.previous_secret_enc, row.repo_id);
      if (previous) secrets.push({ secret: previous, kind: 'hook_previous' });
    }
    const entry: HookSecrets = {
      repoId: row.repo_id,
      repoGithubId: Number(row.github_id),
      secrets,
      expiresAt: Date.now() + CACHE_TTL_MS,
    };
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(key, entry);
    return { ...entry, fromCache: false };
  }
}
