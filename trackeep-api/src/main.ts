import 'reflect-metadata';
import { installGracefulShutdown, parseEnvOrExit } from '@trackeep/server-core';
import { createApp } from './app/create-app';
import { ApiEnv } from './config/api-env';

async function bootstrap() {
  const env = parseEnvOrExit(ApiEnv, process.env, 'trackeep-api');
  const app = await createApp(env);
  await app.listen(env.PORT, env.HOST);
  installGracefulShutdown(app, { timeoutMs: env.SHUTDOWN_TIMEOUT_MS });
}

bootstrap().catch((err: Error) => {
  process.stderr.write(`trackeep-api: failed to start: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
