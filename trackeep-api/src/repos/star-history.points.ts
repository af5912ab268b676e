import type { StatsPoint } from '@trackeep/contracts';
import type { HistoryDayRow } from './star-history-read.repository';

/**
 * The stats chart's points before tracking began: one per day that gained stars or forks, from the stored
 * stargazers and forks (counted from the repository's first star, whatever the range), up to the day before
 * the first snapshot. From then on the snapshots speak (GitHub's own counts, with watchers and open issues,
 * which have no history and are null before). At most `max` points, evenly thinned, the last one kept.
 */
export function pointsBeforeTracking(
  days: readonly HistoryDayRow[],
  firstSnapshotAt: Date | null,
  range: { since: string; until?: string },
  max: number,
): StatsPoint[] {
  const since = Date.parse(range.since);
  const until = range.until === undefined ? Infinity : Date.parse(range.until);
  const trackedFrom = firstSnapshotAt ? Date.UTC(...utcDay(firstSnapshotAt)) : Infinity;
  const out: StatsPoint[] = [];
  let stars = 0;
  let forks = 0;
  for (const d of days) {
    stars += Number(d.stars);
    forks += Number(d.forks);
    const at = Date.parse(`${d.day}T00:00:00.000Z`);
    if (at >= trackedFrom) break;
    if (at < since || at >= until) continue;
    out.push({ capturedAt: new Date(at).toISOString(), stars, forks, watchers: null, openIssues: null });
  }
  return thin(out, max);
}

function utcDay(d: Date): [number, number, number] {
  return [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
}

/** Every k-th point so that at most `max` remain, always ending with the last. */
function thin<T>(points: T[], max: number): T[] {
  if (points.length <= max) return points;
  if (max <= 0) return [];
  const step = points.length / max;
  const out: T[] = [];
  for (let i = 1; i <= max; i++) out.push(points[Math.ceil(i * step) - 1] as T);
  return out;
}
