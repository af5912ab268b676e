import { Injectable } from '@nestjs/common';
import { Kysely, sql } from 'kysely';
import type { DB } from '../database/db.types';
import { JOB_QUEUE_SCHEMA } from './job-queue.constants';

/** Reads and nudges pg-boss's job rows where pg-boss's API has no call for it. */
@Injectable()
export class JobQueueRepository {
  private readonly jobs = sql.table(`${JOB_QUEUE_SCHEMA}.job`);

  constructor(private readonly db: Kysely<DB>) {}

  async state(jobId: string): Promise<string | null> {
    const { rows } = await sql<{ state: string }>`SELECT state FROM ${this.jobs} WHERE id = ${jobId}`.execute(
      this.db,
    );
    return rows[0]?.state ?? null;
  }

  /** A job waiting out its retry back-off runs at once. */
  async retryNow(jobId: string): Promise<void> {
    await sql`UPDATE ${this.jobs} SET start_after = now() WHERE id = ${jobId} AND state = 'retry'`.execute(
      this.db,
    );
  }
}
