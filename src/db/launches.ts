// Owns SQL for the launches table: idempotent inserts, edits, soft deletes and the reads behind
// the digest, /profile and /leaderboard. Does not decide what is a launch (src/launch/detect.ts).
// Every text written goes through storableText, so no path loses a launch to a NUL byte.

import type pg from 'pg';
import type { Queryable } from './pool.js';
import { withTransaction } from './pool.js';

export interface NewLaunch {
  source: 'channel' | 'slash';
  guildId: string | null;
  channelId: string | null;
  userId: string;
  userName: string;
  content: string;
  urls: readonly string[];
  messageId?: string | null;
  interactionId?: string | null;
  createdAt: Date;
}

export interface LaunchRow {
  id: string;
  source: 'channel' | 'slash';
  guildId: string | null;
  channelId: string | null;
  userId: string;
  userName: string;
  content: string;
  urls: string[];
  messageId: string | null;
  interactionId: string | null;
  createdAt: Date;
  editedAt: Date | null;
  reactedAt: Date | null;
  deletedAt: Date | null;
  /** Discord refused the 🚀 for good (sql/0004): when, and Discord's answer. */
  reactionRefusedAt?: Date | null;
  reactionRefusedReason?: string | null;
}

const COLUMNS = `id::text, source, guild_id::text AS "guildId", channel_id::text AS "channelId",
  user_id::text AS "userId", user_name AS "userName", content, urls,
  message_id::text AS "messageId", interaction_id::text AS "interactionId", created_at AS "createdAt",
  edited_at AS "editedAt", reacted_at AS "reactedAt", deleted_at AS "deletedAt",
  reaction_refused_at AS "reactionRefusedAt", reaction_refused_reason AS "reactionRefusedReason"`;

// PostgreSQL text cannot hold U+0000 ("the character with code zero cannot be stored",
// postgresql.org/docs/current/datatype-character.html): one NUL in a nickname, a message or a link
// fails the whole INSERT, every time. Lone surrogates are valid JS but not UTF-8; pg encodes them
// as U+FFFD (Buffer's UTF-8 encoder), and so does this, so what is stored is what we compare.
const NUL = /\u0000/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `text` as PostgreSQL can store it: NULs dropped, lone surrogates as U+FFFD. */
export function storableText(text: string): string {
  // Most texts have no NUL and no surrogate at all: one charCodeAt pass instead of two replaces.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0 || (c >= 0xd800 && c <= 0xdfff)) return text.replace(NUL, '').replace(LONE_SURROGATE, '\ufffd');
  }
  return text;
}

/**
 * Stores a launch once. `created` is false when the same message or interaction was already
 * stored (a replayed dispatch, a retried delivery, a backfill overlap): callers must not react
 * or reply a second time in that case. `reactionOwed` then says whether that row still waits for
 * its 🚀 (e.g. an INSERT committed whose answer was lost, so the retry found the row).
 */
