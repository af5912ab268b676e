import type { HttpRequest } from '@angular/common/http';
import type { Page } from '@trackeep/contracts';

/** Matches the request for the first page of a keyset-paginated list (whatever the page size). */
export const firstPageOf =
  (path: string) =>
  (req: HttpRequest<unknown>): boolean =>
    req.url === path && !req.params.has('cursor');

/** A page holding `items` with nothing after it. */
export const onlyPage = <T>(items: T[]): Page<T> => ({ items, nextCursor: null });
