// Owns SQL for members correcting their launch log (issue 16, sql/0009): /unship's choices and
// soft delete, and the message context-menu commands "Log as launch" (insert, or bring back a
// launch removed by a correction) and "Not a launch" (soft delete, or a removed row for a message
// never logged, so the worker never logs it later). Every change is one conditional statement, so
// a double click or a retried delivery changes nothing twice. Rows are never deleted: the UNIQUE
// message_id keeps a removed message from being stored again (sql/0009).

import type { Queryable } from './pool.js';
import { storableText } from './launches.js';

export interface OwnLaunch { id: string; content: string; createdAt: Date; messageId: string | null; channelId: string | null; deletedAt: Date | null }

/** At most this many choices: Discord's limit for an autocomplete answer (docs/interactions.md §2.7). */
export const MAX_CHOICES = 25;

/**
 * A member's newest live launches for /unship's autocomplete, newest first, at most `limit`
 * (launches_live_user_idx). `typed` (what the member has typed so far) filters on the text.
 */
export async function recentOwnLaunches(db: Queryable, userId: string, typed: string, limit = MAX_CHOICES): Promise<OwnLaunch[]> {
  const pattern = typed.trim() === '' ? null : `%${typed.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const { rows } = await db.query<OwnLaunch>(
    `SELECT id::text, content, created_at AS "createdAt", message_id::text AS "messageId", channel_id::text AS "channelId", deleted_at AS "deletedAt"
     FROM launches WHERE user_id = $1 AND deleted_at IS NULL AND ($2::text IS NULL OR content ILIKE $2)
     ORDER BY created_at DESC, id DESC LIMIT $3`, [userId, pattern === null ? null : storableText(pattern), Math.min(limit, MAX_CHOICES)]);
  return rows;
}

/** One launch of `userId` by its id, live or removed; undefined when it is not theirs or does not exist. */
export async function findOwnLaunch(db: Queryable, userId: string, id: string): Promise<OwnLaunch | undefined> {
  const { rows } = await db.query<OwnLaunch>(
    `SELECT id::text, content, created_at AS "createdAt", message_id::text AS "messageId", channel_id::text AS "channelId", deleted_at AS "deletedAt"
     FROM launches WHERE id = $1 AND user_id = $2`, [id, userId]);
  return rows[0];
}

export interface Removed { id: string; messageId: string | null; channelId: string | null; content: string }

/** /unship: soft-deletes launch `id` of `userId` if live. Undefined when nothing changed (already removed, or not theirs). */
export async function unshipLaunch(db: Queryable, userId: string, id: string, at: Date): Promise<Removed | undefined> {
  const { rows } = await db.query<Removed>(
    `UPDATE launches SET deleted_at = $3, deleted_by = $2, deleted_reason = 'unship'
     WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL
     RETURNING id::text, message_id::text AS "messageId", channel_id::text AS "channelId", content`, [id, userId, at]);
  return rows[0];
}

export interface MessageLaunch {
  guildId: string | null; channelId: string; messageId: string; userId: string; userName: string;
  content: string; urls: readonly string[]; createdAt: Date;
}

/**
 * "Log as launch": `created` a new launch for the message, `restored` one removed earlier by a
 * correction (/unship or "Not a launch"), or `already` when a live launch has that message id. A
 * launch removed because its message was deleted is not brought back here (it cannot be
 * right-clicked any more; a stale client gets `already: false, created: false, restored: false`).
 */
export async function logMessageLaunch(db: Queryable, l: MessageLaunch, loggedBy: string): Promise<{ id: string; created: boolean; restored: boolean; already: boolean }> {
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO launches (source, guild_id, channel_id, user_id, user_name, content, urls, message_id, created_at, logged_by)
     VALUES ('channel', $1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT DO NOTHING RETURNING id::text`,
    [l.guildId, l.channelId, l.userId, storableText(l.userName), storableText(l.content), l.urls.map(storableText), l.messageId, l.createdAt, loggedBy]);
  if (inserted.rows[0]) return { id: inserted.rows[0].id, created: true, restored: false, already: false };
  const restored = await db.query<{ id: string }>(
    `UPDATE launches SET deleted_at = NULL, deleted_by = NULL, deleted_reason = NULL, logged_by = $2, reacted_at = NULL,
       reaction_refused_at = NULL, reaction_refused_reason = NULL
     WHERE message_id = $1 AND deleted_at IS NOT NULL AND deleted_reason IS NOT NULL RETURNING id::text`, [l.messageId, loggedBy]);
  if (restored.rows[0]) return { id: restored.rows[0].id, created: false, restored: true, already: false };
  const live = await db.query<{ id: string; live: boolean }>(
    'SELECT id::text, deleted_at IS NULL AS live FROM launches WHERE message_id = $1', [l.messageId]);
  return { id: live.rows[0]?.id ?? '', created: false, restored: false, already: live.rows[0]?.live ?? false };
}

/**
 * "Not a launch": soft-deletes the live launch of message `messageId`, or, when the message was
 * never logged, stores it as already removed so that an edit making it launch-shaped is not
 * logged by the worker (the UNIQUE message_id refuses its INSERT). `removed` says a live launch was
 * removed (its 🚀 must go); `blocked` that a removed row was stored for a message never logged.
 */
export async function markNotALaunch(db: Queryable, l: MessageLaunch, by: string, at: Date): Promise<{ removed?: Removed; blocked: boolean }> {
  const { rows } = await db.query<Removed>(
    `UPDATE launches SET deleted_at = $3, deleted_by = $2, deleted_reason = 'not-a-launch'
     WHERE message_id = $1 AND deleted_at IS NULL
     RETURNING id::text, message_id::text AS "messageId", channel_id::text AS "channelId", content`, [l.messageId, by, at]);
  if (rows[0]) return { removed: rows[0], blocked: false };
  const blocked = await db.query(
    `INSERT INTO launches (source, guild_id, channel_id, user_id, user_name, content, urls, message_id, created_at, deleted_at, deleted_by, deleted_reason)
     VALUES ('channel', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'not-a-launch')
     ON CONFLICT DO NOTHING`,
    [l.guildId, l.channelId, l.userId, storableText(l.userName), storableText(l.content), l.urls.map(storableText), l.messageId, l.createdAt, at, by]);
  return { blocked: (blocked.rowCount ?? 0) > 0 };
}
