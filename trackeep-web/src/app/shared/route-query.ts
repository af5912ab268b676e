import { DestroyRef, type Signal, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { ActivatedRoute, Router } from '@angular/router';
import { map } from 'rxjs';

export type QueryParams = Record<string, string | undefined>;

/**
 * The current route's query string as a signal. Pages keep their filters in the URL, so links can be shared
 * and the back button works. Call in an injection context.
 */
export function injectQueryParams(): Signal<QueryParams> {
  const route = inject(ActivatedRoute);
  return toSignal(
    route.queryParamMap.pipe(
      map((p) => Object.fromEntries(p.keys.map((k) => [k, p.get(k) ?? undefined])) as QueryParams),
    ),
    { initialValue: {} },
  );
}

/** Returns a function that merges values into the query string (null removes one) without a history entry. */
export function injectQueryUpdater(): (values: Record<string, string | null>) => void {
  const route = inject(ActivatedRoute);
  const router = inject(Router);
  return (values) =>
    void router.navigate([], {
      relativeTo: route,
      queryParams: values,
      queryParamsHandling: 'merge',
      replaceUrl: true,
    });
}

/** Runs `fn` once typing pauses for `ms`; pending calls are dropped when the component goes away. */
export function injectDebounced<T>(fn: (value: T) => void, ms: number): (value: T) => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  inject(DestroyRef).onDestroy(() => timer && clearTimeout(timer));
  return (value) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => fn(value), ms);
  };
}
