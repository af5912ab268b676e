import { DataSource } from 'typeorm';
import { apiDataSourceOptions } from './data-source';

// `npm run db:migrate` and the container migration entry point: apply pending migrations once, then exit.
// `--revert` undoes the latest one.
async function main() {
  const url = process.env['DATABASE_URL'];
  if (!url) {
    process.stderr.write('db:migrate: DATABASE_URL is not set (expected a postgres:// URL)\n');
    process.exit(78);
  }
  const dataSource = await new DataSource(apiDataSourceOptions(url, 2)).initialize();
  try {
    if (process.argv.includes('--revert')) {
      await dataSource.undoLastMigration({ transaction: 'each' });
      process.stdout.write('db:migrate: reverted the latest migration\n');
    } else {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      process.stdout.write(
        `db:migrate: ${applied.length ? applied.map((m) => m.name).join(', ') : 'nothing to apply'}\n`,
      );
    }
  } finally {
    await dataSource.destroy();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`db:migrate: ${err.message}\n`);
  process.exit(1);
});
