import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { MigrationsHealthIndicator } from '@trackeep/server-core';
import { Public } from '../auth/public.decorator';
import { JobQueueHealthIndicator } from './job-queue.health';

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly migrations: MigrationsHealthIndicator,
    private readonly jobQueue: JobQueueHealthIndicator,
  ) {}

  /** Liveness: the process answers. Never touches dependencies, so a slow database cannot get us killed. */
  @Get('healthz')
  live() {
    return { status: 'ok' };
  }

  /** Readiness: database reachable, every migration applied, job queue usable. */
  @Get('readyz')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.db.pingCheck('database', { timeout: 2000 }),
      () => this.migrations.isApplied(),
      () => this.jobQueue.isUp(),
    ]);
  }
}
