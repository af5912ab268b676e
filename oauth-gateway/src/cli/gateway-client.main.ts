import { runClientCommand } from './gateway-client';

// The runnable command: `npm run gateway:client -- …` in a checkout, `node cli/gateway-client.js …` in the gateway image.
try {
  process.exitCode = runClientCommand(process.argv.slice(2), {
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
} catch (err) {
  process.stderr.write(`gateway:client: ${(err as Error).message}\n`);
  process.exitCode = 70;
}
