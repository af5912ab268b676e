import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { exitOnStartupFailure, installGracefulShutdown, parseEnvOrExit } from '@trackeep/server-core';
import { ApiEnv } from './config/api-env';

async function bootstrap() {
  const env = parseEnvOrExit(ApiEnv, process.env, 'trackeep-api');
  // Load the application only once the configuration is known to be good: a bad variable is reported
  // before any module (or its dependencies) is even loaded.
  const { createApp } = await import('./app/create-app');
  const app = await createApp(env);
  await app.listen(env.PORT, env.HOST);
  installGracefulShutdown(app, { timeoutMs: env.SHUTDOWN_TIMEOUT_MS });
  // pg-boss does not await complete()/fail() after a job handler: a database outage at that instant must be
  // logged, not take the whole replica down (the job is retried once its lease expires).
  process.on('unhandledRejection', (reason) => {
    new Logger('Process').error(
      `unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`,
    );
  });
}

// One JSON line and the plain "cannot start" line, never a stack.
bootstrap().catch((err: unknown) => exitOnStartupFailure('trackeep-api', err));
