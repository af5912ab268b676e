import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations';

/**
 * The one definition of how the gateway talks to its own database (trackeep_gateway), used by the app and
 * by the migration CLI. Schema changes only ever happen through migrations.
 */
export function gatewayDataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    extra: { max: poolSize, application_name: 'oauth-gateway' },
  };
}
