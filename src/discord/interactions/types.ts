// Owns the slice of Discord's interaction payload ShipTrack reads, and defensive accessors for it.
// The JSON is authenticated but still external: every accessor copes with absent or odd fields.
// Does not validate the top level (router.ts) or decide what to answer (the command handlers the application passes to the router).

import { isSnowflake } from '../snowflake.js';

export interface ApiUser { id: string; username?: string; global_name?: string | null; bot?: boolean }
/** `permissions`: the member's total permissions in the interaction's channel, overwrites included (a decimal bit string). */
export interface ApiMember { user?: ApiUser; nick?: string | null; permissions?: string }
/** `focused`: the option the member is typing in, in an autocomplete interaction. */
export interface CommandOption { name: string; type: number; value?: unknown; options?: CommandOption[]; focused?: boolean }
/** The slice of a message ShipTrack reads from `data.resolved.messages` (message commands). */
export interface ApiMessage {
  id: string; channel_id?: string; content?: string; author?: ApiUser; webhook_id?: string;
  timestamp?: string; type?: number; member?: ApiMember;
}

export interface Interaction {
  id: string;
  application_id: string;
  type: number;
  /** Secret continuation token: never log it. */
  token: string;
  guild_id?: string;
  channel_id?: string;
  member?: ApiMember;
  /** Only in DMs (member is sent in guilds instead). */
  user?: ApiUser;
  data?: {
    name?: string;
    type?: number;
    options?: CommandOption[];
    /** USER and MESSAGE commands: the id of the user or message right-clicked. */
    target_id?: string;
    resolved?: { users?: Record<string, ApiUser>; members?: Record<string, ApiMember>; messages?: Record<string, ApiMessage> };
  };
}

/** Interaction types (receiving-and-responding.mdx). */
export const InteractionType = { ping: 1, command: 2, component: 3, autocomplete: 4, modal: 5 } as const;
/** Option types used by ShipTrack's commands. */
export const OptionType = { string: 3, user: 6 } as const;
/** Application command types (`data.type`): slash, user context menu, message context menu. */
export const CommandType = { chatInput: 1, user: 2, message: 3 } as const;

/** The invoking user: `member.user` in a guild, `user` in a DM. */
export function invoker(i: Interaction): ApiUser | undefined {
  const u = i.member?.user ?? i.user;
  return u && typeof u === 'object' && isSnowflake(u.id) ? u : undefined;
}

function option(i: Interaction, name: string, type: number): CommandOption | undefined {
  const opts = Array.isArray(i.data?.options) ? i.data.options : [];
  return opts.find((o) => o && o.name === name && o.type === type);
}

/** A STRING option's value, or undefined when absent or not a string. */
export function stringOption(i: Interaction, name: string): string | undefined {
  const v = option(i, name, OptionType.string)?.value;
  return typeof v === 'string' ? v : undefined;
}

/** A USER option resolved to the user (and member, in guilds); only the id when not resolved. */
export function userOption(i: Interaction, name: string): { user: ApiUser; member?: ApiMember } | undefined {
  const id = option(i, name, OptionType.user)?.value;
  if (!isSnowflake(id)) return undefined;
  const user = i.data?.resolved?.users?.[id];
  const member = i.data?.resolved?.members?.[id];
  return { user: user && typeof user === 'object' ? { ...user, id } : { id }, ...(member && typeof member === 'object' ? { member } : {}) };
}

/** The option being typed in an autocomplete interaction: its name and what was typed so far. */
export function focusedOption(i: Interaction): { name: string; value: string } | undefined {
  const opts = Array.isArray(i.data?.options) ? i.data.options : [];
  const f = opts.find((o) => o && o.focused === true && typeof o.name === 'string');
  if (!f) return undefined;
  return { name: f.name, value: typeof f.value === 'string' ? f.value : f.value === undefined ? '' : String(f.value) };
}

/** A MESSAGE command's target: `data.resolved.messages[data.target_id]`, when it has an id and an author. */
export function targetMessage(i: Interaction): (ApiMessage & { author: ApiUser }) | undefined {
  const id = i.data?.target_id;
  if (i.data?.type !== CommandType.message || !isSnowflake(id)) return undefined;
  const m = i.data.resolved?.messages?.[id];
  if (!m || typeof m !== 'object' || !m.author || typeof m.author !== 'object' || !isSnowflake(m.author.id)) return undefined;
  return { ...m, id, author: m.author };
}

/** `member.permissions` as a bit set; 0n when absent or malformed (no permission is assumed). */
export function memberPermissions(i: Interaction): bigint {
  const p = i.member?.permissions;
  if (typeof p !== 'string' || !/^\d{1,20}$/.test(p)) return 0n;
  return BigInt(p);
}
