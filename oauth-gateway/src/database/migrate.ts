import { DataSource } from 'typeorm';
import { gatewayDataSourceOptions } from './data-source';

// `nx run oauth-gateway:migrate` and the container migration entry point: apply pending migrations once, then exit.
// `--revert` undoes the latest one.
async function main() {
  const url = process.env['DATABASE_URL'];
  if (!url) {
    process.stderr.write('gateway:migrate: DATABASE_URL is not set (expected a postgres:// URL)\n');
    process.exit(78);
  }
  const dataSource = await new DataSource(gatewayDataSourceOptions(url, 2)).initialize();
  try {
    if (process.argv.includes('--revert')) {
      await dataSource.undoLastMigration({ transaction: 'each' });
      process.stdout.write('gateway:migrate: reverted the latest migration\n');
    } else {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      process.stdout.write(
        `gateway:migrate: ${applied.length ? applied.map((m) => m.name).join(', ') : 'nothing to apply'}\n`,
      );
    }
  } finally {
    await dataSource.destroy();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`gateway:migrate: ${err.message}\n`);
  process.exit(1);
});
