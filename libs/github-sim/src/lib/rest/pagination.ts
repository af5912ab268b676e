import type { ApiRequest, ApiResult } from '../http/api-router';
import { SimError } from '../world/sim-error';

export interface Paging {
  page: number;
  perPage: number;
}

/** GitHub's page/per_page: per_page defaults to 30 and is capped at 100; junk falls back to defaults. */
export function pagingOf(r: ApiRequest, defaultPerPage = 30): Paging {
  const pp = Number.parseInt(r.query('per_page') ?? '', 10);
  const pg = Number.parseInt(r.query('page') ?? '', 10);
  const perPage = Number.isFinite(pp) && pp > 0 ? Math.min(pp, 100) : defaultPerPage;
  const page = Number.isFinite(pg) && pg > 0 ? pg : 1;
  if (page > 1_000_000) throw new SimError(422, 'page is too large');
  return { page, perPage };
}

/** One page of an in-memory list, with Link rel next/last/prev/first. */
export function pageOf<T, R>(r: ApiRequest, items: T[], map: (item: T) => R, defaultPerPage = 30): ApiResult {
  const { page, perPage } = pagingOf(r, defaultPerPage);
  const start = (page - 1) * perPage;
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  return { body: items.slice(start, start + perPage).map(map), link: { page, perPage, lastPage } };
}

/** ISO 8601 timestamp parameter; GitHub answers 422 for unparseable ones. */
export function timeParam(r: ApiRequest, name: string): number | undefined {
  const v = r.query(name);
  if (v === undefined || v === '') return undefined;
  const ms = Date.parse(v);
  if (!Number.isFinite(ms))
    throw new SimError(422, `Invalid value for parameter '${name}': ${JSON.stringify(v)}`);
  return ms;
}

export function enumParam<T extends string>(
  r: ApiRequest,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const v = r.query(name);
  if (v === undefined || v === '') return fallback;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new SimError(422, 'Validation Failed', {
      errors: [
        {
          resource: 'Search',
          field: name,
          code: 'invalid',
          message: `${name} must be one of: ${allowed.join(', ')}`,
        },
      ],
    });
  }
  return v as T;
}
