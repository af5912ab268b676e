import 'reflect-metadata';
import { exitOnStartupFailure, installGracefulShutdown } from '@trackeep/server-core';
import { createApp } from './app/create-app';
import { parseGatewayEnv } from './config/gateway-env';

const APP = 'oauth-gateway';

async function bootstrap() {
  const env = parseGatewayEnv(process.env);
  const app = await createApp(env);
  await app.listen(env.PORT, env.HOST);
  installGracefulShutdown(app, { timeoutMs: env.SHUTDOWN_TIMEOUT_MS });
}

// One JSON line and the plain "cannot start" lines, never a stack; problems found while loading the clients
// or keys files are configuration errors like a bad variable (exit 78).
bootstrap().catch((err: unknown) => exitOnStartupFailure(APP, err));
