import { DataSource } from 'typeorm';
import { startTestPostgres } from '@trackeep/testing';
import { apiDataSourceOptions } from '../src/database/data-source';

export const API_TEMPLATE_DB = 'trackeep_api_template';

// One Postgres for the run; a migrated template each test file clones (see support/test-app.ts).
export default async function globalSetup() {
  await startTestPostgres({
    [API_TEMPLATE_DB]: async (url) => {
      const dataSource = await new DataSource(apiDataSourceOptions(url, 2)).initialize();
      await dataSource.runMigrations({ transaction: 'each' });
      await dataSource.destroy();
    },
  });
}
