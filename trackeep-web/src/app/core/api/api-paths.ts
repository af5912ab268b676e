import { HttpParams } from '@angular/common/http';

/** The API lives on the same origin as the dashboard (the API serves this build). */
export const API_BASE = '/api/v1';

export function repoPath(owner: string, name: string): string {
  return `${API_BASE}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
}

export type QueryValue = string | number | boolean | null | undefined;

/** Query parameters without the empty ones, so URLs stay short and the API sees only real filters. */
export function queryParams(values: Record<string, QueryValue>): HttpParams {
  let params = new HttpParams();
  for (const [key, value] of Object.entries(values)) {
    if (value === null || value === undefined || value === '') continue;
    params = params.set(key, String(value));
  }
  return params;
}

/** Where the browser goes (a full navigation, not XHR) to start the GitHub sign-in. */
export function loginUrl(returnTo: string | null): string {
  const base = `${API_BASE}/auth/login`;
  return returnTo ? `${base}?returnTo=${encodeURIComponent(returnTo)}` : base;
}
