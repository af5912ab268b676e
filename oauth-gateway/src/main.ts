import 'reflect-metadata';
import { EnvValidationError, installGracefulShutdown } from '@trackeep/server-core';
import { createApp } from './app/create-app';
import { parseGatewayEnv, type GatewayEnv } from './config/gateway-env';

const APP = 'oauth-gateway';

function exitWithConfigProblems(err: EnvValidationError): never {
  process.stderr.write(`${APP}: cannot start, the configuration is invalid:\n`);
  for (const problem of err.problems) process.stderr.write(`${APP}: ${problem}\n`);
  process.exit(78);
}

async function bootstrap() {
  let env: GatewayEnv;
  try {
    env = parseGatewayEnv(process.env);
  } catch (err) {
    if (err instanceof EnvValidationError) exitWithConfigProblems(err);
    throw err;
  }
  const app = await createApp(env);
  await app.listen(env.PORT, env.HOST);
  installGracefulShutdown(app, { timeoutMs: env.SHUTDOWN_TIMEOUT_MS });
}

bootstrap().catch((err: Error) => {
  // Problems found while loading the clients or keys files are configuration errors too.
  if (err instanceof EnvValidationError) exitWithConfigProblems(err);
  process.stderr.write(`${APP}: failed to start: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
