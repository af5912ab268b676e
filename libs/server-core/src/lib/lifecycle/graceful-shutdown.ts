import { Global, Injectable, Logger, Module, type INestApplication } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

// Graceful shutdown on SIGTERM, in the order a rolling update needs:
//   1. the listener closes at once: new connections (a readiness probe included) are refused, idle keep-alive
//      ones are closed, busy ones get `Connection: close` and any /readyz they still carry answers 503. The
//      window in which the pod still takes traffic while endpoints are removed is the pod's preStop pause,
//      which runs before SIGTERM, not a delay here;
//   2. SSE streams are ended with a `retry:` hint, so browsers reconnect (to another replica) shortly;
//   3. requests in flight are allowed to finish;
//   4. app.close(): modules stop (the job queue hands unfinished jobs back), then the database pool closes;
//   5. the process exits, at the latest when the timeout expires (below the pod's grace period).
// Nest's enableShutdownHooks() must not be used alongside: it would call app.close() on its own.

type Next = (err?: unknown) => void;

export interface DrainOptions {
  /** How long in-flight requests may take to finish. */
  timeoutMs: number;
  /** Reconnection delay sent to SSE clients; each gets a random value up to twice this, to spread them out. */
  sseRetryMs?: number;
}

/**
 * Tracks requests in flight and drains them. Injectable, so features with long-lived work (SSE hubs,
 * pollers) can register `onDrain` callbacks that stop it early and cleanly.
 */
@Injectable()
export class GracefulShutdown {
  private readonly logger = new Logger('Shutdown');
  private readonly inFlight = new Set<ServerResponse>();
  private readonly drainCallbacks = new Set<() => void | Promise<void>>();
  private draining = false;

  get isDraining(): boolean {
    return this.draining;
  }

  get requestsInFlight(): number {
    return this.inFlight.size;
  }

  /** Runs `callback` when draining starts; returns a function that unregisters it. */
  onDrain(callback: () => void | Promise<void>): () => void {
    this.drainCallbacks.add(callback);
    return () => this.drainCallbacks.delete(callback);
  }

  /** Express middleware: counts requests in flight; while draining, /readyz fails and connections close. */
  middleware() {
    return (req: IncomingMessage, res: ServerResponse, next: Next): void => {
      if (this.draining) {
        if (!res.headersSent) res.setHeader('Connection', 'close');
        if (req.url === '/readyz' || req.url?.startsWith('/readyz?')) {
          res.statusCode = 503;
          res.setHeader('Content-Type', 'application/json');
          res.end(JSON.stringify({ status: 'shutting_down' }));
          return;
        }
      }
      this.inFlight.add(res);
      res.once('close', () => this.inFlight.delete(res));
      next();
    };
  }

  /**
   * Steps 1-3 above. Resolves true when every request finished in time, false when some were still
   * running at the timeout (the caller closes the app regardless).
   */
  async drain(server: Server, options: DrainOptions): Promise<boolean> {
    if (this.draining) return this.inFlight.size === 0;
    this.draining = true;
    const deadline = Date.now() + options.timeoutMs;
    server.close();
    server.closeIdleConnections();

    for (const callback of this.drainCallbacks) {
      try {
        await callback();
      } catch (err) {
        this.logger.warn(`a drain callback failed: ${(err as Error).message}`);
      }
    }
    const retryMs = options.sseRetryMs ?? 1000;
    for (const res of this.inFlight)
      if (isEventStream(res)) endEventStream(res, Math.round(retryMs * (1 + Math.random())));

    while (this.inFlight.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      server.closeIdleConnections();
    }
    return this.inFlight.size === 0;
  }
}

function isEventStream(res: ServerResponse): boolean {
  return String(res.getHeader('content-type') ?? '').startsWith('text/event-stream');
}

/** Ends an SSE response with a reconnection hint; the socket goes too, so later writes are dropped, not thrown. */
export function endEventStream(res: ServerResponse, retryMs: number): void {
  if (res.writableEnded) return;
  res.end(`retry: ${retryMs}\n\n`, () => res.destroy());
}

@Global()
@Module({ providers: [GracefulShutdown], exports: [GracefulShutdown] })
export class GracefulShutdownModule {}

export interface ShutdownOptions {
  /** Whole budget from the signal to exit; keep it below terminationGracePeriodSeconds minus preStop. */
  timeoutMs: number;
  signals?: NodeJS.Signals[];
  /**
   * For tests. By default a clean stop re-raises the signal, so the parent sees the process end by SIGTERM
   * as with any well-behaved Unix program; a failed or forced stop exits 1.
   */
  exit?: (code: number, signal?: NodeJS.Signals) => void;
}

/**
 * Installs the SIGTERM/SIGINT handler (call once, in main.ts, after listen). Requests get up to 60 % of
 * the budget, module shutdown (job queue, database) the rest; past the budget the process exits anyway.
 */
export function installGracefulShutdown(
  app: INestApplication,
  options: ShutdownOptions,
): () => Promise<number> {
  const logger = new Logger('Shutdown');
  const exit =
    options.exit ??
    ((code: number, signal?: NodeJS.Signals) =>
      code === 0 && signal ? process.kill(process.pid, signal) : process.exit(code));
  let running: Promise<number> | null = null;

  const shutdown = (signal?: NodeJS.Signals): Promise<number> => {
    running ??= (async () => {
      const started = Date.now();
      const force = setTimeout(() => {
        logger.error(`shutdown took longer than ${options.timeoutMs} ms; exiting now`);
        exit(1);
      }, options.timeoutMs);
      force.unref();
      const shutdownState = app.get(GracefulShutdown);
      logger.log(`${signal ?? 'shutdown'}: draining ${shutdownState.requestsInFlight} request(s)`);
      const server = app.getHttpServer() as Server;
      const drained = await shutdownState.drain(server, { timeoutMs: Math.floor(options.timeoutMs * 0.6) });
      if (!drained) {
        logger.warn(`${shutdownState.requestsInFlight} request(s) still running; cutting them off`);
        server.closeAllConnections();
      }
      let code = drained ? 0 : 1;
      try {
        await app.close();
      } catch (err) {
        logger.error(`closing the application failed: ${(err as Error).message}`);
        code = 1;
      }
      clearTimeout(force);
      logger.log(`stopped in ${Date.now() - started} ms`);
      exit(code, signal);
      return code;
    })();
    return running;
  };

  for (const signal of options.signals ?? ['SIGTERM', 'SIGINT'])
    process.once(signal, () => void shutdown(signal));
  return () => shutdown();
}
