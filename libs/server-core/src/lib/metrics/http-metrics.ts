import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// Prometheus plumbing both servers share: a registry per application instance (tests run several apps in
// one process, so nothing goes into prom-client's global registry), the HTTP duration histogram, and the
// /metrics response with its optional bearer token.

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** A fresh registry with Node's process metrics (CPU, memory, event loop lag, GC) and an `app` label. */
export function createMetricsRegistry(app: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  collectDefaultMetrics({ register: registry });
  return registry;
}

type Next = (err?: unknown) => void;
const METRICS_ROUTE = Symbol('metricsRoute');
type RoutedRequest = IncomingMessage & {
  route?: { path?: unknown };
  baseUrl?: string;
  [METRICS_ROUTE]?: string;
};

/**
 * Names the route of a request that middleware answers itself (no Nest/Express route matches it), e.g. the
 * webhook intake: `nameRouteForMetrics(req, '/api/v1/webhooks/github')`. Use a fixed pattern, never the URL.
 */
export function nameRouteForMetrics(req: IncomingMessage, route: string): void {
  (req as RoutedRequest)[METRICS_ROUTE] = route;
}

/**
 * `http_request_duration_seconds{method,route,status_code}`. The route is the matched route pattern
 * (`/api/v1/repos/:owner/:name`), never the raw URL, so label values stay few; requests no route
 * matched are `static` when answered (web assets) and `unmatched` otherwise.
 */
export function httpMetricsMiddleware(registry: Registry) {
  const histogram = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request to response finished, by matched route and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return (req: IncomingMessage, res: ServerResponse, next: Next): void => {
    const start = process.hrtime.bigint();
    res.once('close', () => {
      // A stream the client left (SSE) is measured too; its status is what was sent.
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      histogram.observe(
        {
          method: req.method ?? 'GET',
          route: routeLabel(req as RoutedRequest, res),
          status_code: String(res.statusCode),
        },
        seconds,
      );
    });
    next();
  };
}

function routeLabel(req: RoutedRequest, res: ServerResponse): string {
  if (req[METRICS_ROUTE]) return req[METRICS_ROUTE];
  const path = req.route?.path;
  if (typeof path === 'string') return `${req.baseUrl ?? ''}${path}` || '/';
  if (path !== undefined) return 'web'; // a RegExp route: the dashboard's client-side routes
  return res.statusCode < 400 ? 'static' : 'unmatched';
}

export interface MetricsAnswer {
  status: number;
  contentType: string;
  body: string;
}

/**
 * The /metrics answer. With a token configured, only `Authorization: Bearer <token>` gets the metrics
 * (compared in constant time); without one they are public, for a port that only Prometheus can reach.
 */
export async function answerMetricsRequest(
  registry: Registry,
  authorization: string | undefined,
  token: string | undefined,
): Promise<MetricsAnswer> {
  if (token && !bearerMatches(authorization, token)) {
    return {
      status: 401,
      contentType: 'application/json',
      body: JSON.stringify({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'metrics need the bearer token METRICS_TOKEN',
        code: 'metrics_token_required',
      }),
    };
  }
  return { status: 200, contentType: METRICS_CONTENT_TYPE, body: await registry.metrics() };
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1] ?? '';
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(presented), digest(token));
}
