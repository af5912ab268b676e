import type { ApiRequest, ApiResult } from '../http/api-router';
import { SimError, validationFailed } from '../world/sim-error';
import type { SimDelivery } from '../world/world.types';
import { pagingOf } from './pagination';
import { hookDeliveryItem } from './serializers';

const CURSOR = /^v1_(\d+)$/;

/** GitHub redelivers only what it delivered in the past 3 days ("Redelivering webhooks"). */
export const REDELIVERY_WINDOW_MS = 3 * 24 * 3600_000;

/**
 * POST …/deliveries/{id}/attempts on an older delivery: 422 with GitHub's validation-error shape (the endpoint's
 * documented refusal; the wording of the message is ours).
 */
export function assertRedeliverable(d: SimDelivery, now = Date.now()): void {
  if (now - d.deliveredAt > REDELIVERY_WINDOW_MS)
    throw validationFailed([
      {
        resource: 'HookDelivery',
        code: 'custom',
        message: 'Deliveries older than 3 days cannot be redelivered',
      },
    ]);
}

/**
 * A page of a hook's delivery log as GitHub serves it: newest first, `per_page` (≤ 100), `cursor` pagination
 * (the Link header's `next`/`prev` carry `cursor=v1_<delivery id>`; there is no `page`), and the `status` filter
 * (`success`: status_code 200–399, `failure`: 400–599). `deliveries` are in the order they were recorded.
 */
export function deliveryPage(r: ApiRequest, deliveries: SimDelivery[]): ApiResult {
  const { perPage } = pagingOf(r);
  const status = r.query('status');
  if (status !== undefined && status !== 'success' && status !== 'failure')
    throw new SimError(422, 'Validation Failed', {
      errors: [{ resource: 'HookDelivery', field: 'status', code: 'invalid' }],
    });
  const raw = r.query('cursor');
  let before: number | null = null;
  if (raw !== undefined && raw !== '') {
    const m = CURSOR.exec(raw);
    if (!m) throw new SimError(400, 'Invalid cursor');
    before = Number(m[1]);
  }
  const list = deliveries
    .filter((d) => {
      if (status === 'success') return d.statusCode >= 200 && d.statusCode < 400;
      if (status === 'failure') return d.statusCode >= 400 && d.statusCode < 600;
      return true;
    })
    .sort((x, y) => y.id - x.id);
  const start = before === null ? 0 : list.findIndex((d) => d.id <= before);
  const page = start < 0 ? [] : list.slice(start, start + perPage);
  const headers: Record<string, string> = {};
  const links: string[] = [];
  const url = (cursor: number) => {
    const u = new URL(`${r.urls.api}${r.req.path}`);
    for (const [k, v] of new URL(r.req.originalUrl, r.urls.api).searchParams)
      if (k !== 'cursor') u.searchParams.append(k, v);
    u.searchParams.set('cursor', `v1_${cursor}`);
    return u.toString();
  };
  const next = start < 0 ? undefined : list[start + perPage];
  if (next) links.push(`<${url(next.id)}>; rel="next"`);
  if (start > 0) {
    const prev = list[Math.max(0, start - perPage)];
    if (prev) links.push(`<${url(prev.id)}>; rel="prev"`);
  }
  if (links.length) headers['Link'] = links.join(', ');
  return { body: page.map(hookDeliveryItem), headers };
}
