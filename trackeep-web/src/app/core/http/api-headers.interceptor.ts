import type { HttpInterceptorFn } from '@angular/common/http';
import { API_BASE } from '../api/api-paths';

/**
 * Marks every API call as a script request. The API rejects state-changing requests without it (a form or
 * link on another site cannot set custom headers), and answers 401 as JSON instead of redirecting.
 */
export const apiHeadersInterceptor: HttpInterceptorFn = (req, next) => {
  if (!isApiUrl(req.url)) return next(req);
  return next(req.clone({ setHeaders: { 'X-Requested-With': 'XMLHttpRequest' } }));
};

export function isApiUrl(url: string): boolean {
  return url === API_BASE || url.startsWith(`${API_BASE}/`);
}
