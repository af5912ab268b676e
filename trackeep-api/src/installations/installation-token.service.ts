import { Injectable, Logger } from '@nestjs/common';
import { TokenCipher, TokenDecryptionError } from '../auth/token-cipher.service';
import { GithubSettings } from '../github/github-settings';
import {
  createAppOctokit,
  githubMessage,
  isRateLimited,
  statusOf,
  type GithubAppOctokit,
} from './github-app-client';
import { GithubAppSettings } from './github-app-settings';
import { InstallationsRepository } from './installations.repository';

/** A token expiring sooner than this is replaced before it is handed out. */
export const INSTALLATION_TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

/** How GitHub refused an installation token: the installation is marked so, and shown. */
export type InstallationRefusal = 'suspended' | 'removed' | 'app_credentials' | 'forbidden';

/** GitHub refused to create a token for the installation (401, 403, 404); it has been marked. */
export class InstallationUnavailableError extends Error {
  constructor(
    readonly installationId: number,
    readonly refusal: InstallationRefusal,
    message: string,
  ) {
    super(message);
  }
}

type Issued =
  { kind: 'token'; token: string; expiresAt: Date } | { kind: 'refused'; status: number; message: string };

/**
 * Installation access tokens: created with @octokit/auth-app, cached per installation in PostgreSQL encrypted
 * with the token cipher, and replaced INSTALLATION_TOKEN_REFRESH_MARGIN_MS before they expire. Creation runs
 * under the installation's advisory lock and re-reads the stored token after taking it, so however many
 * replicas ask at once, GitHub is asked once. Within a process, concurrent callers share one attempt and a
 * fresh token is kept in memory.
 */
@Injectable()
export class InstallationTokenService {
  private readonly logger = new Logger(InstallationTokenService.name);
  private readonly inFlight = new Map<number, Promise<{ token: string; expiresAt: Date }>>();
  private readonly known = new Map<number, { token: string; expiresAt: Date }>();
  private appClient: GithubAppOctokit | null = null;

  constructor(
    private readonly settings: GithubAppSettings,
    private readonly github: GithubSettings,
    private readonly installations: InstallationsRepository,
    private readonly cipher: TokenCipher,
  ) {}

  /** Whether App mode is configured. */
  get enabled(): boolean {
    return this.settings.app !== null;
  }

  /** The App's JWT client (null when App mode is off). */
  app(): GithubAppOctokit | null {
    const app = this.settings.app;
    if (!app) return null;
    this.appClient ??= createAppOctokit(app, this.github.apiUrl, this.github.requestTimeoutMs);
    return this.appClient;
  }

  /**
   * A usable token for the installation. Throws InstallationUnavailableError when GitHub refuses (the
   * installation is marked suspended, removed or refused first); other failures (5xx, timeouts) are thrown as
   * they are and change nothing.
   */
  async token(installationId: number): Promise<{ token: string; expiresAt: Date }> {
    const cached = this.known.get(installationId);
    if (cached && !expiresSoon(cached.expiresAt)) return cached;
    const running = this.inFlight.get(installationId);
    if (running) return running;
    const attempt = this.fetch(installationId).finally(() => this.inFlight.delete(installationId));
    this.inFlight.set(installationId, attempt);
    return attempt;
  }

  /**
   * GitHub rejected the token in use (401): forget it here and in the shared cache, so the next call makes one.
   * `token`: the rejected one, when known (a token another replica made meanwhile is then kept).
   */
  async rejected(installationId: number, token?: string): Promise<void> {
    const known = this.known.get(installationId);
    if (known && (token === undefined || known.token === token)) this.known.delete(installationId);
    await this.installations.withTokenLock(this.github.host, installationId, async (stored, tx) => {
      if (stored && (token === undefined || this.open(stored.tokenEnc, installationId) === token))
        await this.installations.deleteToken(this.github.host, installationId, tx);
    });
  }

