import {
  COMMIT_NESTED_CONNECTIONS,
  DETECT_NESTED_CONNECTIONS,
  MAX_WALKS_PER_ROUND,
  PULL_NESTED_CONNECTIONS,
} from './sync-graphql.queries';

/**
 * GitHub scores a query before running it: every connection under every parent counts as one request
 * (a connection nested under `first: n` parents counts n), and cost = max(1, round(requests / 100)).
 * 149 requests still round to 1 point, so that is what one page query may spend.
 */
export const MAX_REQUESTS_PER_POINT = 149;

export interface RoundPages {
  refs: number;
  /** Page size of each commit walk, in order. */
  walks: number[];
  pulls: number;
  /** Stargazers and forks pages: one request each (nothing nested is a connection). */
  stars?: number;
  forks?: number;
}

export function roundRequests(p: RoundPages): number {
  let requests = 0;
  // The refs page, and the deployments, issues, releases and tags counts asked with it.
  if (p.refs > 0) requests += 5;
  if ((p.stars ?? 0) > 0) requests += 1;
  if ((p.forks ?? 0) > 0) requests += 1;
  for (const n of p.walks) if (n > 0) requests += 1 + n * COMMIT_NESTED_CONNECTIONS;
  if (p.pulls > 0) requests += 1 + p.pulls * PULL_NESTED_CONNECTIONS;
  return requests;
}

/** The requests of a round per stream, for attributing its cost. */
export function roundRequestsByStream(p: RoundPages): Record<string, number> {
  const out: Record<string, number> = {};
  if (p.refs > 0) out['refs'] = roundRequests({ refs: p.refs, walks: [], pulls: 0 });
  if (p.walks.length) out['commits'] = roundRequests({ refs: 0, walks: p.walks, pulls: 0 });
  if (p.pulls > 0) out['pulls'] = roundRequests({ refs: 0, walks: [], pulls: p.pulls });
  if ((p.stars ?? 0) > 0) out['stargazers'] = 1;
  if ((p.forks ?? 0) > 0) out['forks'] = 1;
  return out;
}

/** `nodes(ids:)` is a list, not a connection: only what is nested under each repository counts. */
export function detectRequests(ids: number): number {
  return ids * DETECT_NESTED_CONNECTIONS;
}

export function costOf(requests: number): number {
  return Math.max(1, Math.round(requests / 100));
}

/** Smallest pull page worth adding next to other streams. */
const MIN_RIDING_PULLS = 5;
/** Smallest extra commit walk worth adding to a round. */
const MIN_EXTRA_WALK = 10;

/**
 * Packs the pages one round fetches into a single query that costs one point: refs first (tiny), then the
 * commit walks in order (the first always gets a page; more only while a useful page still fits), then as
 * many pull requests as still fit. Pull requests nest three connections each, so on their own a point buys
 * 49 of them; riding along with a full commit page, 15 come free.
 */
export function planRound(want: RoundPages, budget = MAX_REQUESTS_PER_POINT): RoundPages {
  const plan: RoundPages = { refs: want.refs > 0 ? Math.min(want.refs, 100) : 0, walks: [], pulls: 0 };
  // Stargazers and forks pages cost one request each: they ride along with whatever else the round carries.
  if ((want.stars ?? 0) > 0) plan.stars = Math.min(want.stars ?? 0, 100);
  if ((want.forks ?? 0) > 0) plan.forks = Math.min(want.forks ?? 0, 100);
  for (const size of want.walks.slice(0, MAX_WALKS_PER_ROUND)) {
    const room = Math.floor((budget - roundRequests(plan) - 1) / COMMIT_NESTED_CONNECTIONS);
    const n = Math.min(size, 100, room);
    if (plan.walks.length === 0) plan.walks.push(Math.max(1, n));
    else if (n >= Math.min(size, MIN_EXTRA_WALK)) plan.walks.push(n);
    else break;
  }
  if (want.pulls > 0) {
    const room = Math.floor((budget - roundRequests(plan) - 1) / PULL_NESTED_CONNECTIONS);
    const n = Math.min(want.pulls, 100, room);
    const alone = plan.refs === 0 && plan.walks.length === 0 && !plan.stars && !plan.forks;
    if (alone) plan.pulls = Math.max(1, n);
    else if (n >= Math.min(want.pulls, MIN_RIDING_PULLS)) plan.pulls = n;
  }
  return plan;
}
