// Owns deciding which earlier windows a digest run must finish or catch up before the latest one,
// and which windows `shiptrack status` reports as outstanding. Pure: takes the digests rows
// already read; no DB, no clock, no REST.

import { windowWeeksBefore, type DigestWindow } from './window.js';

export interface KnownWindow {
  readonly windowStart: Date;
  readonly status: string;
}

/**
 * `unfinished`: a run claimed the window and did not finish it (its row is still `posting`).
 * `missed`: no run ever claimed it, although it ended after the first window ShipTrack handled.
 */
export type CatchUpReason = 'unfinished' | 'missed';

export interface DueWindow {
  readonly window: DigestWindow;
  readonly reason: CatchUpReason;
}

/**
 * The windows before `latest`, at most `lookbackWeeks` of them, that a run finishes or posts
 * late first, oldest first. "Missed" counts only windows after the first window that has a
 * digests row at all: a fresh install (no row yet) or a database that never ran a digest for
 * those weeks does not post weeks from before it was running.
 */
export function windowsToCatchUp(latest: DigestWindow, lookbackWeeks: number, known: readonly KnownWindow[]): DueWindow[] {
  const byStart = new Map(known.map((k) => [new Date(k.windowStart).getTime(), k]));
  const first = known.reduce<number | undefined>((min, k) => {
    const t = new Date(k.windowStart).getTime();
    return min === undefined || t < min ? t : min;
  }, undefined);
  const due: DueWindow[] = [];
  for (let k = lookbackWeeks; k >= 1; k--) {
    const w = windowWeeksBefore(latest, k);
    const row = byStart.get(w.start.getTime());
    if (row?.status === 'posting') due.push({ window: w, reason: 'unfinished' });
    else if (!row && first !== undefined && w.start.getTime() > first) due.push({ window: w, reason: 'missed' });
  }
  return due;
}
