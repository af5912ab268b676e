import { Global, Module } from '@nestjs/common';
import { createSql } from '@trackeep/server-core';
import { Kysely } from 'kysely';
import { DataSource } from 'typeorm';
import type { DB } from './db.types';

/**
 * Provides the typed SQL runner (`Kysely<DB>`, injected by the `Kysely` class; the tables are generated from
 * the migrated schema by `npm run db:types`) on TypeORM's pool.
 * Only `*.repository.ts` files inject it.
 */
@Global()
@Module({
  providers: [{ provide: Kysely, inject: [DataSource], useFactory: (ds: DataSource) => createSql<DB>(ds) }],
  exports: [Kysely],
})
export class DatabaseModule {}
