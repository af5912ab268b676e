import type { ActivityPage, TeamsPeriodKind, WeeklyActivity } from '@trackeep/contracts';
import type { PeriodChoice } from '../../core/api/teams.api';
import type { ChartSpec } from '../../shared/chart/chart.types';
import { hoursText } from '../../shared/format.util';

export interface FigureCard {
  label: string;
  current: string;
  previous: string;
  /** "+3", "−12 %", or null when there is nothing to compare. */
  change: string | null;
  /** Which way the change went, for the arrow (never a judgement: more is not better). */
  direction: 'up' | 'down' | 'same' | null;
}

const PERIODS: readonly TeamsPeriodKind[] = ['week', '4w', 'quarter', 'custom'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The period in the URL's query string, with the defaults the API uses. */
export function periodFromQuery(q: Record<string, string | undefined>): PeriodChoice {
  const period = PERIODS.includes(q['period'] as TeamsPeriodKind) ? (q['period'] as TeamsPeriodKind) : 'week';
  const from = q['from'] && DATE.test(q['from']) ? q['from'] : undefined;
  const to = q['to'] && DATE.test(q['to']) ? q['to'] : undefined;
  if (period === 'custom' && (!from || !to))
    return { period: 'week', includeBots: q['includeBots'] === 'true' };
  return { period, from, to, includeBots: q['includeBots'] === 'true' };
}

const count = (n: number) => n.toLocaleString('en');

const dayText = new Intl.DateTimeFormat('en', {
  month: 'short',
  day: 'numeric',
  year: 'numeric',
  timeZone: 'UTC',
});

function card(
  label: string,
  current: number | null,
  previous: number | null,
  format: (n: number) => string,
): FigureCard {
  const show = (n: number | null) => (n === null ? '–' : format(n));
  if (current === null || previous === null)
    return { label, current: show(current), previous: show(previous), change: null, direction: null };
  const diff = current - previous;
  const direction = diff > 0 ? 'up' : diff < 0 ? 'down' : 'same';
  const change =
    previous === 0
      ? diff === 0
        ? '±0'
        : `${diff > 0 ? '+' : '−'}${format(Math.abs(diff))}`
      : `${diff > 0 ? '+' : diff < 0 ? '−' : '±'}${Math.round((Math.abs(diff) / previous) * 100)} %`;
  return { label, current: show(current), previous: show(previous), change, direction };
}

/** The page's figures as cards, each next to the previous period's. */
export function figureCards(page: ActivityPage): FigureCard[] {
  const c = page.figures.current;
  const p = page.figures.previous;
  return [
    card('Commits', c.commits, p.commits, count),
    card('Lines changed', c.linesAdded + c.linesDeleted, p.linesAdded + p.linesDeleted, count),
    card('Pull requests opened', c.pullsOpened, p.pullsOpened, count),
    card('Pull requests merged', c.pullsMerged, p.pullsMerged, count),
    card('Median cycle time', c.cycleTimeMedianHours, p.cycleTimeMedianHours, hoursText),
    card('75th percentile cycle time', c.cycleTimeP75Hours, p.cycleTimeP75Hours, hoursText),
    card('Waiting for review', page.reviewQueue.current.waiting, page.reviewQueue.previous.waiting, count),
    card(
      'Longest wait for review',
      page.reviewQueue.current.longestWaitingHours,
      page.reviewQueue.previous.longestWaitingHours,
      hoursText,
    ),
    card('Active contributors', c.activeContributors, p.activeContributors, count),
  ];
}

const weekLabel = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });
const labels = (weeks: readonly WeeklyActivity[]) =>
  weeks.map((w) => weekLabel.format(Date.parse(w.weekStart)));

export function throughputChart(weeks: readonly WeeklyActivity[]): ChartSpec {
  return {
    kind: 'bar',
    labels: labels(weeks),
    valueLabel: 'Count',
    series: [
      { label: 'Commits', tone: 'primary', data: weeks.map((w) => w.commits) },
      { label: 'Pull requests merged', tone: 'tertiary', data: weeks.map((w) => w.pullsMerged) },
    ],
  };
}

export function cycleTimeTrend(weeks: readonly WeeklyActivity[]): ChartSpec {
  return {
    kind: 'line',
    labels: labels(weeks),
    valueLabel: 'Hours',
    series: [
      { label: 'Median cycle time (h)', tone: 'secondary', data: weeks.map((w) => w.cycleTimeMedianHours) },
    ],
  };
}

export function contributorsTrend(weeks: readonly WeeklyActivity[]): ChartSpec {
  return {
    kind: 'line',
    labels: labels(weeks),
    valueLabel: 'People',
    series: [{ label: 'Active contributors', tone: 'primary', data: weeks.map((w) => w.activeContributors) }],
  };
}

/**
 * "Jan 5, 2026 – Jan 11, 2026, compared with Dec 29, 2025 – Jan 4, 2026"; while the period is under way the API
 * compares only as much of the previous one as has passed of it, which the text says.
 */
export function periodText({ current, previous }: ActivityPage['period']): string {
  const day = (ms: number) => dayText.format(ms);
  const length = Date.parse(current.to) - Date.parse(current.from);
  const span = (from: string) => `${day(Date.parse(from))} – ${day(Date.parse(from) + length - 86_400_000)}`;
  const underWay = Date.parse(previous.to) - Date.parse(previous.from) < length;
  return underWay
    ? `${span(current.from)} so far, compared with the same part of ${span(previous.from)}`
    : `${span(current.from)}, compared with ${span(previous.from)}`;
}
