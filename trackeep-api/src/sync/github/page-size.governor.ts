export type PagedStream =
  'commits' | 'pulls' | 'refs' | 'stars' | 'forks' | 'deployments' | 'issues' | 'releases' | 'tags';

interface StreamSize {
  size: number;
  successes: number;
  /** A size that failed recently; growth stays below it until `ceilingUntil`. */
  ceiling: number | null;
  ceilingUntil: number;
}

const MAX = 100;
const MIN = 5;
/** "Start moderate": big enough to be cheap, small enough not to time out on a first page of huge commits. */
const START: Record<PagedStream, number> = {
  commits: 50,
  pulls: 50,
  refs: 100,
  stars: 100,
  forks: 100,
  deployments: 100,
  issues: 100,
  releases: 100,
  tags: 100,
};
const GROW_AFTER = 2;
const CEILING_MS = 10 * 60_000;

/**
 * Adaptive GraphQL page sizes, shared by the jobs of one process: halve on a 502/timeout (GitHub's
 * answer to a page that is too expensive to compute), grow back by half after a couple of healthy
 * pages, and stay below a size that failed in the last few minutes.
 */
export class PageSizeGovernor {
  private readonly sizes = new Map<PagedStream, StreamSize>();

  constructor(private readonly now: () => number = Date.now) {}

  size(stream: PagedStream): number {
    return this.state(stream).size;
  }

  succeeded(streams: PagedStream[]): void {
    for (const stream of streams) {
      const s = this.state(stream);
      if (++s.successes < GROW_AFTER) continue;
      s.successes = 0;
      const cap = s.ceiling !== null && this.now() < s.ceilingUntil ? s.ceiling - 1 : MAX;
      if (s.ceiling !== null && this.now() >= s.ceilingUntil) s.ceiling = null;
      s.size = Math.max(s.size, Math.min(cap, MAX, Math.ceil(s.size * 1.5)));
    }
  }

  failed(streams: Array<{ stream: PagedStream; size: number }>): void {
    for (const { stream, size } of streams) {
      const s = this.state(stream);
      s.successes = 0;
      s.ceiling = size;
      s.ceilingUntil = this.now() + CEILING_MS;
      s.size = Math.max(MIN, Math.floor(Math.min(s.size, size) / 2));
    }
  }

  private state(stream: PagedStream): StreamSize {
    let s = this.sizes.get(stream);
    if (!s) {
      s = { size: START[stream], successes: 0, ceiling: null, ceilingUntil: 0 };
      this.sizes.set(stream, s);
    }
    return s;
  }
}
