import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureDatabase, makeOwnedTempDir, startPgCluster } from '@trackeep/embedded-pg';

// `npm run db:types [-- --verify]`: applies each server's migrations to a throwaway embedded Postgres and writes
// the Kysely table types generated from the resulting schema (or, with --verify, fails if they are out of date).
// The schema is the source of truth: migrations change it, this regenerates the types the code is checked against.

const root = resolve(__dirname, '..', '..', '..');
const SERVERS = [
  { name: 'trackeep-api', out: 'trackeep-api/src/database/db.types.ts' },
  { name: 'oauth-gateway', out: 'oauth-gateway/src/database/db.types.ts' },
];

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}, failure = ''): void {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, env: { ...process.env, ...env } });
  if (result.status !== 0)
    throw new Error(failure || `${args.at(-1) ?? command} exited with ${result.status}`);
}

async function main() {
  const verify = process.argv.includes('--verify');
  const dir = makeOwnedTempDir('trackeep-db-types');
  const cluster = await startPgCluster({ dataDir: join(dir, 'data'), ephemeral: true });
  try {
    for (const server of SERVERS) {
      const db = server.name.replace('-', '_');
      await ensureDatabase(cluster.adminUrl, db);
      const url = cluster.urlFor(db);
      const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
      run(
        process.execPath,
        [tsx, '--tsconfig', 'tsconfig.base.json', `${server.name}/src/database/migrate.ts`],
        {
          DATABASE_URL: url,
        },
      );
      const out = join(root, server.out);
      const codegen = join(root, 'node_modules', 'kysely-codegen', 'dist', 'cli', 'bin.js');
      const check = verify ? `${server.out} is out of date: run \`npm run db:types\` and commit it` : '';
      run(
        process.execPath,
        [
          codegen,
          '--dialect=postgres',
          `--url=${url}`,
          `--out-file=${out}`,
          // TypeORM owns the migrations table (pg-boss creates its own schema at run time, not by migration).
          '--exclude-pattern=migrations',
          '--log-level=warn',
          ...(verify ? ['--verify'] : []),
        ],
        {},
        check,
      );
    }
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  process.stderr.write(`db:types: ${err.message}\n`);
  process.exit(1);
});
