import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';
import { CSRF_HEADER } from '@trackeep/contracts';
import type { ApiEnv } from '../config/api-env';

/** CORS with credentials for FRONTEND_URL and CORS_ALLOWED_ORIGINS only; every other origin gets no CORS headers. */
export function corsOptions(env: Pick<ApiEnv, 'FRONTEND_URL' | 'CORS_ALLOWED_ORIGINS'>): CorsOptions {
  const allowed = new Set([
    new URL(env.FRONTEND_URL).origin,
    ...env.CORS_ALLOWED_ORIGINS.map((o) => new URL(o).origin),
  ]);
  return {
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Content-Type', 'Accept', CSRF_HEADER, 'X-Request-Id', 'Last-Event-ID'],
    exposedHeaders: ['X-Request-Id'],
    maxAge: 600,
  };
}
