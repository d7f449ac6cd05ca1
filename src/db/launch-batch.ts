// Owns storing a run of #i-shipped launches with one statement: what the worker does when messages
// arrive faster than one INSERT round trip each (a burst, or the backlog a RESUME replays).
// Idempotent like insertLaunch (src/db/launches.ts): a message already stored is skipped by its
// UNIQUE message_id, and the caller learns which rows are new from what comes back.

import type { Queryable } from './pool.js';
import { storableText, type NewLaunch } from './launches.js';

/** Rows per statement at most: 8 parameters each, far below PostgreSQL's 65,535. */
export const MAX_BATCH_ROWS = 100;

export type ChannelLaunch = Omit<NewLaunch, 'source' | 'interactionId' | 'messageId'> & { messageId: string };

/**
 * INSERT … ON CONFLICT DO NOTHING of every row in one statement (and one implicit transaction:
 * all or none are stored). Resolves with the launch id of each row stored now, by message id;
 * a message missing from the map was stored before (the caller asks insertLaunch why).
 */
export async function insertChannelLaunches(db: Queryable, rows: readonly ChannelLaunch[]): Promise<Map<string, string>> {
  if (rows.length === 0) return new Map();
  if (rows.length > MAX_BATCH_ROWS) throw new RangeError(`at most ${MAX_BATCH_ROWS} rows per statement, got ${rows.length}`);
  const values: string[] = [];
  const params: unknown[] = [];
  for (const l of rows) {
    const p = params.length;
    values.push(`('channel', $${p + 1}::bigint, $${p + 2}::bigint, $${p + 3}::bigint, $${p + 4}, $${p + 5}, $${p + 6}::text[], $${p + 7}::bigint, $${p + 8}::timestamptz)`);
    params.push(l.guildId, l.channelId, l.userId, storableText(l.userName), storableText(l.content), l.urls.map(storableText), l.messageId, l.createdAt);
  }
  const r = await db.query<{ id: string; message_id: string }>(
    `INSERT INTO launches (source, guild_id, channel_id, user_id, user_name, content, urls, message_id, created_at)
     VALUES ${values.join(', ')}
     ON CONFLICT DO NOTHING
     RETURNING id::text, message_id::text`,
    params,
  );
  return new Map(r.rows.map((row) => [row.message_id, row.id]));
}
