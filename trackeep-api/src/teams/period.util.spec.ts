import { PeriodError, resolvePeriod, weekStart } from './period.util';

// Wednesday 2026-03-11, mid-morning UTC.
const NOW = new Date('2026-03-11T10:30:00Z');
const iso = (d: Date) => d.toISOString();

describe('resolvePeriod', () => {
  it('this week runs Monday to Monday, and is compared with the week before as far as it has run', () => {
    const p = resolvePeriod('week', undefined, undefined, NOW);
    expect(iso(p.current.from)).toBe('2026-03-09T00:00:00.000Z');
    expect(iso(p.current.to)).toBe('2026-03-16T00:00:00.000Z');
    expect(iso(p.elapsed.to)).toBe('2026-03-11T10:30:00.000Z');
    // Monday to Wednesday 10:30 of the week before, not all of it.
    expect(iso(p.previous.from)).toBe('2026-03-02T00:00:00.000Z');
    expect(iso(p.previous.to)).toBe('2026-03-04T10:30:00.000Z');
  });

  it('compares in steps of 15 minutes, and a period that is over in full', () => {
    const p = resolvePeriod('week', undefined, undefined, new Date('2026-03-09T00:14:59Z'));
    expect(iso(p.elapsed.to)).toBe('2026-03-09T00:00:00.000Z');
    expect(iso(p.previous.to)).toBe('2026-03-02T00:00:00.000Z');
    expect(
      iso(resolvePeriod('week', undefined, undefined, new Date('2026-03-09T00:15:00Z')).previous.to),
    ).toBe('2026-03-02T00:15:00.000Z');
    const over = resolvePeriod('custom', '2026-01-01', '2026-01-10', NOW);
    expect(over.elapsed).toEqual(over.current);
    expect(iso(over.previous.to)).toBe('2026-01-01T00:00:00.000Z');
    // A custom period still to come has not run at all.
    const ahead = resolvePeriod('custom', '2026-04-01', '2026-04-07', NOW);
    expect(ahead.elapsed.to).toEqual(ahead.current.from);
    expect(ahead.previous.to).toEqual(ahead.previous.from);
  });

  it('4 weeks and a quarter end with this week and span 4 and 13 weeks', () => {
    const four = resolvePeriod('4w', undefined, undefined, NOW);
    expect(iso(four.current.from)).toBe('2026-02-16T00:00:00.000Z');
    expect(iso(four.previous.from)).toBe('2026-01-19T00:00:00.000Z');
    const quarter = resolvePeriod('quarter', undefined, undefined, NOW);
    expect((quarter.current.to.getTime() - quarter.current.from.getTime()) / 86_400_000).toBe(91);
    expect(quarter.previous.from.getTime()).toBe(quarter.current.from.getTime() - 91 * 86_400_000);
    expect(quarter.previous.to.getTime() - quarter.previous.from.getTime()).toBe(
      quarter.elapsed.to.getTime() - quarter.elapsed.from.getTime(),
    );
  });

  it('a custom period includes both days and the trend covers at least twelve weeks from a Monday', () => {
    const p = resolvePeriod('custom', '2026-01-01', '2026-01-10', NOW);
    expect(iso(p.current.from)).toBe('2026-01-01T00:00:00.000Z');
    expect(iso(p.current.to)).toBe('2026-01-11T00:00:00.000Z');
    expect(iso(p.previous.from)).toBe('2025-12-22T00:00:00.000Z');
    expect(p.trendFrom.getUTCDay()).toBe(1);
    expect(p.current.to.getTime() - p.trendFrom.getTime()).toBeGreaterThanOrEqual(12 * 7 * 86_400_000);
  });

  it.each([
    ['custom', undefined, '2026-01-10', 'period=custom needs both from and to (YYYY-MM-DD)'],
    ['custom', '2026-02-30', '2026-03-01', 'from must be a date as YYYY-MM-DD'],
    ['custom', '2026-01-10', '2026-01-01', 'to must not be before from'],
    ['custom', '2024-01-01', '2026-01-01', 'a custom period spans at most 366 days'],
    ['week', '2026-01-01', undefined, 'from and to are only allowed with period=custom'],
  ] as const)('rejects %s from=%s to=%s', (kind, from, to, message) => {
    expect(() => resolvePeriod(kind, from, to, NOW)).toThrow(new PeriodError(message));
  });

  it('finds the Monday of a Sunday', () => {
    expect(iso(weekStart(new Date('2026-03-15T23:59:00Z')))).toBe('2026-03-09T00:00:00.000Z');
  });
});
