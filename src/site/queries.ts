// Owns the public site's reads: a handful of indexed queries per page, live launches only
// (deleted_at IS NULL), with each launch's author marked hidden when they chose `/site
// visibility:hide me` (site_hidden_members, sql/0011). Does not render.
//
// Where a launch shows: where the digest put it. A launch a digest listed from an earlier week (a
// late arrival) carries that digest's window in launches.digest_window_start (sql/0006); a
// digest's own week's launches are recorded by range since sql/0012 and keep it NULL, so they show
// in the window their created_at falls in, as does a launch no digest carried yet. Both branches
// use launches_live_digest_idx.

import type { Queryable } from '../db/pool.js';
import { launchWeeks } from '../db/streaks.js';
import { STREAK_EPOCH_SQL } from '../digest/streaks.js';
import { ANONYMOUS, mentionedUsers, plainMentions } from './mentions.js';

export interface SiteLaunch {
  id: string;
  userId: string;
  userName: string;
  content: string;
  createdAt: Date;
  editedAt: Date | null;
  /** The author hid themselves from the site: show "a member", link to no page. */
  hidden: boolean;
  /** Start of the digest window the launch shows in (see the header). */
  weekStart: Date;
}

/** Start of the digest window a launch shows in (see the header). */
const PLACED = `coalesce(l.digest_window_start, ${STREAK_EPOCH_SQL} + floor(extract(epoch FROM l.created_at - ${STREAK_EPOCH_SQL}) / 604800) * interval '7 days')`;
const LAUNCH = `l.id::text, l.user_id::text AS "userId", l.user_name AS "userName", l.content,
  l.created_at AS "createdAt", l.edited_at AS "editedAt", (h.user_id IS NOT NULL) AS hidden, ${PLACED} AS "weekStart"`;
const HIDDEN_JOIN = 'LEFT JOIN site_hidden_members h ON h.user_id = l.user_id';
const IN_WINDOW = `l.deleted_at IS NULL AND (l.digest_window_start = $1 OR (l.digest_window_start IS NULL AND l.created_at >= $1 AND l.created_at < $2))`;

/**
 * What the site has shown may have changed whenever this changes: site_data_seq moves with every
 * statement that writes what the site shows (sql/0011 triggers). One row, no table read.
 */
export async function dataVersion(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ v: string }>(`SELECT last_value::text || (CASE WHEN is_called THEN '' ELSE '-' END) AS v FROM site_data_seq`);
  return rows[0]?.v ?? '';
}

/** Launches shown per week from `from` (a window start) on: window start (ms) → count. */
export async function weekCounts(db: Queryable, from: Date): Promise<Map<number, number>> {
  const { rows } = await db.query<{ ms: string; n: number }>(
    `SELECT (extract(epoch FROM w) * 1000)::bigint::text AS ms, count(*)::int AS n
     FROM (SELECT ${PLACED} AS w FROM launches l
           WHERE l.deleted_at IS NULL AND (l.created_at >= $1 OR l.digest_window_start >= $1)) x
     WHERE w >= $1 GROUP BY w`, [from]);
  return new Map(rows.map((r) => [Number(r.ms), r.n]));
}

export interface WeekTotals { count: number; founders: number; late: number }

/** How many launches the week [start, end) shows, by how many members, and how many of them are late arrivals. */
export async function weekTotals(db: Queryable, start: Date, end: Date): Promise<WeekTotals> {
  const { rows } = await db.query<WeekTotals>(
    `SELECT count(*)::int AS count, count(DISTINCT l.user_id) FILTER (WHERE l.created_at >= $1)::int AS founders,
            count(*) FILTER (WHERE l.created_at < $1)::int AS late
     FROM launches l WHERE ${IN_WINDOW}`, [start, end]);
  return rows[0] ?? { count: 0, founders: 0, late: 0 };
}

/** The launches the week [start, end) shows, oldest first (`newest`: newest first), at most `limit`. */
export async function weekLaunches(db: Queryable, start: Date, end: Date, limit: number, order: 'oldest' | 'newest' = 'oldest'): Promise<SiteLaunch[]> {
  const dir = order === 'newest' ? 'DESC' : 'ASC';
  const { rows } = await db.query<SiteLaunch>(
    `SELECT ${LAUNCH} FROM launches l ${HIDDEN_JOIN} WHERE ${IN_WINDOW} ORDER BY l.created_at ${dir}, l.id ${dir} LIMIT $3`, [start, end, limit]);
  return withPlainMentions(db, rows);
}

export interface DigestInfo {
  status: 'posting' | 'done' | 'empty';
  launchCount: number;
  finishedAt: Date | null;
  /** Part 1 of the frozen digest (its header, theme line), when it was built. */
  firstPart: string | null;
}

export async function digestInfo(db: Queryable, windowStart: Date): Promise<DigestInfo | undefined> {
  const { rows } = await db.query<DigestInfo>(
    `SELECT d.status, d.launch_count AS "launchCount", d.finished_at AS "finishedAt",
            (SELECT p.content FROM digest_parts p WHERE p.window_start = d.window_start AND p.part_no = 1) AS "firstPart"
     FROM digests d WHERE d.window_start = $1`, [windowStart]);
  return rows[0];
}