  /** Drops what this process holds (uninstalled or suspended). */
  forget(installationId: number): void {
    this.known.delete(installationId);
  }

  private async fetch(installationId: number): Promise<{ token: string; expiresAt: Date }> {
    const client = this.app();
    if (!client) throw new Error('GitHub App mode is not configured (GITHUB_APP_ID)');
    const host = this.github.host;
    const issued = await this.installations.withTokenLock(
      host,
      installationId,
      async (stored, tx): Promise<Issued> => {
        if (stored && !expiresSoon(stored.expiresAt)) {
          const token = this.open(stored.tokenEnc, installationId);
          if (token !== null) return { kind: 'token', token, expiresAt: stored.expiresAt };
        }
        let created: { token: string; expiresAt: string };
        try {
          created = (await client.auth({ type: 'installation', installationId, refresh: true })) as {
            token: string;
            expiresAt: string;
          };
        } catch (err) {
          const status = statusOf(err);
          // A rate limit (403 or 429) says nothing about the installation: thrown as it is, retried later.
          if ((status === 401 || status === 403 || status === 404) && !isRateLimited(err))
            return { kind: 'refused', status, message: githubMessage(err) };
          throw err;
        }
        const expiresAt = new Date(created.expiresAt);
        await this.installations.storeToken(tx, host, installationId, {
          tokenEnc: this.cipher.encrypt(created.token, subject(installationId)),
          expiresAt,
        });
        this.logger.log(
          `installation ${installationId}: access token created (expires ${expiresAt.toISOString()})`,
        );
        return { kind: 'token', token: created.token, expiresAt };
      },
    );
    if (issued.kind === 'refused') throw await this.refused(installationId, issued.status, issued.message);
    this.known.set(installationId, { token: issued.token, expiresAt: issued.expiresAt });
    await this.installations.setAccessError(host, installationId, null);
    return { token: issued.token, expiresAt: issued.expiresAt };
  }

  /** Marks the installation as GitHub's refusal says, at once, so it is shown rather than silently failing. */
  private async refused(
    installationId: number,
    status: number,
    message: string,
  ): Promise<InstallationUnavailableError> {
    const host = this.github.host;
    this.known.delete(installationId);
    let refusal: InstallationRefusal;
    let reason: string;
    if (status === 404) {
      refusal = 'removed';
      reason = `GitHub no longer knows this installation (404: ${message}); the App was uninstalled`;
      await this.installations.markRemoved(host, installationId, reason);
    } else if (status === 403 && /suspend/i.test(message)) {
      refusal = 'suspended';
      reason = `GitHub refused a token: ${message} (403)`;
      await this.installations.setSuspended(host, installationId, new Date(), reason);
    } else if (status === 401) {
      refusal = 'app_credentials';
      reason = `GitHub refused the App's credentials (401: ${message}); check GITHUB_APP_ID and the private key`;
      await this.installations.setAccessError(host, installationId, reason);
    } else {
      refusal = 'forbidden';
      reason = `GitHub refused a token (403: ${message})`;
      await this.installations.setAccessError(host, installationId, reason);
    }
    this.logger.warn(`installation ${installationId}: ${reason}`);
    return new InstallationUnavailableError(installationId, refusal, reason);
  }

  private open(sealed: string, installationId: number): string | null {
    try {
      return this.cipher.decrypt(sealed, subject(installationId));
    } catch (err) {
      if (!(err instanceof TokenDecryptionError)) throw err;
      this.logger.warn(
        `installation ${installationId}: stored token cannot be decrypted; creating a new one`,
      );
      return null;
    }
  }
}

function expiresSoon(expiresAt: Date): boolean {
  return expiresAt.getTime() - Date.now() < INSTALLATION_TOKEN_REFRESH_MARGIN_MS;
}

/** Bound into the ciphertext, so a token copied onto another installation's row does not decrypt. */
function subject(installationId: number): string {
  return `installation:${installationId}`;
}
