// Owns reading the gateway/REST message payloads the worker uses, defensively: every field
// except `id` and `channel_id` may be missing (partial MESSAGE_UPDATE, docs/gateway.md §3.6, §5.2).
// Does not decide anything (src/launch/detect.ts) and does not touch the database.

import type { LaunchMessage } from '../launch/detect.js';
import { isSnowflake, snowflakeToDate } from '../discord/snowflake.js';

export interface MessagePayload {
  id: string;
  channel_id: string;
  guild_id?: string;
  content?: string;
  type?: number;
  timestamp?: string;
  edited_timestamp?: string | null;
  webhook_id?: string;
  author?: { id: string; username?: string; global_name?: string | null; bot?: boolean; system?: boolean };
  member?: { nick?: string | null };
}

export interface DeleteBulkPayload { ids: string[]; channel_id: string; guild_id?: string }

/** The minimal shape check: a message id and channel id that are snowflakes. */
export function asMessage(d: unknown): MessagePayload | undefined {
  const m = d as Partial<MessagePayload> | null;
  if (!m || typeof m !== 'object' || typeof m.id !== 'string' || typeof m.channel_id !== 'string') return undefined;
  if (!isSnowflake(m.id) || !isSnowflake(m.channel_id)) return undefined;
  return m as MessagePayload;
}

export function asDeleteBulk(d: unknown): DeleteBulkPayload | undefined {
  const m = d as Partial<DeleteBulkPayload> | null;
  if (!m || typeof m !== 'object' || typeof m.channel_id !== 'string' || !Array.isArray(m.ids)) return undefined;
  const ids = m.ids.filter(isSnowflake);
  return { ...m, ids, channel_id: m.channel_id } as DeleteBulkPayload;
}

/** True when detection can run on it: author and content are present (a full message). */
export function isComplete(m: MessagePayload): boolean {
  return typeof m.content === 'string' && typeof m.author?.id === 'string';
}

export function toLaunchMessage(m: MessagePayload): LaunchMessage {
  return {
    channelId: m.channel_id,
    content: m.content ?? '',
    authorId: m.author?.id ?? '',
    authorIsBot: m.author?.bot === true || m.author?.system === true,
    webhookId: m.webhook_id,
    type: m.type,
  };
}

/** When Discord says the message was posted; the snowflake if the timestamp is missing or bad. */
export function postedAt(m: MessagePayload): Date {
  const t = m.timestamp ? new Date(m.timestamp) : undefined;
  return t && !Number.isNaN(t.getTime()) ? t : snowflakeToDate(m.id);
}

export function editedAt(m: MessagePayload, now: number): Date {
  const t = m.edited_timestamp ? new Date(m.edited_timestamp) : undefined;
  return t && !Number.isNaN(t.getTime()) ? t : new Date(now);
}
