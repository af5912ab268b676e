import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import PgBoss from 'pg-boss';

/** Ready only when this process's pg-boss can reach its schema (sync and webhook processing depend on it). */
@Injectable()
export class JobQueueHealthIndicator {
  constructor(
    @Inject(PgBoss) private readonly boss: PgBoss,
    private readonly health: HealthIndicatorService,
  ) {}

  async isUp(key = 'jobQueue') {
    const indicator = this.health.check(key);
    try {
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('timed out after 2000 ms')), 2000).unref(),
      );
      const installed = await Promise.race([this.boss.isInstalled(), timeout]);
      return installed ? indicator.up() : indicator.down({ message: 'pg-boss schema is not installed' });
    } catch (err) {
      return indicator.down({ message: (err as Error).message });
    }
  }
}
