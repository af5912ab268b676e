import type { StatsPoint, WeeklyCommits, WeeklyCycleTime } from '@trackeep/contracts';
import type { ChartSpec } from '../../../shared/chart/chart.types';

const dayLabel = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });
const dayYearLabel = new Intl.DateTimeFormat('en', {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  timeZone: 'UTC',
});
const label = (isoDate: string) => dayLabel.format(Date.parse(`${isoDate.slice(0, 10)}T00:00:00Z`));

/** One point per day (the day's last snapshot), oldest first: snapshots can be hourly, the chart needs days. */
export function dailyStats(points: readonly StatsPoint[]): StatsPoint[] {
  const byDay = new Map<string, StatsPoint>();
  for (const p of [...points].sort((a, b) => a.capturedAt.localeCompare(b.capturedAt))) {
    byDay.set(p.capturedAt.slice(0, 10), p);
  }
  return [...byDay.values()];
}

/**
 * Stars, forks and watchers per day over the repository's whole history: days before tracking began come from
 * the stars and forks history (watchers unknown there: gaps). Labels carry the year once the days span several.
 */
export function statsChart(points: readonly StatsPoint[]): ChartSpec {
  const days = dailyStats(points);
  const years = new Set(days.map((p) => p.capturedAt.slice(0, 4)));
  const dayOf = (iso: string) =>
    years.size > 1 ? dayYearLabel.format(Date.parse(`${iso.slice(0, 10)}T00:00:00Z`)) : label(iso);
  return {
    kind: 'line',
    labels: days.map((p) => dayOf(p.capturedAt)),
    valueLabel: 'Count',
    series: [
      { label: 'Stars', tone: 'primary', data: days.map((p) => p.stars) },
      { label: 'Forks', tone: 'tertiary', data: days.map((p) => p.forks) },
      { label: 'Watchers', tone: 'secondary', data: days.map((p) => p.watchers) },
    ],
  };
}

/** Commits per week (Monday-based, UTC) for the last `weeks` weeks, including empty weeks. */
/** Bars of the weeks the API counted (GET .../commits/weekly). */
export function commitActivityChart(weeks: readonly WeeklyCommits[]): ChartSpec {
  return {
    kind: 'bar',
    labels: weeks.map((w) => label(w.week)),
    valueLabel: 'Commits',
    series: [{ label: 'Commits', tone: 'primary', data: weeks.map((w) => w.commits) }],
  };
}

/** The API's weekly medians (GET .../pulls/cycle-time) in hours, one decimal, for the chart. */
export function cycleTimeRows(
  weeks: readonly WeeklyCycleTime[],
): { week: string; merged: number; medianHours: number | null }[] {
  return weeks.map((w) => ({
    week: w.week,
    merged: w.merged,
    medianHours: w.medianSeconds === null ? null : Math.round((w.medianSeconds / 3600) * 10) / 10,
  }));
}

export function cycleTimeChart(rows: { week: string; medianHours: number | null }[]): ChartSpec {
  return {
    kind: 'bar',
    labels: rows.map((r) => label(r.week)),
    valueLabel: 'Hours',
    series: [{ label: 'Median cycle time (h)', tone: 'tertiary', data: rows.map((r) => r.medianHours) }],
  };
}
