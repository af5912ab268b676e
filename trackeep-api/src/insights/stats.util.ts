/** Percentile with linear interpolation between closest ranks (PostgreSQL's percentile_cont). */
export function percentile(values: readonly number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = p * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const low = sorted[lo] ?? 0;
  return low + ((sorted[hi] ?? low) - low) * (rank - lo);
}

export const median = (values: readonly number[]): number | null => percentile(values, 0.5);

export function mean(values: readonly number[]): number | null {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

const HOUR_MS = 3_600_000;

/** Hours from a to b, never negative (a later first commit than the opening counts as no coding time). */
export function hoursBetween(a: Date, b: Date): number {
  return Math.max(0, (b.getTime() - a.getTime()) / HOUR_MS);
}

/** Rounded to one decimal for display; null stays null. */
export function round1(v: number | null): number | null {
  return v === null ? null : Math.round(v * 10) / 10;
}

export function round3(v: number | null): number | null {
  return v === null ? null : Math.round(v * 1000) / 1000;
}
