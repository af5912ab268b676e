import { ValidationPipe, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import { GracefulShutdown } from '@trackeep/server-core';
import { Logger } from 'nestjs-pino';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { helmetOptions } from '../common/security-headers';
import type { ApiEnv } from '../config/api-env';
import { corsOptions } from '../common/cors';
import { setupOpenApi } from '../common/openapi';
import { mountWebhookIntake } from '../webhooks/webhook-intake.middleware';
import { MetricsService } from '../metrics/metrics.service';
import { AppModule, type AppModuleOptions } from './app.module';

/** Builds the API exactly as main.ts runs it; tests call this too, so they exercise the real wiring. */
export async function createApp(env: ApiEnv, options: AppModuleOptions = {}): Promise<INestApplication> {
  // A module that fails to start is thrown to main.ts (one JSON line, no stack), not aborted; Nest's buffered
  // start-up lines (coloured, with a stack) stay unprinted then.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(env, options), {
    bufferLogs: true,
    abortOnError: false,
    autoFlushLogs: false,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  app.set('trust proxy', env.TRUSTED_PROXIES.length ? env.TRUSTED_PROXIES : false); // X-Forwarded-For only from these
  // First, to see every request. SIGTERM: installGracefulShutdown in main.ts (not enableShutdownHooks).
  app.use(app.get(GracefulShutdown).middleware(), app.get(MetricsService).httpMiddleware);
  mountWebhookIntake(app); // POST /api/v1/webhooks/github: in front of Express (raw body, no helmet or parser)
  app.use(helmet(helmetOptions(env)));
  app.use(cookieParser());
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.setGlobalPrefix('api/v1', { exclude: ['healthz', 'readyz', 'metrics'] });
  app.enableCors(corsOptions(env));
  setupOpenApi(app, env);

  if (env.DB_MIGRATE_ON_START) {
    await app.get(DataSource).runMigrations({ transaction: 'each' });
  }
  if (env.WEB_DIST_DIR) serveWebApp(app, resolve(env.WEB_DIST_DIR));
  return app;
}

/** Serves the built Angular app at `/`, falling back to index.html for client-side routes. */
function serveWebApp(app: NestExpressApplication, dir: string): void {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) return;
  app.useStaticAssets(dir, { index: false, maxAge: '1h', immutable: false });
  const http = app.getHttpAdapter().getInstance();
  http.get(
    /^\/(?!api\/|healthz|readyz|metrics).*/,
    (
      req: { path: string },
      res: { sendFile(p: string): void; setHeader(k: string, v: string): void },
      next: () => void,
    ) => {
      if (/\.[a-z0-9]+$/i.test(req.path)) return next();
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(index);
    },
  );
}
