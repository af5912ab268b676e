import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { GracefulShutdownModule, createLoggerModule } from '@trackeep/server-core';
import { MetricsModule } from '../metrics/metrics.module';
import { ApiConfigModule } from '../config/api-config.module';
import { ApiEnv } from '../config/api-env';
import { apiDataSourceOptions } from '../database/data-source';
import { DatabaseModule } from '../database/database.module';
import { HealthModule } from '../health/health.module';
import { AuthModule } from '../auth/auth.module';
import { CommonModule } from '../common/common.module';
import { GithubModule } from '../github/github.module';
import { ReposModule } from '../repos/repos.module';
import { EventsModule } from '../events/events.module';
import { JobQueueModule } from '../jobs/job-queue.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { InstallationsModule } from '../installations/installations.module';
import { SyncModule } from '../sync/sync.module';
import { TeamsModule } from '../teams/teams.module';
import { InsightsModule } from '../insights/insights.module';

export interface AppModuleOptions {
  /** Where request logs go; tests pass a stream to read them. */
  logStream?: NodeJS.WritableStream;
}

@Module({})
export class AppModule {
  static forRoot(env: ApiEnv, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ApiConfigModule.forRoot(env),
        createLoggerModule({
          app: 'trackeep-api',
          level: env.LOG_LEVEL,
          pretty: env.LOG_PRETTY,
          stream: options.logStream,
        }),
        TypeOrmModule.forRoot({
          ...apiDataSourceOptions(env.DATABASE_URL, env.DB_POOL_SIZE),
          autoLoadEntities: true,
        }),
        DatabaseModule,
        HealthModule,
        CommonModule,
        AuthModule,
        GithubModule,
        ReposModule,
        JobQueueModule,
        EventsModule,
        InstallationsModule,
        WebhooksModule,
        SyncModule,
        TeamsModule,
        InsightsModule,
        MetricsModule,
        GracefulShutdownModule,
      ],
    };
  }
}
