import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AccessTokenRepository } from '../token/access-token.repository';
import { AuthorizationCodeRepository } from '../token/authorization-code.repository';
import { GithubRefreshTokenRepository } from '../token/github-refresh-token.repository';
import { PendingAuthorizationRepository } from './pending-authorization.repository';

const EVERY_MS = 10 * 60 * 1000;

/**
 * Deletes sign-in state nobody can use any more. Idempotent, so every replica may run it. Used codes are kept
 * a day so a late replay is still recognised as a replay (and revokes what the code produced).
 */
@Injectable()
export class ExpiredRowsCleaner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ExpiredRowsCleaner.name);
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pending: PendingAuthorizationRepository,
    private readonly codes: AuthorizationCodeRepository,
    private readonly tokens: AccessTokenRepository,
    private readonly refreshTokens: GithubRefreshTokenRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(
      () => void this.run().catch((err: Error) => this.logger.warn(`cleanup failed: ${err.message}`)),
      EVERY_MS,
    );
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async run(): Promise<number> {
    const deleted = await Promise.all([
      this.pending.deleteExpired(),
      this.codes.deleteExpired(),
      this.tokens.deleteExpired(),
      this.refreshTokens.deleteExpired(),
    ]);
    return deleted.reduce((sum, n) => sum + n, 0);
  }
}
