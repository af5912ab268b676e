import { DataSource } from 'typeorm';
import { startTestPostgres } from '@trackeep/testing';
import { gatewayDataSourceOptions } from '../src/database/data-source';

export const GATEWAY_TEMPLATE_DB = 'trackeep_gateway_template';

// One Postgres for the run; a migrated template each test file clones (see support/test-gateway.ts).
export default async function globalSetup() {
  await startTestPostgres({
    [GATEWAY_TEMPLATE_DB]: async (url) => {
      const dataSource = await new DataSource(gatewayDataSourceOptions(url, 2)).initialize();
      await dataSource.runMigrations({ transaction: 'each' });
      await dataSource.destroy();
    },
  });
}
