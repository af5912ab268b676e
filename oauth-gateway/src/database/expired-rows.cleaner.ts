import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Sql } from './sql.service';

const EVERY_MS = 10 * 60 * 1000;

/**
 * Deletes sign-in state nobody can use any more. Idempotent, so every replica may run it. Used codes are kept
 * a day so a late replay is still recognised as a replay (and revokes what the code produced).
 */
@Injectable()
export class ExpiredRowsCleaner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ExpiredRowsCleaner.name);
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly sql: Sql) {}

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
      this.sql.rows(
        `DELETE FROM pending_authorizations WHERE expires_at < now() - interval '1 hour' RETURNING 1`,
      ),
      this.sql.rows(
        `DELETE FROM authorization_codes WHERE expires_at < now() - interval '1 day' RETURNING 1`,
      ),
      this.sql.rows(`DELETE FROM access_tokens WHERE expires_at < now() - interval '1 day' RETURNING 1`),
    ]);
    return deleted.reduce((n, rows) => n + rows.length, 0);
  }
}
