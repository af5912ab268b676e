import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseUnavailableFilter, GracefulShutdownModule, createLoggerModule } from '@trackeep/server-core';
import { MetricsModule } from '../metrics/metrics.module';
import { AuthorizeModule } from '../authorize/authorize.module';
import { GatewayConfigModule } from '../config/gateway-config.module';
import { GatewayEnv } from '../config/gateway-env';
import { gatewayDataSourceOptions } from '../database/data-source';
import { DatabaseModule } from '../database/database.module';
import { DiscoveryModule } from '../discovery/discovery.module';
import { HealthModule } from '../health/health.module';
import { TokenModule } from '../token/token.module';
import { UserModule } from '../user/user.module';

export interface AppModuleOptions {
  /** Where logs go; tests pass a stream to read them. */
  logStream?: NodeJS.WritableStream;
}

@Module({})
export class AppModule {
  static forRoot(env: GatewayEnv, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      // A database outage is a 503 with Retry-After, not a 500.
      providers: [{ provide: APP_FILTER, useClass: DatabaseUnavailableFilter }],
      imports: [
        GatewayConfigModule.forRoot(env),
        createLoggerModule({
          app: 'oauth-gateway',
          level: env.LOG_LEVEL,
          pretty: env.LOG_PRETTY,
          stream: options.logStream,
        }),
        TypeOrmModule.forRoot({ ...gatewayDataSourceOptions(env.DATABASE_URL, env.DB_POOL_SIZE) }),
        // Per replica, in memory: a burst limiter, not a quota. Applied (ThrottlerGuard) on authorize,
        // callback, token and revoke only.
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'default', ttl: 60_000, limit: env.GATEWAY_RATE_LIMIT_PER_MINUTE }],
        }),
        DatabaseModule,
        HealthModule,
        AuthorizeModule,
        TokenModule,
        DiscoveryModule,
        UserModule,
        MetricsModule,
        GracefulShutdownModule,
      ],
    };
  }
}
