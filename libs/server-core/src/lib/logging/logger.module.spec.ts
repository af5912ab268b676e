import {
  Controller,
  Get,
  Injectable,
  Module,
  Res,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import type { Response } from 'express';
import { Logger, PinoLogger } from 'nestjs-pino';
import { PassThrough } from 'node:stream';
import request from 'supertest';
import { createLoggerModule } from './logger.module';

// What a request log line carries (request id, user id, status) and what it must never carry: credentials
// in headers, query strings or objects that application code logs.

const SECRET = 'gho_16C7e42F292c6912E7710c838347Ae178B4a';

@Injectable()
class FakeSessionGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string>; user?: { id: string } }>();
    if (req.headers['x-test-user']) req.user = { id: req.headers['x-test-user'] };
    return true;
  }
}

@Controller()
class LoggingController {
  constructor(private readonly logger: PinoLogger) {}

  @Get('callback')
  callback() {
    return { ok: true };
  }

  @Get('exchange')
  exchange() {
    // Application code logging an object that happens to hold credentials.
    this.logger.info(
      {
        grant: {
          access_token: SECRET,
          refresh_token: SECRET,
          client_secret: SECRET,
          code: SECRET,
          scope: 'repo',
        },
      },
      'token exchange',
    );
    return { ok: true };
  }

  @Get('set-cookie')
  setCookie(@Res() res: Response) {
    res.cookie('trackeep_session', SECRET).json({ ok: true });
  }
}

@Module({
  imports: [createLoggerModule({ app: 'logger-test', level: 'info', stream: logStream() })],
  controllers: [LoggingController],
  providers: [{ provide: APP_GUARD, useClass: FakeSessionGuard }],
})
class LoggingTestModule {}

const lines: string[] = [];
function logStream() {
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  return stream;
}
const entries = () =>
  lines.map(
    (l) =>
      JSON.parse(l) as Record<string, unknown> & {
        req?: Record<string, unknown>;
        res?: Record<string, unknown>;
      },
  );

describe(createLoggerModule.name, () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await NestFactory.create(LoggingTestModule, { bufferLogs: true });
    app.useLogger(app.get(Logger));
    await app.init();
  });
  afterAll(() => app.close());
  beforeEach(() => (lines.length = 0));

  it('writes one JSON line per request with request id, user id, method, path and status', async () => {
    const res = await request(app.getHttpServer())
      .get('/callback')
      .set('x-request-id', 'req-123')
      .set('x-test-user', 'user-42')
      .expect(200);
    expect(res.headers['x-request-id']).toBe('req-123');
    const [entry] = entries().filter((e) => e['msg'] === 'request completed');
    expect(entry).toMatchObject({
      name: 'logger-test',
      userId: 'user-42',
      req: { id: 'req-123', method: 'GET', url: '/callback' },
      res: { statusCode: 200 },
    });
  });

  it('makes up a request id when the incoming one is missing or malformed', async () => {
    const res = await request(app.getHttpServer())
      .get('/callback')
      .set('x-request-id', 'bad id with spaces and {json}')
      .expect(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('redacts Authorization, cookies, webhook signatures and OAuth codes in the query string', async () => {
    await request(app.getHttpServer())
      .get(`/callback?code=${SECRET}&state=${SECRET}&page=2`)
      .set('Authorization', `Bearer ${SECRET}`)
      .set('Cookie', `trackeep_session=${SECRET}`)
      .set('X-Hub-Signature-256', `sha256=${SECRET}`)
      .expect(200);
    const text = lines.join('\n');
    expect(text).not.toContain(SECRET);
    const [entry] = entries().filter((e) => e['msg'] === 'request completed');
    expect(entry?.req?.['url']).toBe('/callback?code=[Redacted]&state=[Redacted]&page=2');
  });

  it('redacts token, secret and code fields in objects application code logs', async () => {
    await request(app.getHttpServer()).get('/exchange').expect(200);
    expect(lines.join('\n')).not.toContain(SECRET);
    const [entry] = entries().filter((e) => e['msg'] === 'token exchange');
    expect(entry?.['grant']).toEqual({
      access_token: '[Redacted]',
      refresh_token: '[Redacted]',
      client_secret: '[Redacted]',
      code: '[Redacted]',
      scope: 'repo',
    });
  });

  it('never logs the session cookie the server sets', async () => {
    const res = await request(app.getHttpServer()).get('/set-cookie').expect(200);
    expect(res.headers['set-cookie']?.[0]).toContain(SECRET);
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it('does not log health checks and metric scrapes', async () => {
    await request(app.getHttpServer()).get('/healthz');
    await request(app.getHttpServer()).get('/metrics');
    expect(
      entries().filter((e) => e['msg'] === 'request completed' || e['msg'] === 'request errored'),
    ).toEqual([]);
  });
});

describe(`${createLoggerModule.name} behind a global prefix`, () => {
  let app: INestApplication;

  beforeAll(async () => {
    lines.length = 0;
    app = await NestFactory.create(LoggingTestModule, { bufferLogs: true });
    app.useLogger(app.get(Logger));
    app.setGlobalPrefix('api/v1');
    await app.init();
  });
  afterAll(() => app.close());

  it('still logs every request under the prefix (the middleware is bound with a named wildcard)', async () => {
    await request(app.getHttpServer()).get('/api/v1/callback').expect(200);
    await request(app.getHttpServer()).get('/api/v1/nowhere/at/all').expect(404);
    expect(
      entries()
        .filter((e) => e['msg'] === 'request completed')
        .map((e) => [e.req?.['url'], e.res?.['statusCode']]),
    ).toEqual([
      ['/api/v1/callback', 200],
      ['/api/v1/nowhere/at/all', 404],
    ]);
  });
});
