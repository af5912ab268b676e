import { createSql } from '@trackeep/server-core';
import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { DataSource } from 'typeorm';
import { apiDataSourceOptions } from '../src/database/data-source';
import type { DB } from '../src/database/db.types';
import { RepoLock } from '../src/sync/jobs/repo-lock';
import { RepoLockRepository } from '../src/sync/jobs/repo-lock.repository';
import { API_TEMPLATE_DB } from './support/test-app';
import { waitFor } from './webhooks-support';

describe('RepoLock (the repository sync lock)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let locks: RepoLockRepository;
  const taken: RepoLock[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(API_TEMPLATE_DB);
    ds = await new DataSource(apiDataSourceOptions(db.url, 2)).initialize();
    locks = new RepoLockRepository(createSql<DB>(ds));
  });

  afterEach(async () => {
    for (const lock of taken.splice(0)) await lock.release();
  });

  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  const acquire = async (repoId: string) => {
    const lock = await RepoLock.acquire(db.url, repoId);
    if (lock) taken.push(lock);
    return lock;
  };

  it('lets one worker hold a repository at a time, and frees it on release', async () => {
    const repoId = randomUUID();
    const first = await acquire(repoId);
    expect(first?.held).toBe(true);
    expect(await locks.isHeld(repoId)).toBe(true);
    expect(await acquire(repoId)).toBeNull();
    expect(await acquire(randomUUID())).not.toBeNull();

    await first?.release();
    expect(first?.held).toBe(false);
    expect(await locks.isHeld(repoId)).toBe(false);
    expect(await acquire(repoId)).not.toBeNull();
  });

  it('is lost with its connection: the holder sees it gone, and another worker can take the repository', async () => {
    const repoId = randomUUID();
    const lock = await acquire(repoId);
    expect(lock).not.toBeNull();
    const ran: string[] = [];
    await lock?.run(async () => void ran.push('alive'));

    // As when the worker's connection breaks: Postgres ends the session, and the session's locks with it.
    await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
               WHERE application_name = 'trackeep-api-sync-lock' AND datname = current_database()`.execute(
      createSql<DB>(ds),
    );
    await waitFor('the holder to see its lock gone', async () => lock?.held === false);
    await lock?.run(async () => void ran.push('dead'));
    expect(ran).toEqual(['alive']);
    expect(await locks.isHeld(repoId)).toBe(false);
    expect(await acquire(repoId)).not.toBeNull();
  });
});
