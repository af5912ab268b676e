import type { NextFunction, Request, Response } from 'express';

// CORS exists only where a browser-based client could legitimately need it: discovery, JWKS and the token
// endpoint, and only for CORS_ALLOWED_ORIGINS. Never on the authorization endpoint or the callback.
export const CORS_PATHS = new Set([
  '/.well-known/oauth-authorization-server',
  '/.well-known/openid-configuration',
  '/.well-known/jwks.json',
  '/oauth/token',
]);

export function corsMiddleware(allowedOrigins: string[]) {
  const allowed = new Set(allowedOrigins.map((o) => new URL(o).origin));
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!CORS_PATHS.has(req.path)) return next();
    res.vary('Origin');
    const origin = req.headers.origin;
    if (typeof origin !== 'string' || !allowed.has(origin)) return next();
    res.setHeader('Access-Control-Allow-Origin', origin);
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', req.path === '/oauth/token' ? 'POST' : 'GET');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type');
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}
