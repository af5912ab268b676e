import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';

/** Ready only when every migration the code knows has been applied to the database. */
@Injectable()
export class MigrationsHealthIndicator {
  constructor(
    private readonly dataSource: DataSource,
    private readonly health: HealthIndicatorService,
  ) {}

  async isApplied(key = 'migrations') {
    const indicator = this.health.check(key);
    try {
      const pending = await this.dataSource.showMigrations();
      return pending ? indicator.down({ message: 'pending migrations' }) : indicator.up();
    } catch (err) {
      return indicator.down({ message: (err as Error).message });
    }
  }
}
