import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import PgBoss from 'pg-boss';
import { startTestPostgres, stopTestPostgres, testAdminUrl } from '@trackeep/testing';
import { DOCKER_DIR } from './support/kustomize';

// The role and database set-up docker/README.md gives operators, run as written on a real PostgreSQL: the
// migrate roles can apply every migration through the real entry points, and the servers' roles can do their
// work (rows, the job queue) but cannot change the schema.

const ROOT = join(DOCKER_DIR, '..');
const readme = readFileSync(join(DOCKER_DIR, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## PostgreSQL: databases and roles'));
const sql = /```sql\n([\s\S]*?)```/.exec(section)?.[1] ?? '';

function urlFor(user: string, database: string): string {
  const url = new URL(testAdminUrl());
  url.username = user;
  url.password = 'change-me';
  url.pathname = `/${database}`;
  return url.toString();
}

async function run(url: string, text: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

function migrate(project: 'trackeep-api' | 'oauth-gateway', databaseUrl: string) {
  return spawnSync(
    join(ROOT, 'node_modules', '.bin', 'tsx'),
    ['--tsconfig', join(ROOT, 'tsconfig.base.json'), join(ROOT, project, 'src/database/migrate.ts')],
    { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', DATABASE_URL: databaseUrl } },
  );
}

async function tablePrivileges(url: string, user: string): Promise<{ table: string; ok: boolean }[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ table: string; ok: boolean }>(
      `SELECT tablename AS table,
              has_table_privilege($1, format('public.%I', tablename), 'SELECT, INSERT, UPDATE, DELETE') AS ok
         FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
      [user],
    );
    return rows;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL roles and databases (docker/README.md)', () => {
  beforeAll(async () => {
    await startTestPostgres({});
    // Split at psql's \connect, run each part in the database it names (as the admin, like the operator).
    let database = 'postgres';
    for (const part of sql.split(/^\\connect (\S+)\n/m)) {
      if (/^\w+$/.test(part)) {
        database = part;
        continue;
      }
      // One statement at a time, as psql sends them (CREATE DATABASE may not run in a transaction).
      const statements = part
        .replace(/^--.*$/gm, '')
        .split(/;\s*$/m)
        .filter((statement) => statement.trim());
      for (const statement of statements)
        await run(urlFor(new URL(testAdminUrl()).username, database), statement);
    }
  }, 120_000);
  afterAll(() => stopTestPostgres());

  it('finds the SQL block', () => {
    expect(sql).toContain('CREATE ROLE trackeep_migrate');
    expect(sql).toContain('\\connect trackeep_gateway');
  });

  it.each([
    ['trackeep-api', 'trackeep', 'trackeep_migrate', 'trackeep'],
    ['oauth-gateway', 'trackeep_gateway', 'trackeep_gateway_migrate', 'trackeep_gateway'],
  ] as const)(
    '%s: the migrate role applies every migration, the server role gets rows only',
    async (project, database, migrator, server) => {
      const migrated = migrate(project, urlFor(migrator, database));
      expect({ status: migrated.status, stderr: migrated.stderr }).toEqual({ status: 0, stderr: '' });
      const privileges = await tablePrivileges(urlFor(migrator, database), server);
      expect(privileges.map((p) => p.table)).toContain('migrations');
      expect(privileges.filter((p) => !p.ok)).toEqual([]);
      await expect(run(urlFor(server, database), 'CREATE TABLE intruder (id int)')).rejects.toThrow(
        /permission denied/,
      );
      await expect(run(urlFor(server, database), 'DROP TABLE migrations')).rejects.toThrow(
        /must be (the )?owner/,
      );
    },
  );

  it('lets the API role run the job queue in its own schema', async () => {
    const boss = new PgBoss({ connectionString: urlFor('trackeep', 'trackeep'), schema: 'pgboss', max: 2 });
    boss.on('error', () => undefined);
    await boss.start();
    try {
      await boss.createQueue('roles-check');
      expect(await boss.send('roles-check', { ok: true })).toEqual(expect.any(String));
    } finally {
      await boss.stop({ graceful: false });
    }
  });
});
