import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { LogFiles } from './log-files';
import { startStack, type Stack, type SupervisionEvent } from './stack';

// `npm start`: the whole system with zero configuration. Logs go to .trackeep/logs/<process>.log (0600) so the
// terminal shows one clear block; LOG_TO_CONSOLE=true streams them instead. A server process that dies is
// restarted with back-off, and the terminal says so in one line.
// Run with `node --import tsx` (as package.json does), not the tsx CLI: that one SIGKILLs its child when the child
// does not confirm a Ctrl-C within about 60 ms, which a busy machine misses, and the servers would be left running.

const root = resolve(__dirname, '..', '..', '..');
const stateDir = resolve(process.env['TRACKEEP_STATE_DIR'] ?? join(root, '.trackeep'));
const toConsole = process.env['LOG_TO_CONSOLE'] === 'true';
const port = (name: string, fallback: number) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    process.stderr.write(
      `npm start: ${name}: expected a port number 1-65535; found ${JSON.stringify(raw)}\n`,
    );
    process.exit(78);
  }
  return value;
};

const realGithub = Boolean(process.env['GITHUB_CLIENT_ID'] && process.env['GITHUB_CLIENT_SECRET']);

const logs = new LogFiles(join(stateDir, 'logs'));

function describeSupervision(event: SupervisionEvent): string {
  const at = new Date().toTimeString().slice(0, 8);
  if (event.type === 'restarted') return `[${at}] ${event.name} restarted and ready again`;
  const how = event.signal ? `was killed by ${event.signal}` : `exited with code ${event.code}`;
  const log = toConsole ? 'its log is above' : `log: ${logs.pathOf(event.name)}`;
  if (event.type === 'not-restarted')
    return `[${at}] ${event.name} ${how} (a configuration error); not restarting it; ${log}`;
  return `[${at}] ${event.name} ${how}; restarting it in ${Math.round(event.restartInMs / 1000)} s; ${log}`;
}

async function main() {
  mkdirSync(join(stateDir, 'logs'), { recursive: true });
  process.stdout.write(
    'Starting Trackeep (Postgres, GitHub' + (realGithub ? '' : ' simulator') + ', gateway, API)...\n',
  );
  let starting: Promise<Stack> | null = null;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping Trackeep...\n`);
    const force = setTimeout(() => process.exit(1), 10_000);
    // A Ctrl-C during start-up still stops whatever has started (no orphan postmaster).
    await starting?.then((s) => s.stop()).catch(() => undefined);
    clearTimeout(force);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  // The servers run in their own process groups (see stack.ts), so a closed terminal must stop them from here.
  process.on('SIGHUP', () => void shutdown('SIGHUP'));

  starting = startStack({
    rootDir: root,
    stateDir,
    databaseUrl: process.env['DATABASE_URL'] || undefined,
    ports: {
      api: port('PORT', 3000),
      gateway: port('GATEWAY_PORT', 3100),
      sim: port('GITHUB_SIM_PORT', 3200),
      postgres: port('EMBEDDED_PG_PORT', 5433),
    },
    // The simulated GitHub keeps its world (users, tokens, hooks) across restarts, as the database does.
    sim: realGithub
      ? false
      : {
          preset: 'demo',
          live: process.env['GITHUB_SIM_LIVE'] !== 'false',
          worldFile: join(stateDir, 'github-sim', 'world.json'),
        },
    onLog: (source, line) => {
      if (toConsole) process.stdout.write(`[${source}] ${line}\n`);
      else logs.append(source, line);
    },
    supervise: { onEvent: (event) => process.stdout.write(`${describeSupervision(event)}\n`) },
  });
  const stack = await starting;
  if (stopping) return;

  const lines = [
    '',
    '  Trackeep is running' + (realGithub ? '' : ' in DEMO MODE (simulated GitHub, generated secrets)'),
    '',
    `  Open the dashboard:  ${stack.apiUrl}/`,
    '',
    `  API                  ${stack.apiUrl}/api/v1   (docs: ${stack.apiUrl}/api/docs)`,
    `  OAuth gateway        ${stack.gatewayUrl}`,
    realGithub
      ? `  GitHub               ${process.env['GITHUB_WEB_URL'] ?? 'https://github.com'}`
      : `  GitHub simulator     ${stack.simUrl}  (sign in as any listed user)`,
    `  PostgreSQL           ${process.env['DATABASE_URL'] ? 'DATABASE_URL' : `embedded, data in ${join(stateDir, 'pg')}`}`,
    `  Logs                 ${toConsole ? 'this terminal' : join(stateDir, 'logs')}`,
    '',
    '  Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((err: Error) => {
  process.stderr.write(`npm start: ${err.message}\n`);
  process.exit(1);
});
