import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MigrationsHealthIndicator } from '@trackeep/server-core';
import { HealthController } from './health.controller';
import { JobQueueHealthIndicator } from './job-queue.health';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [MigrationsHealthIndicator, JobQueueHealthIndicator],
})
export class HealthModule {}
