// Owns the digest's fixed weekly windows: [Monday 09:00 UTC, next Monday 09:00 UTC), labelled by
// the ISO week of the posting Monday. Pure date arithmetic in UTC; never reads the clock.

/** Digest schedule: Mondays 09:00 UTC, matching the timer `OnCalendar=Mon *-*-* 09:00:00 UTC` (docs/systemd.md §3). */
export const DIGEST_WEEKDAY_UTC = 1; // Monday, as Date#getUTCDay counts
export const DIGEST_HOUR_UTC = 9;

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
const ISO_WEEK = /^(\d{4})-W(\d{2})$/;

export interface DigestWindow {
  /** Inclusive start: the Monday 09:00 UTC one week before `end`. */
  readonly start: Date;
  /** Exclusive end: the Monday 09:00 UTC the digest is posted. */
  readonly end: Date;
  /** ISO week of `end`, e.g. '2026-W48'. */
  readonly isoWeek: string;
}

function utc(year: number, monthIndex: number, day: number, hour = 0): number {
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const d = new Date(0);
  d.setUTCFullYear(year, monthIndex, day);
  d.setUTCHours(hour, 0, 0, 0);
  return d.getTime();
}

/** Monday 00:00 UTC of ISO week 1 of `isoYear` (the week containing 4 January). */
function isoWeekOneMonday(isoYear: number): number {
  const jan4 = utc(isoYear, 0, 4);
  const dow = (new Date(jan4).getUTCDay() + 6) % 7; // Monday = 0
  return jan4 - dow * DAY_MS;
}

/** 52 or 53: a year has 53 ISO weeks when 1 January is a Thursday, or a Wednesday in a leap year. */
export function isoWeeksInYear(isoYear: number): number {
  return Math.round((isoWeekOneMonday(isoYear + 1) - isoWeekOneMonday(isoYear)) / WEEK_MS);
}

/** ISO 8601 week label of the UTC calendar date of `date`, e.g. '2020-W53', '2026-W01'. */
export function isoWeekOf(date: Date): string {
  const t = date.getTime();
  if (!Number.isFinite(t)) throw new RangeError('isoWeekOf: invalid Date');
  // The ISO year is the year of this week's Thursday.
  const day = Math.floor(t / DAY_MS) * DAY_MS;
  const dow = (new Date(day).getUTCDay() + 6) % 7;
  const thursday = new Date(day + (3 - dow) * DAY_MS);
  const isoYear = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - isoWeekOneMonday(isoYear)) / WEEK_MS) + 1;
  return `${String(isoYear).padStart(4, '0')}-W${String(week).padStart(2, '0')}`;
}

function windowEnding(endMs: number): DigestWindow {
  const end = new Date(endMs);
  return { start: new Date(endMs - WEEK_MS), end, isoWeek: isoWeekOf(end) };
}

/** The window `weeks` weeks before `w` (1 = the week before). */
export function windowWeeksBefore(w: DigestWindow, weeks: number): DigestWindow {
  return windowEnding(w.end.getTime() - weeks * WEEK_MS);
}

/** A window built at `now` is late when the next window has already ended (a catch-up). */
export function isLate(w: DigestWindow, now: Date): boolean {
  return now.getTime() >= w.end.getTime() + WEEK_MS;
}

/**
 * The most recent window that has ended by `now`: `end` is the latest Monday 09:00 UTC <= now
 * (so exactly 09:00:00.000 already counts), `start` is seven days earlier.
 */
export function windowEndingAt(now: Date): DigestWindow {
  const t = now.getTime();
  if (!Number.isFinite(t)) throw new RangeError('windowEndingAt: invalid Date');
  const day = Math.floor(t / DAY_MS) * DAY_MS;
  const sinceMonday = (new Date(day).getUTCDay() - DIGEST_WEEKDAY_UTC + 7) % 7;
  let end = day - sinceMonday * DAY_MS + DIGEST_HOUR_UTC * 3_600_000;
  if (end > t) end -= WEEK_MS; // Monday before 09:00: this week's digest is not due yet
  return windowEnding(end);
}

/** Parses 'YYYY-Www'; throws RangeError naming the problem (format, week 00, week 53 in a 52-week year). */
export function parseIsoWeek(label: string): { year: number; week: number } {
  const m = ISO_WEEK.exec(label.trim());
  if (!m) throw new RangeError(`ISO week must look like 2026-W48, got "${label}"`);
  const year = Number(m[1]);
  const week = Number(m[2]);
  const weeks = isoWeeksInYear(year);
  if (week < 1 || week > weeks) throw new RangeError(`${year} has ISO weeks 01-${weeks}, got W${m[2]}`);
  return { year, week };
}

/**
 * The window posted on Monday of ISO week `label`: it ends Monday 09:00 UTC of that week and
 * covers the seven days before (the digest posted in W48 covers [Mon W47 09:00, Mon W48 09:00)).
 */
export function windowForIsoWeek(label: string): DigestWindow {
  const { year, week } = parseIsoWeek(label);
  return windowEnding(isoWeekOneMonday(year) + (week - 1) * WEEK_MS + DIGEST_HOUR_UTC * 3_600_000);
}
