import type { HttpInterceptorFn } from '@angular/common/http';
import { CSRF_HEADER } from '@trackeep/contracts';
import { API_BASE } from '../api/api-paths';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * State-changing API calls carry the CSRF header the API requires (a form or link on another site cannot set
 * a custom header). The session itself is an HttpOnly cookie the browser adds.
 */
export const csrfInterceptor: HttpInterceptorFn = (req, next) => {
  if (SAFE_METHODS.has(req.method) || !isApiUrl(req.url)) return next(req);
  return next(req.clone({ setHeaders: { [CSRF_HEADER]: '1' } }));
};

export function isApiUrl(url: string): boolean {
  return url === API_BASE || url.startsWith(`${API_BASE}/`);
}
