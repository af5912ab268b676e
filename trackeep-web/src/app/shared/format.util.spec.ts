import { clockTime, counted, exactTime, formatDuration, hoursText, relativeTime } from './format.util';

describe('relativeTime', () => {
  const now = Date.parse('2026-03-10T12:00:00Z');

  it('says "just now" for the last few seconds', () => {
    expect(relativeTime('2026-03-10T11:59:40Z', now)).toBe('just now');
  });

  it('uses the largest fitting unit in the past and the future', () => {
    expect(relativeTime('2026-03-10T11:55:00Z', now)).toBe('5 minutes ago');
    expect(relativeTime('2026-03-10T09:00:00Z', now)).toBe('3 hours ago');
    expect(relativeTime('2026-03-09T12:00:00Z', now)).toBe('yesterday');
    expect(relativeTime('2026-02-10T12:00:00Z', now)).toBe('4 weeks ago');
    expect(relativeTime('2026-01-10T12:00:00Z', now)).toBe('2 months ago');
    expect(relativeTime('2026-03-10T14:00:00Z', now)).toBe('in 2 hours');
  });

  it('says "never" for a missing time and "unknown" for garbage', () => {
    expect(relativeTime(null, now)).toBe('never');
    expect(relativeTime('not a date', now)).toBe('unknown');
  });
});

describe('exactTime', () => {
  it('formats a full date and time, keeping unparsable input as is', () => {
    expect(exactTime('2026-03-10T12:00:00Z')).toMatch(/Mar 10, 2026/);
    expect(exactTime('garbage')).toBe('garbage');
  });
});

describe('hoursText', () => {
  it('reads under an hour, hours up to two days, then days', () => {
    expect(hoursText(0)).toBe('under 1 h');
    expect(hoursText(0.4)).toBe('under 1 h');
    expect(hoursText(1)).toBe('1 h');
    expect(hoursText(33.5)).toBe('33.5 h');
    expect(hoursText(48)).toBe('2 d');
    expect(hoursText(170)).toBe('7.1 d');
    expect(hoursText(null)).toBe('–');
  });
});

describe('formatDuration', () => {
  it('shows the two largest units and drops empty ones', () => {
    expect(formatDuration(45)).toBe('45s');
    expect(formatDuration(3 * 3600 + 5 * 60)).toBe('3h 5m');
    expect(formatDuration(2 * 86400 + 4 * 3600 + 59)).toBe('2d 4h');
    expect(formatDuration(86400)).toBe('1d');
  });

  it('shows a dash when there is no duration', () => {
    expect(formatDuration(null)).toBe('–');
  });
});

describe('clockTime', () => {
  // Local times, so the expectations hold in any time zone.
  const now = new Date(2026, 2, 10, 10, 0).getTime();

  it('gives hours and minutes for a moment today, and adds the day otherwise', () => {
    expect(clockTime(new Date(2026, 2, 10, 14, 5).toISOString(), now)).toBe('14:05');
    expect(clockTime(new Date(2026, 2, 11, 0, 30).toISOString(), now)).toBe('Mar 11, 00:30');
  });

  it('keeps unparsable input as is', () => {
    expect(clockTime('garbage', now)).toBe('garbage');
  });
});

describe('counted', () => {
  it('names one thing in the singular, any other number in the plural, grouped by thousands', () => {
    expect(counted(1, 'commit')).toBe('1 commit');
    expect(counted(0, 'commit')).toBe('0 commits');
    expect(counted(1234, 'commit')).toBe('1,234 commits');
    expect(counted(1, 'branch', 'branches')).toBe('1 branch');
    expect(counted(2, 'branch', 'branches')).toBe('2 branches');
  });
});
