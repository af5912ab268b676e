import { Injectable } from '@nestjs/common';
import { DataSource, type QueryRunner } from 'typeorm';

export type SqlRunner = <T>(sql: string, params?: unknown[]) => Promise<T[]>;

/**
 * Plain parameterised SQL on the gateway's connection pool. The gateway's writes are single atomic statements
 * (UPDATE … WHERE used_at IS NULL RETURNING), which read more clearly as SQL than through an ORM. Always
 * returns the rows, also for UPDATE/DELETE … RETURNING (TypeORM's raw form differs per command).
 */
@Injectable()
export class Sql {
  constructor(private readonly dataSource: DataSource) {}

  async rows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const runner = this.dataSource.createQueryRunner();
    try {
      return await run<T>(runner, sql, params);
    } finally {
      await runner.release();
    }
  }

  async transaction<T>(work: (sql: SqlRunner) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager) =>
      work((text, params) => run(manager.queryRunner as QueryRunner, text, params ?? [])),
    );
  }
}

async function run<T>(runner: QueryRunner, sql: string, params: unknown[]): Promise<T[]> {
  const result = await runner.query(sql, params, true);
  return (result.records ?? []) as T[];
}
