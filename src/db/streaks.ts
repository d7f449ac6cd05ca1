// Owns the reads behind weekly streaks (issue 16): which digest weeks a member launched in, and
// who reached a streak milestone in a given window. Live launches only (deleted_at IS NULL). The
// arithmetic is src/digest/streaks.ts; weeks are numbered in SQL exactly as weekIndex() does.

import type { Queryable } from './pool.js';
import { STREAK_EPOCH_SQL, STREAK_MILESTONES, runEndingAt, weekIndex } from '../digest/streaks.js';

const WEEK_OF = `floor(extract(epoch FROM created_at - ${STREAK_EPOCH_SQL}) / 604800)::int`;

/** Distinct window numbers with at least one live launch of `userId`, ascending (launches_live_user_idx). */
export async function launchWeeks(db: Queryable, userId: string): Promise<number[]> {
  const { rows } = await db.query<{ week: number }>(
    `SELECT DISTINCT ${WEEK_OF} AS week FROM launches WHERE user_id = $1 AND deleted_at IS NULL ORDER BY 1`, [userId]);
  return rows.map((r) => Number(r.week));
}

export interface MilestoneReached { userId: string; weeks: number }

/**
 * Members whose streak reaches a milestone (4, 8, 12, 26, 52 weeks) with the window [start, end):
 * they launched in it and in exactly milestone - 1 weeks in a row before it. Reads at most the 53
 * windows up to `end`, which is enough to tell a run of 52 from a longer one. Ordered by user id.
 * The window's members are an array computed once (`= ANY (ARRAY(…))`), not an IN subquery: on a
 * table without planner statistics (just restored or bulk-loaded, before autovacuum's ANALYZE) the
 * subquery form was planned as a nested loop, 300 ms for 10,000 launches.
 */
export async function streakMilestones(db: Queryable, start: Date, end: Date): Promise<MilestoneReached[]> {
  const horizon = Math.max(...STREAK_MILESTONES) + 1;
  const from = new Date(start.getTime() - (horizon - 1) * 7 * 86_400_000);
  const { rows } = await db.query<{ userId: string; weeks: number[] }>(
    `SELECT user_id::text AS "userId", array_agg(DISTINCT ${WEEK_OF}) AS weeks
     FROM launches
     WHERE deleted_at IS NULL AND created_at >= $1 AND created_at < $3
       AND user_id = ANY (ARRAY(SELECT DISTINCT user_id FROM launches WHERE deleted_at IS NULL AND created_at >= $2 AND created_at < $3))
     GROUP BY user_id ORDER BY user_id`, [from, start, end]);
  const week = weekIndex(start);
  const out: MilestoneReached[] = [];
  for (const r of rows) {
    const run = runEndingAt(r.weeks.map(Number), week);
    if (STREAK_MILESTONES.includes(run)) out.push({ userId: r.userId, weeks: run });
  }
  return out;
}
