import { runKeysCommand } from './gateway-keys';

// The runnable command: `npm run gateway:keys -- …` in a checkout, `node cli/gateway-keys.js …` in the gateway image.
void runKeysCommand(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`gateway:keys: ${(err as Error).message}\n`);
    process.exitCode = 70;
  },
);