export interface PostedDigest {
  isoWeek: string;
  windowStart: Date;
  windowEnd: Date;
  launchCount: number;
  finishedAt: Date;
  firstPart: string | null;
}

/** Digests posted to Discord (status done), newest first. */
export async function postedDigests(db: Queryable, limit: number): Promise<PostedDigest[]> {
  const { rows } = await db.query<PostedDigest>(
    `SELECT d.iso_week AS "isoWeek", d.window_start AS "windowStart", d.window_end AS "windowEnd", d.launch_count AS "launchCount",
            coalesce(d.finished_at, d.created_at) AS "finishedAt",
            (SELECT p.content FROM digest_parts p WHERE p.window_start = d.window_start AND p.part_no = 1) AS "firstPart"
     FROM digests d WHERE d.status = 'done' ORDER BY d.window_start DESC LIMIT $1`, [limit]);
  return rows;
}

/** The newest live launches, newest first (the launch feed). */
export async function latestLaunches(db: Queryable, limit: number): Promise<SiteLaunch[]> {
  const { rows } = await db.query<SiteLaunch>(
    `SELECT ${LAUNCH} FROM launches l ${HIDDEN_JOIN} WHERE l.deleted_at IS NULL ORDER BY l.created_at DESC, l.id DESC LIMIT $1`, [limit]);
  return withPlainMentions(db, rows);
}

export interface MemberData {
  name: string;
  count: number;
  first: Date;
  last: Date;
  /** Newest first, at most the limit asked for. */
  recent: SiteLaunch[];
  /** Digest windows (weekIndex numbers) with a launch, for the streaks. */
  weeks: number[];
  /** 'YYYY-MM-DD' (UTC) → launches that day, from `since` on. */
  days: Map<string, number>;
}

/**
 * A member's page, or undefined when they have no live launch or hid themselves (both 404).
 * `recent` is the newest `limit` after skipping `offset` (the page's share of the list).
 */
export async function memberData(db: Queryable, userId: string, since: Date, limit: number, offset = 0): Promise<MemberData | undefined> {
  const totals = await db.query<{ count: number; first: Date | null; last: Date | null; hidden: boolean }>(
    `SELECT count(*)::int AS count, min(created_at) AS first, max(created_at) AS last,
            EXISTS (SELECT 1 FROM site_hidden_members WHERE user_id = $1) AS hidden
     FROM launches WHERE user_id = $1 AND deleted_at IS NULL`, [userId]);
  const t = totals.rows[0];
  if (!t || t.count === 0 || t.hidden || !t.first || !t.last) return undefined;
  const recent = await db.query<SiteLaunch>(
    `SELECT ${LAUNCH} FROM launches l ${HIDDEN_JOIN} WHERE l.user_id = $1 AND l.deleted_at IS NULL
     ORDER BY l.created_at DESC, l.id DESC LIMIT $2 OFFSET $3`, [userId, limit, offset]);
  const latest = offset === 0 ? recent.rows[0]?.userName
    : (await db.query<{ name: string }>('SELECT user_name AS name FROM launches WHERE user_id = $1 AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1', [userId])).rows[0]?.name;
  const days = await db.query<{ day: string; n: number }>(
    `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)::int AS n
     FROM launches WHERE user_id = $1 AND deleted_at IS NULL AND created_at >= $2 GROUP BY 1`, [userId, since]);
  return {
    name: latest ?? '', count: t.count, first: t.first, last: t.last, recent: await withPlainMentions(db, recent.rows),
    weeks: await launchWeeks(db, userId), days: new Map(days.rows.map((r) => [r.day, r.n])),
  };
}

/**
 * `launches` with mention tokens in their text as readers should see them (mentions.ts): a
 * mentioned member by the newest name ShipTrack stored for them, "a member" when they hid
 * themselves or never launched. One query, only when some launch mentions someone.
 */
async function withPlainMentions(db: Queryable, launches: SiteLaunch[]): Promise<SiteLaunch[]> {
  const ids = mentionedUsers(launches.map((l) => l.content));
  const names = new Map<string, string>();
  if (ids.length > 0) {
    const { rows } = await db.query<{ id: string; name: string; hidden: boolean }>(
      `SELECT DISTINCT ON (l.user_id) l.user_id::text AS id, l.user_name AS name, (h.user_id IS NOT NULL) AS hidden
       FROM launches l ${HIDDEN_JOIN} WHERE l.user_id = ANY($1::bigint[]) AND l.deleted_at IS NULL
       ORDER BY l.user_id, l.created_at DESC, l.id DESC`, [ids]);
    for (const r of rows) names.set(r.id, r.hidden ? ANONYMOUS : r.name);
  }
  return launches.map((l) => (l.content.includes('<') ? { ...l, content: plainMentions(l.content, names) } : l));
}
