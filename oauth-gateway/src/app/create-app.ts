import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import { GracefulShutdown } from '@trackeep/server-core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import type { GatewayEnv } from '../config/gateway-env';
import { GatewayMetricsService } from '../metrics/gateway-metrics.service';
import { AppModule, type AppModuleOptions } from './app.module';
import { corsMiddleware } from './cors.middleware';

/** Builds the gateway exactly as main.ts runs it; tests call this too, so they exercise the real wiring. */
export async function createApp(env: GatewayEnv, options: AppModuleOptions = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(env, options), {
    bufferLogs: true,
    bodyParser: false,
    // Throw start-up errors (bad clients or keys file) to main.ts instead of aborting the process, and keep
    // Nest's buffered start-up lines (coloured, with a stack) unprinted when that happens: main.ts reports it.
    abortOnError: false,
    autoFlushLogs: false,
  });
  app.useLogger(app.get(PinoLogger));
  app.flushLogs();
  app.set('trust proxy', trustProxy(env.TRUST_PROXY));
  app.set('query parser', 'simple');
  app.disable('x-powered-by');
  // First, to see every request. SIGTERM: installGracefulShutdown in main.ts (not enableShutdownHooks).
  app.use(app.get(GracefulShutdown).middleware(), app.get(GatewayMetricsService).httpMiddleware);
  app.use(helmet({ referrerPolicy: { policy: 'no-referrer' } }));
  app.use(corsMiddleware(env.CORS_ALLOWED_ORIGINS));
  app.use(cookieParser());
  app.useBodyParser('urlencoded', { extended: false, limit: '16kb' });
  app.useBodyParser('json', { limit: '16kb' });
  logRetiredSettings(env);

  if (env.DB_MIGRATE_ON_START) {
    await app.get(DataSource).runMigrations({ transaction: 'each' });
  }
  return app;
}

function trustProxy(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** The seed's shared-secret design is gone; say so once instead of silently ignoring the old variables. */
function logRetiredSettings(env: GatewayEnv): void {
  const logger = new Logger('oauth-gateway');
  const secrets = (['OAUTH_JWT_SECRET', 'JWT_SECRET'] as const).filter((name) => env[name]);
  if (secrets.length) {
    logger.warn(
      `${secrets.join(' and ')} ${secrets.length > 1 ? 'are' : 'is'} set but no longer used: the gateway signs id_tokens with its own private keys (GATEWAY_SIGNING_KEYS_FILE) and instances verify them with the public JWKS, so no secret is shared with instances any more; remove ${secrets.length > 1 ? 'them' : 'it'}.`,
    );
  }
  if (env.DEFAULT_CLIENT_URL) {
    logger.warn(
      'DEFAULT_CLIENT_URL is set but no longer used: every instance is a registered client and must send one of its registered redirect_uris; remove it.',
    );
  }
}
