import type { TeamsPeriodKind } from '@trackeep/contracts';

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/**
 * How far into a period under way the previous one is compared, in steps of this: the figures of a period are
 * reused until the step changes (or the data does), and the previous period ends at most this much short.
 */
const ELAPSED_STEP_MS = 15 * 60_000;
/** Longest custom period: a year and a day (a leap year's whole). */
export const MAX_CUSTOM_DAYS = 366;
/** At least this many weeks in the trend series (more when the period is longer). */
export const TREND_MIN_WEEKS = 12;

export interface Period {
  kind: TeamsPeriodKind;
  current: { from: Date; to: Date };
  /** The part of the current period that has passed: all of it once it is over. */
  elapsed: { from: Date; to: Date };
  /**
   * The period before, as long as the current one, compared as far into it as the current one has run: on a
   * Monday, this week's figures are set against last Monday's, not against all of last week.
   */
  previous: { from: Date; to: Date };
  /** Monday (UTC) where the weekly trend series starts. */
  trendFrom: Date;
}

/** Thrown for a period the caller must correct (answered 400). */
export class PeriodError extends Error {}

/** Monday 00:00 UTC of the week holding `at`. */
export function weekStart(at: Date): Date {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return new Date(day.getTime() - sinceMonday * DAY_MS);
}

/**
 * The period asked for, in UTC: `week` is this calendar week (Monday to Monday), `4w` the last four calendar
 * weeks and `quarter` the last thirteen, this week included; `custom` runs from `from` to `to` (calendar dates,
 * both days included). The previous period is as long and ends where this one starts; while the current period is
 * under way, only as much of the previous one as has passed of it is compared.
 */
export function resolvePeriod(
  kind: TeamsPeriodKind,
  from: string | undefined,
  to: string | undefined,
  now: Date,
): Period {
  if (kind !== 'custom' && (from !== undefined || to !== undefined))
    throw new PeriodError('from and to are only allowed with period=custom');
  let current: { from: Date; to: Date };
  if (kind === 'custom') {
    if (from === undefined || to === undefined)
      throw new PeriodError('period=custom needs both from and to (YYYY-MM-DD)');
    const start = calendarDate(from, 'from');
    const end = calendarDate(to, 'to');
    if (end < start) throw new PeriodError('to must not be before from');
    const days = (end.getTime() - start.getTime()) / DAY_MS + 1;
    if (days > MAX_CUSTOM_DAYS)
      throw new PeriodError(`a custom period spans at most ${MAX_CUSTOM_DAYS} days`);
    current = { from: start, to: new Date(end.getTime() + DAY_MS) };
  } else {
    const weeks = kind === 'week' ? 1 : kind === '4w' ? 4 : 13;
    const next = weekStart(now).getTime() + WEEK_MS;
    current = { from: new Date(next - weeks * WEEK_MS), to: new Date(next) };
  }
  const length = current.to.getTime() - current.from.getTime();
  const since = Math.max(now.getTime() - current.from.getTime(), 0);
  const ran = Math.min(since - (since % ELAPSED_STEP_MS), length);
  const elapsed = { from: current.from, to: new Date(current.from.getTime() + ran) };
  const previous = {
    from: new Date(current.from.getTime() - length),
    to: new Date(current.from.getTime() - length + ran),
  };
  const span = Math.max(TREND_MIN_WEEKS * WEEK_MS, length);
  const trendFrom = weekStart(new Date(current.to.getTime() - span));
  return { kind, current, elapsed, previous, trendFrom };
}

function calendarDate(value: string, name: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  // Date.UTC rolls 2026-02-30 over into March: a date that does not read back is not a date.
  if (!d || d.toISOString().slice(0, 10) !== value)
    throw new PeriodError(`${name} must be a date as YYYY-MM-DD`);
  return d;
}
