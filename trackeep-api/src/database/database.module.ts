import { Global, Module } from '@nestjs/common';
import { createSql } from '@trackeep/server-core';
import { Kysely } from 'kysely';
import { DataSource } from 'typeorm';
import type { DB } from './db.types';

/** The API's tables, as generated from its migrated schema (`npm run db:types`). */
export type ApiDb = Kysely<DB>;

/**
 * Provides the typed SQL runner (`Kysely<DB>`, injected by the `Kysely` class) to every repository. Only
 * `*.repository.ts` files inject it: services call repositories and open transactions through them.
 */
@Global()
@Module({
  providers: [{ provide: Kysely, inject: [DataSource], useFactory: (ds: DataSource) => createSql<DB>(ds) }],
  exports: [Kysely],
})
export class DatabaseModule {}
