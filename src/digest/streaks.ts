// Owns weekly-streak arithmetic (issue 16): a streak is a run of consecutive digest weeks, the
// fixed windows [Monday 09:00 UTC, next Monday 09:00 UTC) of window.ts, each with at least one
// live launch. Weeks are counted as whole windows since a fixed Monday 09:00 UTC, so year ends and
// ISO years of 53 weeks need no special case. Pure: no DB, no clock.

import { DIGEST_HOUR_UTC } from './window.js';

const WEEK_MS = 7 * 86_400_000;
/** Monday 5 January 1970, 09:00 UTC: window 0 starts here (a digest window start, see window.ts). */
export const STREAK_EPOCH_MS = Date.UTC(1970, 0, 5, DIGEST_HOUR_UTC);
/** The same instant as SQL, for queries that number weeks like weekIndex() (src/db/streaks.ts). */
export const STREAK_EPOCH_SQL = `timestamptz '1970-01-05 ${String(DIGEST_HOUR_UTC).padStart(2, '0')}:00:00+00'`;
/** Streak lengths the digest celebrates, in weeks. */
export const STREAK_MILESTONES: readonly number[] = [4, 8, 12, 26, 52];

/** The number of the digest window containing `date` (its start is STREAK_EPOCH_MS + n weeks). */
export function weekIndex(date: Date): number {
  const t = date.getTime();
  if (!Number.isFinite(t)) throw new RangeError('weekIndex: invalid Date');
  return Math.floor((t - STREAK_EPOCH_MS) / WEEK_MS);
}

/** The start (Monday 09:00 UTC) of window `n`. */
export function weekStart(n: number): Date {
  return new Date(STREAK_EPOCH_MS + n * WEEK_MS);
}

export interface Streaks {
  /** Weeks in a row up to the current window, or up to the one before while the current one has no launch yet; 0 otherwise. */
  current: number;
  /** The longest run ever. */
  best: number;
}

/** Sorted, de-duplicated copy. */
function normalise(weeks: readonly number[]): number[] {
  return [...new Set(weeks.filter((w) => Number.isInteger(w)))].sort((a, b) => a - b);
}

/** The run of consecutive weeks ending exactly at `week` (0 when `week` has no launch). */
export function runEndingAt(weeks: readonly number[], week: number): number {
  const set = new Set(weeks);
  let n = 0;
  while (set.has(week - n)) n++;
  return n;
}

/**
 * Current and best streak from the weeks (window numbers) with a launch. The current week still
 * running does not break a streak: until it ends, a streak that reached last week is still current.
 */
export function streaks(weeks: readonly number[], currentWeek: number): Streaks {
  const sorted = normalise(weeks).filter((w) => w <= currentWeek);
  let best = 0, run = 0, prev: number | undefined;
  for (const w of sorted) {
    run = prev !== undefined && w === prev + 1 ? run + 1 : 1;
    best = Math.max(best, run);
    prev = w;
  }
  const current = runEndingAt(sorted, currentWeek) || runEndingAt(sorted, currentWeek - 1);
  return { current, best };
}

/** The milestone reached by a run of exactly `run` weeks, if any. */
export function milestone(run: number): number | undefined {
  return STREAK_MILESTONES.includes(run) ? run : undefined;
}
