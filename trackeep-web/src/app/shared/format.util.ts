const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const MONTH = 30 * DAY;
const YEAR = 365 * DAY;

const relativeFormat = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const exactFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'long' });
const clockFormat = new Intl.DateTimeFormat('en', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const dayClockFormat = new Intl.DateTimeFormat('en', {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
const compactFormat = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
const integerFormat = new Intl.NumberFormat('en');

/** "3 minutes ago", "yesterday", "in 2 hours": coarse on purpose; the exact time is one hover away. */
export function relativeTime(iso: string | null | undefined, now: number): string {
  if (!iso) return 'never';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return 'unknown';
  const seconds = Math.round((at - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  if (abs < HOUR) return relativeFormat.format(Math.round(seconds / MINUTE), 'minute');
  if (abs < DAY) return relativeFormat.format(Math.round(seconds / HOUR), 'hour');
  if (abs < WEEK) return relativeFormat.format(Math.round(seconds / DAY), 'day');
  if (abs < MONTH) return relativeFormat.format(Math.round(seconds / WEEK), 'week');
  if (abs < YEAR) return relativeFormat.format(Math.round(seconds / MONTH), 'month');
  return relativeFormat.format(Math.round(seconds / YEAR), 'year');
}

export function exactTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const at = Date.parse(iso);
  return Number.isNaN(at) ? iso : exactFormat.format(at);
}

/** "14:05" in local time for a moment today (as seen at `now`), "Mar 2, 14:05" for another day. */
export function clockTime(iso: string, now: number): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return at.toDateString() === new Date(now).toDateString()
    ? clockFormat.format(at)
    : dayClockFormat.format(at);
}

/** 1234 -> "1.2K" for counters; the exact number goes in a title. */
export function compactNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : compactFormat.format(value);
}

export function fullNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : integerFormat.format(value);
}

/** (1, 'commit') -> "1 commit", (1234, 'commit') -> "1,234 commits"; `plural` for irregular nouns. */
export function counted(n: number, singular: string, plural = `${singular}s`): string {
  return `${integerFormat.format(n)} ${n === 1 ? singular : plural}`;
}

/** Hours from the insights figures: "under 1 h", hours up to two days ("33.5 h"), then days ("7.1 d"). */
export function hoursText(h: number | null | undefined): string {
  if (h === null || h === undefined || Number.isNaN(h)) return '–';
  if (h < 1) return 'under 1 h';
  return h < 48 ? `${h} h` : `${Math.round((h / 24) * 10) / 10} d`;
}

/** 93784 -> "1d 2h": the two largest units, enough to compare cycle times at a glance. */
export function formatDuration(totalSeconds: number | null | undefined): string {
  if (totalSeconds === null || totalSeconds === undefined || Number.isNaN(totalSeconds)) return '–';
  const s = Math.max(0, Math.round(totalSeconds));
  if (s < MINUTE) return `${s}s`;
  const units: [number, string][] = [
    [DAY, 'd'],
    [HOUR, 'h'],
    [MINUTE, 'm'],
  ];
  const parts: string[] = [];
  let rest = s;
  for (const [size, label] of units) {
    const n = Math.floor(rest / size);
    if (n > 0 || parts.length > 0) parts.push(`${n}${label}`);
    rest -= n * size;
    if (parts.length === 2) break;
  }
  return parts.filter((p) => !/^0[a-z]$/.test(p)).join(' ') || '0m';
}

export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

export function firstLine(message: string): string {
  const end = message.indexOf('\n');
  return end === -1 ? message : message.slice(0, end);
}
