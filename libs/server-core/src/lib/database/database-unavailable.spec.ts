import { Controller, Get, Module, Query, type INestApplication } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import request from 'supertest';
import { DatabaseUnavailableFilter, isDatabaseUnavailable } from './database-unavailable';

// The shapes node-postgres, pg-pool and TypeORM give when Postgres goes away, next to real bugs.
const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const queryFailed = (driverError: Error) =>
  Object.assign(new Error(driverError.message), { name: 'QueryFailedError', driverError });
const OUTAGES: Record<string, Error> = {
  refused: withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
  'refused on every address': Object.assign(
    new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], ''),
    { code: 'ECONNREFUSED' },
  ),
  reset: withCode('read ECONNRESET', 'ECONNRESET'),
  'admin shutdown in a query': queryFailed(
    withCode('terminating connection due to administrator command', '57P01'),
  ),
  'cannot connect now': withCode('the database system is starting up', '57P03'),
  'connection terminated in a query': queryFailed(new Error('Connection terminated unexpectedly')),
  'pool timeout': new Error('timeout exceeded when trying to connect'),
  'closed client': new Error('Client was closed and is not queryable'),
};
const BUGS: Record<string, Error> = {
  'syntax error': queryFailed(withCode('syntax error at or near "SELEC"', '42601')),
  'unique violation': queryFailed(withCode('duplicate key value violates unique constraint', '23505')),
  'type error': new TypeError("Cannot read properties of undefined (reading 'id')"),
  'GitHub unreachable (fetch)': new TypeError('fetch failed', {
    cause: withCode('read ECONNRESET', 'ECONNRESET'),
  }),
};

@Controller()
class FailingController {
  @Get('fail')
  fail(@Query('kind') kind: string) {
    throw OUTAGES[kind] ?? BUGS[kind];
  }
}

@Module({
  controllers: [FailingController],
  providers: [{ provide: APP_FILTER, useClass: DatabaseUnavailableFilter }],
})
class FailingModule {}

describe(DatabaseUnavailableFilter.name, () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await NestFactory.create(FailingModule, { logger: false });
    await app.init();
  });
  afterAll(() => app.close());

  it.each(Object.keys(OUTAGES))('recognises a database outage: %s', (kind) => {
    expect(isDatabaseUnavailable(OUTAGES[kind])).toBe(true);
  });

  it.each(Object.keys(BUGS))('keeps a real fault a fault: %s', (kind) => {
    expect(isDatabaseUnavailable(BUGS[kind])).toBe(false);
  });

  it('answers an outage with 503, Retry-After and a JSON error', async () => {
    const res = await request(app.getHttpServer()).get('/fail?kind=refused').expect(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'The database is unavailable; retry shortly',
    });
  });

  it('leaves any other error to Nest: a 500 without Retry-After', async () => {
    const res = await request(app.getHttpServer()).get('/fail?kind=type%20error').expect(500);
    expect(res.headers['retry-after']).toBeUndefined();
  });
});
