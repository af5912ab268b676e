import { createSql } from '@trackeep/server-core';
import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import type { Kysely } from 'kysely';
import { DataSource } from 'typeorm';
import type { DB } from '../src/database/db.types';
import { RepositoriesRepository } from '../src/repos/data/repositories.repository';
import { API_TEMPLATE_DB } from './support/test-app';

// Tracking a repository stores GitHub's answer about it through the write model, like every other source: it
// creates the row when Trackeep has none, and otherwise never rolls back a newer copy another source stored.
describe('repository upsert (tracking a repository)', () => {
  let database: TestDatabase;
  let ds: DataSource;
  let db: Kysely<DB>;

  beforeAll(async () => {
    database = await createTestDatabase(API_TEMPLATE_DB);
    ds = await new DataSource({ type: 'postgres', url: database.url, extra: { max: 2 } }).initialize();
    db = createSql<DB>(ds);
  });
  afterAll(async () => {
    await ds.destroy();
    await database.drop();
  });

  const copy = (githubUpdatedAt: string, over: Record<string, unknown> = {}) => ({
    node_id: 'R_kgDOupsert',
    owner: 'octo',
    name: 'upsert',
    full_name: 'octo/upsert',
    html_url: 'https://github.com/octo/upsert',
    description: 'from tracking',
    stars: 5,
    default_branch: 'main',
    github_updated_at: githubUpdatedAt,
    ...over,
  });
  const row = (id: string) =>
    db
      .selectFrom('repositories')
      .select(['full_name', 'description', 'stars', 'default_branch', 'github_state', 'github_updated_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  it('creates the row from the copy when Trackeep has none', async () => {
    const id = await RepositoriesRepository.upsert(db, 'github.com', 9001, copy('2026-01-01T00:00:00Z'), {
      value: 'ok',
      when: 'always',
    });
    expect(await row(id)).toEqual({
      full_name: 'octo/upsert',
      description: 'from tracking',
      stars: 5,
      default_branch: 'main',
      github_state: 'ok',
      github_updated_at: new Date('2026-01-01T00:00:00Z'),
    });
  });

  it('keeps a newer copy another source stored, and still marks the repository reachable', async () => {
    const id = await RepositoriesRepository.upsert(db, 'github.com', 9002, copy('2026-01-01T00:00:00Z'));
    // A webhook brought a newer state, then GitHub became unreachable for the repository.
    await RepositoriesRepository.merge(db, id, {
      description: 'renamed by a webhook',
      stars: 12,
      github_updated_at: '2026-03-01T00:00:00Z',
    });
    await db.updateTable('repositories').set({ github_state: 'not_found' }).where('id', '=', id).execute();

    const again = await RepositoriesRepository.upsert(db, 'github.com', 9002, copy('2026-02-01T00:00:00Z'), {
      value: 'ok',
      when: 'always',
    });
    expect(again).toBe(id);
    expect(await row(id)).toEqual({
      full_name: 'octo/upsert',
      description: 'renamed by a webhook',
      stars: 12,
      default_branch: 'main',
      github_state: 'ok',
      github_updated_at: new Date('2026-03-01T00:00:00Z'),
    });
  });

  it('takes a newer copy from tracking over an older stored one', async () => {
    const id = await RepositoriesRepository.upsert(db, 'github.com', 9003, copy('2026-01-01T00:00:00Z'));
    await RepositoriesRepository.upsert(
      db,
      'github.com',
      9003,
      copy('2026-04-01T00:00:00Z', { description: 'newer', stars: 40 }),
    );
    expect(await row(id)).toMatchObject({ description: 'newer', stars: 40 });
  });
});
