import {
  Controller,
  Get,
  Injectable,
  Module,
  Res,
  type INestApplication,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Response } from 'express';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GracefulShutdown, GracefulShutdownModule, installGracefulShutdown } from './graceful-shutdown';

/** Lets a test decide when the slow request answers. */
class Gate {
  private release!: () => void;
  readonly opened = new Promise<void>((resolve) => (this.release = resolve));
  open() {
    this.release();
  }
}

const events: string[] = [];
let gate = new Gate();

@Controller()
class TestController {
  @Get('readyz')
  ready() {
    return { status: 'ok' };
  }

  @Get('slow')
  async slow() {
    await gate.opened;
    events.push('slow request answered');
    return { done: true };
  }

  @Get('stream')
  stream(@Res() res: Response) {
    res.setHeader('Content-Type', 'text/event-stream');
    res.flushHeaders();
    res.write('data: hello\n\n');
  }
}

@Injectable()
class RecordsShutdown implements OnApplicationShutdown {
  onApplicationShutdown() {
    events.push('modules shut down');
  }
}

@Module({ imports: [GracefulShutdownModule], controllers: [TestController], providers: [RecordsShutdown] })
class TestModule {}

async function startApp(): Promise<{ app: INestApplication; port: number }> {
  const app = await NestFactory.create(TestModule, { logger: false });
  app.use(app.get(GracefulShutdown).middleware());
  await app.listen(0, '127.0.0.1');
  return { app, port: (app.getHttpServer().address() as AddressInfo).port };
}

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

function get(port: number, path: string, onData?: (chunk: string) => void): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        onData?.(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error('condition not reached');
};

describe(GracefulShutdown.name, () => {
  let app: INestApplication;
  let port: number;
  let sut: GracefulShutdown;

  beforeEach(async () => {
    events.length = 0;
    gate = new Gate();
    ({ app, port } = await startApp());
    sut = app.get(GracefulShutdown);
  });
  afterEach(async () => {
    gate.open();
    await app.close().catch(() => undefined);
  });

  it('stops accepting connections but lets a request in flight finish, with Connection: close', async () => {
    const slow = get(port, '/slow');
    await until(() => sut.requestsInFlight === 1);

    const drained = sut.drain(app.getHttpServer(), { timeoutMs: 5000 });
    expect(sut.isDraining).toBe(true);
    await expect(get(port, '/readyz')).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    gate.open();
    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ done: true });
    expect(answer.headers['connection']).toBe('close');
    await expect(drained).resolves.toBe(true);
  });

  it('ends SSE streams with a retry hint so clients reconnect elsewhere', async () => {
    const chunks: string[] = [];
    const stream = get(port, '/stream', (c) => chunks.push(c));
    await until(() => chunks.join('').includes('hello'));

    await expect(sut.drain(app.getHttpServer(), { timeoutMs: 5000, sseRetryMs: 500 })).resolves.toBe(true);
    const answer = await stream;
    const retry = Number(/retry: (\d+)\n\n$/.exec(answer.body)?.[1]);
    expect(retry).toBeGreaterThanOrEqual(500);
    expect(retry).toBeLessThanOrEqual(1000);
  });

  it('runs the drain callbacks features registered', async () => {
    const unregister = sut.onDrain(() => void events.push('feature drained'));
    sut.onDrain(() => {
      throw new Error('one failing callback does not stop the others');
    });
    sut.onDrain(() => void events.push('second feature drained'));
    await sut.drain(app.getHttpServer(), { timeoutMs: 1000 });
    expect(events).toEqual(['feature drained', 'second feature drained']);
    unregister();
  });

  it('reports false when a request is still running at the timeout', async () => {
    const slow = get(port, '/slow').catch(() => undefined);
    await until(() => sut.requestsInFlight === 1);
    await expect(sut.drain(app.getHttpServer(), { timeoutMs: 150 })).resolves.toBe(false);
    expect(sut.requestsInFlight).toBe(1);
    gate.open();
    await slow;
  });

  it('closes the listener at once: a readiness probe after the signal cannot connect (preStop is the pre-drain window)', async () => {
    expect((await get(port, '/readyz')).status).toBe(200);
    const drained = sut.drain(app.getHttpServer(), { timeoutMs: 1000 });
    await expect(get(port, '/readyz')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(drained).resolves.toBe(true);
  });

  it('answers /readyz with 503 on a connection still open while draining', async () => {
    sut.onDrain(async () => {
      // Drain callbacks run after the listener closed; call the middleware the way an open connection would.
      const headers: Record<string, string> = {};
      let status = 0;
      let body = '';
      const res = {
        headersSent: false,
        setHeader: (k: string, v: string) => (headers[k.toLowerCase()] = v),
        set statusCode(v: number) {
          status = v;
        },
        end: (b: string) => (body = b),
      };
      sut.middleware()({ url: '/readyz' } as never, res as never, () => events.push('next called'));
      events.push(`${status} ${headers['connection']} ${body}`);
    });
    await sut.drain(app.getHttpServer(), { timeoutMs: 1000 });
    expect(events).toEqual(['503 close {"status":"shutting_down"}']);
  });
});

describe(installGracefulShutdown.name, () => {
  it('on the signal: drains requests first, then shuts the modules down, then exits 0', async () => {
    events.length = 0;
    gate = new Gate();
    const { app, port } = await startApp();
    const exits: number[] = [];
    installGracefulShutdown(app, { timeoutMs: 5000, signals: ['SIGUSR2'], exit: (code) => exits.push(code) });

    const slow = get(port, '/slow');
    await until(() => app.get(GracefulShutdown).requestsInFlight === 1);
    process.emit('SIGUSR2');
    await new Promise((r) => setTimeout(r, 100));
    expect(events).toEqual([]);
    expect(exits).toEqual([]);

    gate.open();
    await slow;
    await until(() => exits.length > 0);
    expect(events).toEqual(['slow request answered', 'modules shut down']);
    expect(exits).toEqual([0]);
  });

  it('cuts off requests that outlive the budget and exits 1', async () => {
    events.length = 0;
    gate = new Gate();
    const { app, port } = await startApp();
    const exits: number[] = [];
    const shutdown = installGracefulShutdown(app, {
      timeoutMs: 300,
      signals: [],
      exit: (code) => exits.push(code),
    });

    const slow = get(port, '/slow').then(
      () => 'answered',
      () => 'cut off',
    );
    await until(() => app.get(GracefulShutdown).requestsInFlight === 1);
    await expect(shutdown()).resolves.toBe(1);
    await expect(slow).resolves.toBe('cut off');
    expect(events).toContain('modules shut down');
    expect(exits).toEqual([1]);
    gate.open();
  });
});
