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

// ---- The guild as the gateway describes it (GUILD_CREATE and the events that change it), read
// only as far as the worker's channel check needs: roles, channels with their overwrites, the owner
// and the bot's own member roles (docs: https://discord.com/developers/docs/events/gateway-events#guild-create).

export interface GuildRole { id: string; permissions: string }
export interface GuildOverwrite { id: string; type: number; allow: string; deny: string }
export interface GuildChannel { id: string; type: number; name?: string; overwrites: GuildOverwrite[] }

export interface GuildSnapshot {
  id: string;
  ownerId?: string;
  roles: Map<string, GuildRole>;
  channels: Map<string, GuildChannel>;
  /** The bot's member roles; undefined when GUILD_CREATE did not carry the bot's member entry. */
  botRoleIds?: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : undefined);

function asRole(v: unknown): GuildRole | undefined {
  if (!isObj(v) || typeof v.id !== 'string') return undefined;
  return { id: v.id, permissions: str(v.permissions) ?? '0' };
}

function asOverwrite(v: unknown): GuildOverwrite | undefined {
  if (!isObj(v) || typeof v.id !== 'string') return undefined;
  return { id: v.id, type: typeof v.type === 'number' ? v.type : Number(v.type), allow: str(v.allow) ?? '0', deny: str(v.deny) ?? '0' };
}

export function asGuildChannel(v: unknown): GuildChannel | undefined {
  if (!isObj(v) || typeof v.id !== 'string' || typeof v.type !== 'number') return undefined;
  const ows = Array.isArray(v.permission_overwrites) ? v.permission_overwrites.map(asOverwrite).filter((o): o is GuildOverwrite => o !== undefined) : [];
  return { id: v.id, type: v.type, name: typeof v.name === 'string' ? v.name : undefined, overwrites: ows };
}

function memberRoles(v: unknown, botUserId: string): string[] | undefined {
  if (!isObj(v) || !isObj(v.user) || v.user.id !== botUserId || !Array.isArray(v.roles)) return undefined;
  return v.roles.filter((r): r is string => typeof r === 'string');
}

/** GUILD_CREATE's data; undefined for an unavailable guild or a malformed payload. */
export function asGuildCreate(d: unknown, botUserId: string): GuildSnapshot | undefined {
  if (!isObj(d) || typeof d.id !== 'string' || d.unavailable === true) return undefined;
  const g: GuildSnapshot = { id: d.id, ownerId: str(d.owner_id), roles: new Map(), channels: new Map() };
  for (const r of Array.isArray(d.roles) ? d.roles : []) { const role = asRole(r); if (role) g.roles.set(role.id, role); }
  for (const c of Array.isArray(d.channels) ? d.channels : []) { const ch = asGuildChannel(c); if (ch) g.channels.set(ch.id, ch); }
  for (const m of Array.isArray(d.members) ? d.members : []) { const roles = memberRoles(m, botUserId); if (roles) g.botRoleIds = roles; }
  return g;
}

/**
 * Applies a later gateway event to the snapshot of its guild (the caller looks it up by
 * `guild_id`). Returns true when the event changed something the channel check reads.
 */
export function applyGuildEvent(g: GuildSnapshot, t: string, d: unknown, botUserId: string): boolean {
  if (!isObj(d)) return false;
  switch (t) {
    case 'CHANNEL_CREATE': case 'CHANNEL_UPDATE': {
      const ch = asGuildChannel(d);
      if (!ch) return false;
      g.channels.set(ch.id, ch);
      return true;
    }
    case 'CHANNEL_DELETE': return typeof d.id === 'string' && g.channels.delete(d.id);
    case 'GUILD_ROLE_CREATE': case 'GUILD_ROLE_UPDATE': {
      const role = asRole(d.role);
      if (!role) return false;
      g.roles.set(role.id, role);
      return true;
    }
    case 'GUILD_ROLE_DELETE': return typeof d.role_id === 'string' && g.roles.delete(d.role_id);
    case 'GUILD_MEMBER_UPDATE': {
      const roles = memberRoles(d, botUserId);
      if (!roles) return false;
      g.botRoleIds = roles;
      return true;
    }
    case 'GUILD_UPDATE': {
      if (str(d.owner_id)) g.ownerId = str(d.owner_id);
      if (Array.isArray(d.roles)) {
        g.roles.clear();
        for (const r of d.roles) { const role = asRole(r); if (role) g.roles.set(role.id, role); }
      }
      return true;
    }
    default: return false;
  }
}

/** The gateway events applyGuildEvent reads (besides GUILD_CREATE). */
export const GUILD_EVENTS: ReadonlySet<string> = new Set([
  'CHANNEL_CREATE', 'CHANNEL_UPDATE', 'CHANNEL_DELETE', 'GUILD_ROLE_CREATE', 'GUILD_ROLE_UPDATE', 'GUILD_ROLE_DELETE', 'GUILD_MEMBER_UPDATE', 'GUILD_UPDATE',
]);