export async function insertLaunch(db: Queryable, l: NewLaunch): Promise<{ created: boolean; id: string; reactionOwed?: boolean }> {
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO launches (source, guild_id, channel_id, user_id, user_name, content, urls, message_id, interaction_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT DO NOTHING
     RETURNING id::text`,
    [l.source, l.guildId, l.channelId, l.userId, storableText(l.userName), storableText(l.content), l.urls.map(storableText),
      l.messageId ?? null, l.interactionId ?? null, l.createdAt],
  );
  if (inserted.rows[0]) return { created: true, id: inserted.rows[0].id };
  const existing = await db.query<{ id: string; owed: boolean }>(
    `SELECT id::text, (source = 'channel' AND reacted_at IS NULL AND reaction_refused_at IS NULL AND deleted_at IS NULL) AS owed
     FROM launches WHERE message_id = $1 OR interaction_id = $2`,
    [l.messageId ?? null, l.interactionId ?? null],
  );
  return { created: false, id: existing.rows[0]?.id ?? '', reactionOwed: existing.rows[0]?.owed ?? false };
}

/**
 * /ship's store: the launch of interaction `l.interactionId`, once. A new one costs one statement
 * (INSERT … ON CONFLICT DO NOTHING, its row count saying whether it stored; nothing RETURNed to
 * parse); a retried delivery one more, the SELECT of what the first delivery stored, so its answer
 * repeats the first one (issue 14: no SELECT before the INSERT, no second read of the same row).
 * `id` is the stored launch's id on a replay only.
 */
export async function insertInteractionLaunch(db: Queryable, l: NewLaunch & { interactionId: string }): Promise<{ created: boolean; id?: string; userName: string; content: string }> {
  const userName = storableText(l.userName);
  const content = storableText(l.content);
  const inserted = await db.query(
    `INSERT INTO launches (source, guild_id, channel_id, user_id, user_name, content, urls, message_id, interaction_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, to_timestamp($10::float8 / 1000))
     ON CONFLICT DO NOTHING`,
    [l.source, l.guildId, l.channelId, l.userId, userName, content, l.urls.map(storableText),
      // Epoch milliseconds, not the Date: node-postgres formats a Date in local time field by field,
      // and V8's toISOString goes through snprintf (about 6,700 instructions a call, measured with
      // callgrind; issue 14). The division is exact to the millisecond for every date Discord can
      // have (test/integration/db-launches.test.ts).
      l.messageId ?? null, l.interactionId, l.createdAt.getTime()],
  );
  if (inserted.rowCount === 1) return { created: true, userName, content };
  const existing = await db.query<{ id: string; userName: string; content: string }>(
    'SELECT id::text, user_name AS "userName", content FROM launches WHERE interaction_id = $1', [l.interactionId]);
  const row = existing.rows[0];
  return { created: false, ...(row ? { id: row.id } : {}), userName: row?.userName ?? userName, content: row?.content ?? content };
}

/** Whether a channel launch still waits for its 🚀 (not reacted, refused or deleted). */
export async function isReactionOwed(db: Queryable, id: string): Promise<boolean> {
  const { rows } = await db.query<{ owed: boolean }>(
    `SELECT (reacted_at IS NULL AND reaction_refused_at IS NULL AND deleted_at IS NULL) AS owed FROM launches WHERE id = $1`, [id]);
  return rows[0]?.owed ?? false;
}

export async function findByMessageId(db: Queryable, messageId: string): Promise<LaunchRow | undefined> {
  const { rows } = await db.query<LaunchRow>(`SELECT ${COLUMNS} FROM launches WHERE message_id = $1`, [messageId]);
  return rows[0];
}

export async function findByInteractionId(db: Queryable, interactionId: string): Promise<LaunchRow | undefined> {
  const { rows } = await db.query<LaunchRow>(`SELECT ${COLUMNS} FROM launches WHERE interaction_id = $1`, [interactionId]);
  return rows[0];
}

/** An edit of a logged launch: new text and URLs. Returns false if no live launch has that id. */
export async function updateLaunchText(db: Queryable, messageId: string, content: string, urls: readonly string[], editedAt: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE launches SET content = $2, urls = $3, edited_at = $4 WHERE message_id = $1 AND deleted_at IS NULL',
    [messageId, storableText(content), urls.map(storableText), editedAt],
  );
  return (rowCount ?? 0) > 0;
}

/** Soft delete: the row stays for audit but disappears from every read. Returns rows changed. */
export async function softDeleteByMessageIds(db: Queryable, messageIds: readonly string[], at: Date): Promise<number> {
  if (messageIds.length === 0) return 0;
  const { rowCount } = await db.query(
    'UPDATE launches SET deleted_at = $2 WHERE message_id = ANY($1::bigint[]) AND deleted_at IS NULL',
    [messageIds, at],
  );
  return rowCount ?? 0;
}

export async function markReacted(db: Queryable, id: string, at: Date): Promise<void> {
  await db.query('UPDATE launches SET reacted_at = $2 WHERE id = $1 AND reacted_at IS NULL', [id, at]);
}

/** markReacted for many launches in one statement, each with its own time. */
export async function markReactedMany(db: Queryable, marks: readonly { id: string; at: Date }[]): Promise<void> {
  await db.query(
    `UPDATE launches SET reacted_at = m.at FROM unnest($1::bigint[], $2::timestamptz[]) AS m(id, at)
     WHERE launches.id = m.id AND launches.reacted_at IS NULL`,
    [marks.map((m) => m.id), marks.map((m) => m.at)]);
}

/**
 * Records that Discord refused the 🚀 for good, with its reason: the row is no longer owed, so no
 * start sends that PUT again. A row already reacted or refused keeps what it has.
 */
export async function markReactionRefused(db: Queryable, id: string, at: Date, reason: string): Promise<void> {
  await db.query(
    'UPDATE launches SET reaction_refused_at = $2, reaction_refused_reason = $3 WHERE id = $1 AND reacted_at IS NULL AND reaction_refused_at IS NULL',
    [id, at, storableText(reason)]);
}

/** Channel launches whose 🚀 is still owed: not confirmed (e.g. the worker died between insert and react) and not refused. */
export async function listUnreacted(db: Queryable, limit = 50): Promise<LaunchRow[]> {
  const { rows } = await db.query<LaunchRow>(
    `SELECT ${COLUMNS} FROM launches
     WHERE source = 'channel' AND reacted_at IS NULL AND reaction_refused_at IS NULL AND deleted_at IS NULL ORDER BY id LIMIT $1`, [limit]);
  return rows;
}

export interface ReactionCounts { owed: number; refused: number }

/** Live channel launches whose 🚀 is still owed, and those Discord refused for good. */
export async function reactionCounts(db: Queryable): Promise<ReactionCounts> {
  const { rows } = await db.query<ReactionCounts>(
    `SELECT count(*) FILTER (WHERE reacted_at IS NULL AND reaction_refused_at IS NULL)::int AS owed,
            count(*) FILTER (WHERE reaction_refused_at IS NOT NULL)::int AS refused
     FROM launches WHERE source = 'channel' AND deleted_at IS NULL`);
  return rows[0] ?? { owed: 0, refused: 0 };
}

/** Live launches with start <= created_at < end, oldest first. */
export async function launchesBetween(db: Queryable, start: Date, end: Date): Promise<LaunchRow[]> {
  const { rows } = await db.query<LaunchRow>(
    `SELECT ${COLUMNS} FROM launches
     WHERE deleted_at IS NULL AND created_at >= $1 AND created_at < $2 ORDER BY created_at, id`, [start, end]);
  return rows;
}

/** The columns a digest line is made of (issue 14: a 10,000-launch week reads no more than it uses). */
export type DigestSourceRow = Pick<LaunchRow, 'id' | 'source' | 'guildId' | 'channelId' | 'userId' | 'userName' | 'content' | 'urls' | 'messageId' | 'createdAt'>;
const DIGEST_COLUMNS = `id::text, source, guild_id::text AS "guildId", channel_id::text AS "channelId",
  user_id::text AS "userId", user_name AS "userName", content, urls, message_id::text AS "messageId", created_at AS "createdAt"`;

/** Frozen: posted, empty, or parts frozen and being posted (what makes a later launch "late"). */
const FROZEN = `(d.status <> 'posting' OR EXISTS (SELECT 1 FROM digest_parts p WHERE p.window_start = d.window_start))`;
/** The digest window a launch falls in (src/digest/window.ts), as sql/0012's launches_undigested_idx indexes it. */
const WINDOW_OF = (col: string) => `date_bin('7 days', ${col}, TIMESTAMPTZ '2001-01-01 09:00:00+00')`;

/**
 * What the digest of [start, end) lists: `week`, its live launches that no other digest carried
 * (launches.digest_window_start, sql/0006); `late`, live launches from before `start` that no
 * digest carried although their own week's digest is already frozen (posted, empty, or parts
 * frozen): stored after that freeze (id above its digests.carried_up_to_id, sql/0012), by a
 * back-fill or an edit, or restored after being removed when it froze (digest_skipped). Both
 * oldest first. A launch already carried by this very window counts as not carried, so a rebuilt
 * window takes its own back.
 */
export async function launchesForDigest(db: Queryable, start: Date, end: Date): Promise<{ week: DigestSourceRow[]; late: DigestSourceRow[] }> {
  const week = await db.query<DigestSourceRow>(
    `SELECT ${DIGEST_COLUMNS} FROM launches WHERE ${WEEK} ORDER BY created_at, id`, [start, end]);
  const late = await db.query<DigestSourceRow>(LATE, [start]);
  return { week: week.rows, late: late.rows };
}

/** The window's launches no other digest carried ($1 = start, $2 = end). */
const WEEK = `deleted_at IS NULL AND created_at >= $1 AND created_at < $2
  AND (digest_window_start IS NULL OR digest_window_start = $1)`;

const LATE = `SELECT ${DIGEST_COLUMNS} FROM (
    -- Stored after its week froze: one index seek per frozen week (sql/0012).
    SELECT l.* FROM digests d JOIN launches l
      ON ${WINDOW_OF('l.created_at')} = d.window_start AND l.id > coalesce(d.carried_up_to_id, 0)
    WHERE d.window_start < $1 AND ${FROZEN}
      AND l.deleted_at IS NULL AND l.digest_window_start IS NULL
      AND l.created_at >= d.window_start AND l.created_at < d.window_end AND l.created_at < $1
    UNION
    -- Removed when its week froze, restored since.
    SELECT l.* FROM digests d JOIN digest_skipped s ON s.window_start = d.window_start JOIN launches l ON l.id = s.launch_id
    WHERE d.window_start < $1 AND ${FROZEN} AND l.deleted_at IS NULL AND l.digest_window_start IS NULL AND l.created_at < $1
    UNION
    -- Carried by this window before (its digests row was deleted by hand to build it again).
    SELECT l.* FROM launches l
    WHERE l.deleted_at IS NULL AND l.digest_window_start = $1 AND l.created_at < $1
      AND EXISTS (SELECT 1 FROM digests d WHERE l.created_at >= d.window_start AND l.created_at < d.window_end
                    AND d.window_start <> $1 AND ${FROZEN})
  ) l
  ORDER BY l.created_at, l.id`;

/**
 * Identifies the set of launches WEEK matches (md5 of their ids in order): the freeze compares it,
 * under its lock, with what the parts were built from (src/db/digests.ts freezeParts).
 */
export const WEEK_FINGERPRINT = `SELECT count(*)::int AS total, count(DISTINCT user_id)::int AS founders,
  md5(coalesce(string_agg(id::text, ',' ORDER BY id), '')) AS fingerprint FROM launches WHERE ${WEEK}`;

/**
 * The week in the order the digest lists it (src/digest/build.ts): founders with the most launches
 * first, then the one who launched first, then by user id; each founder's launches oldest first.
 * Ids compare as text and times to the millisecond, as build.ts compares them.
 */
const WEEK_IN_DIGEST_ORDER = `SELECT ${DIGEST_COLUMNS} FROM (
    SELECT k.id AS launch_id, k.n, k.first_at, k.first_id COLLATE "C" AS first_id, k.user_id::text COLLATE "C" AS uid, k.at,
           k.id::text COLLATE "C" AS tid
    FROM (
      SELECT l.id, l.user_id, date_trunc('milliseconds', l.created_at) AS at, count(*) OVER (PARTITION BY l.user_id) AS n,
             first_value(date_trunc('milliseconds', l.created_at)) OVER f AS first_at, first_value(l.id::text) OVER f AS first_id
      FROM launches l WHERE ${WEEK}
      WINDOW f AS (PARTITION BY l.user_id ORDER BY date_trunc('milliseconds', l.created_at), l.id::text COLLATE "C")
    ) k
    ORDER BY 2 DESC, 3, 4, 5, 6, 7
  ) o
  -- Sorted narrow (ids and keys only); each row fetched reads its columns by primary key.
  CROSS JOIN LATERAL (SELECT * FROM launches l WHERE l.id = o.launch_id) l
  ORDER BY o.n DESC, o.first_at, o.first_id, o.uid, o.at, o.tid`;

export interface DigestRead {
  /** The first of the week's launches in the digest's order, as many as `more` asked for. */
  week: DigestSourceRow[];
  /** Every launch from an earlier week to list (launchesForDigest's `late`). */
  late: DigestSourceRow[];
  /** All of the week's launches and founders, read or not. */
  weekTotal: number;
  founders: number;
  /** What freezeParts checks the week against (WEEK_FINGERPRINT). */
  fingerprint: string;
}

/** The first `limit` texts of the window's launches, oldest first (the LLM theme's prompt). */
export async function launchTextsForTheme(db: Queryable, start: Date, end: Date, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ content: string }>(`SELECT content FROM launches WHERE ${WEEK} ORDER BY created_at, id LIMIT $3`, [start, end, limit]);
  return rows.map((r) => r.content);
}

/** Rows fetched per round trip while the digest still has room for lines. */
const DIGEST_PAGE = 256;

/**
 * What the digest of [start, end) lists, read for a digest that can post only so much (issue 14:
 * a 10,000-launch week posts a few hundred lines): the week's counts and fingerprint, then its
 * launches in the digest's order through a cursor, page by page, while `more(page)` says the
 * parts have room for more, then the late ones. One REPEATABLE READ snapshot for all of it, so
 * the counts, the rows and the fingerprint describe the same launches.
 */
export async function readDigestLaunches(
  pool: pg.Pool, start: Date, end: Date, more: (page: readonly DigestSourceRow[]) => boolean,
): Promise<DigestRead> {
  return withTransaction(pool, async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const summary = (await tx.query<{ total: number; founders: number; fingerprint: string }>(WEEK_FINGERPRINT, [start, end])).rows[0]!;
    const week: DigestSourceRow[] = [];
    if (summary.total > 0) {
      await tx.query(`DECLARE digest_week NO SCROLL CURSOR FOR ${WEEK_IN_DIGEST_ORDER}`, [start, end]);
      for (;;) {
        const { rows } = await tx.query<DigestSourceRow>(`FETCH ${DIGEST_PAGE} FROM digest_week`);
        for (const r of rows) week.push(r);
        if (rows.length < DIGEST_PAGE || !more(rows)) break;
      }
      await tx.query('CLOSE digest_week');
    }
    const late = (await tx.query<DigestSourceRow>(LATE, [start])).rows;
    return { week, late, weekTotal: summary.total, founders: summary.founders, fingerprint: summary.fingerprint };
  });
}

export interface Profile { count: number; first: Date | null; last: Date | null; recent: LaunchRow[] }

/** A member's all-time live launches: totals plus the newest `limit`, newest first. */
export async function profile(db: Queryable, userId: string, limit = 10): Promise<Profile> {
  const totals = await db.query<{ count: string; first: Date | null; last: Date | null }>(
    `SELECT count(*)::text AS count, min(created_at) AS first, max(created_at) AS last
     FROM launches WHERE user_id = $1 AND deleted_at IS NULL`, [userId]);
  const recent = await db.query<LaunchRow>(
    `SELECT ${COLUMNS} FROM launches WHERE user_id = $1 AND deleted_at IS NULL
     ORDER BY created_at DESC, id DESC LIMIT $2`, [userId, limit]);
  const t = totals.rows[0]!;
  return { count: Number(t.count), first: t.first, last: t.last, recent: recent.rows };
}

export interface LeaderboardRow { userId: string; userName: string; count: number; lastAt: Date }

/**
 * Most active shippers in [start, end). Ties: more launches first; then whoever reached that
 * count earlier (earlier latest launch); then the smaller user id — deterministic in every case.
 */
export async function leaderboard(db: Queryable, start: Date, end: Date, limit = 10): Promise<LeaderboardRow[]> {
  const { rows } = await db.query<{ userId: string; userName: string; count: string; lastAt: Date }>(
    `SELECT user_id::text AS "userId",
            (array_agg(user_name ORDER BY created_at DESC, id DESC))[1] AS "userName",
            count(*)::text AS count, max(created_at) AS "lastAt"
     FROM launches WHERE deleted_at IS NULL AND created_at >= $1 AND created_at < $2
     GROUP BY user_id ORDER BY count(*) DESC, max(created_at) ASC, user_id ASC LIMIT $3`, [start, end, limit]);
  return rows.map((r) => ({ ...r, count: Number(r.count) }));
}
