import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { ensureDatabase, startPgCluster } from '@trackeep/embedded-pg';

// `npm run db:migrate [-- --revert]`: applies the API's migrations to DATABASE_URL, or, when it is unset,
// to the embedded database that `npm start` uses (started just for this and stopped again).

const root = resolve(__dirname, '..', '..', '..');

async function main() {
  let url = process.env['DATABASE_URL'];
  let stop: (() => Promise<void>) | null = null;
  if (!url) {
    const cluster = await startPgCluster({
      dataDir: join(process.env['TRACKEEP_STATE_DIR'] ?? join(root, '.trackeep'), 'pg'),
    });
    stop = () => cluster.stop();
    await ensureDatabase(cluster.adminUrl, 'trackeep');
    url = cluster.urlFor('trackeep');
    process.stdout.write(`db:migrate: DATABASE_URL is unset, using the embedded database (${url})\n`);
  }
  const result = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      '--tsconfig',
      join(root, 'tsconfig.base.json'),
      join(root, 'trackeep-api', 'src', 'database', 'migrate.ts'),
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit', env: { ...process.env, DATABASE_URL: url } },
  );
  await stop?.();
  process.exit(result.status ?? 1);
}

main().catch((err: Error) => {
  process.stderr.write(`db:migrate: ${err.message}\n`);
  process.exit(1);
});
