// Owns the fake's in-memory Discord state: guild, channels, users/members, messages (and replies),
// reactions, nonces, registered commands and the application's flags, and announces changes as
// gateway dispatches. Knows no HTTP or ws.
import { randomBytes } from 'node:crypto';
import {
  ChannelType, GatewayDispatchEvents, MessageReferenceType, MessageType,
  type APIGuildMember, type APIGuildMemberNoUser, type APIMessage, type APIUser, type APIUserWithMember,
  type APIGuildTextChannel, type GatewayMessageCreateDispatchData, type MessageFlags,
  type ChannelFlags, type UserFlags, type GuildMemberFlags, type APIOverwrite, type APIRole, type RoleFlags,
} from 'discord-api-types/v10';
import type { Clock } from '../clock.js';
import { SnowflakeGenerator, compareSnowflakes } from './snowflake.js';
import { defaultApplicationFlags, withCommandBadge } from './app-flags.js';

export interface WorldUser { id: string; username: string; globalName: string; bot: boolean; joinedAt: string; roles: string[]; nick: string | null }
export type GuildTextChannel = APIGuildTextChannel<ChannelType.GuildText>;
/** A guild role as the fake keeps it: `permissions` is the decimal bit string Discord sends. */
export interface WorldRole { id: string; name: string; permissions: string; position: number; managed: boolean }
/** What @everyone may do in a new guild (Discord's default for a new server). */
export const DEFAULT_EVERYONE_PERMISSIONS = '2248473465835073';
export interface AllowedMentions { parse?: string[]; users?: string[]; roles?: string[]; replied_user?: boolean }
/** What the bot sent besides the message itself (Discord does not echo these back). */
export interface SentMeta { allowedMentions?: AllowedMentions; flags?: number; nonce?: string | number; enforceNonce?: boolean }
export interface DispatchMeta { /** message events need GUILD_MESSAGES; content needs MESSAGE_CONTENT unless mentioned */ messageEvent: boolean; contentVisibleWithoutIntent: boolean }
export type DispatchListener = (t: string, d: unknown, meta: DispatchMeta) => void;

/**
 * Discord dedupes enforce_nonce "in the past few minutes" (Create Message,
 * https://discord.com/developers/docs/resources/message#create-message); the exact window is
 * undocumented, so the fake's default is 5 minutes and `nonceWindowMs` changes it.
 */
export const NONCE_WINDOW_MS = 5 * 60_000;

export interface WorldOptions {
  /** The app's flags without APPLICATION_COMMAND_BADGE (default: see app-flags.ts). */
  applicationFlags?: number;
  messageContentIntentEnabled?: boolean;
  nonceWindowMs?: number;
}

export class World {
  readonly ids: SnowflakeGenerator;
  readonly guildId: string;
  readonly applicationId: string;
  readonly botUserId: string;
  readonly botToken: string;
  readonly everyoneRoleId: string;
  readonly channels = new Map<string, GuildTextChannel>();
  /** @everyone first (its id is the guild's), then the bot's managed role, then any added. */
  readonly roles = new Map<string, WorldRole>();
  /** The bot's own managed role (Discord creates one when a bot with permissions joins): no permissions of its own by default. */
  readonly botRoleId: string;
  readonly users = new Map<string, WorldUser>();
  readonly botMessageIds = new Set<string>();
  readonly sentMeta = new Map<string, SentMeta>();
  readonly reactionPutLog: { channelId: string; messageId: string; emoji: string; at: number }[] = [];
  readonly globalCommands: Record<string, unknown>[] = [];
  readonly guildCommands = new Map<string, Record<string, unknown>[]>();
  private readonly messagesByChannel = new Map<string, APIMessage[]>();
  private readonly reactionMap = new Map<string, Map<string, Set<string>>>();
  private readonly nonces = new Map<string, { channelId: string; messageId: string; at: number }>();
  private readonly listeners: DispatchListener[] = [];
  private baseFlags: number;
  readonly nonceWindowMs: number;

  constructor(readonly clock: Clock, opts: WorldOptions = {}) {
    this.baseFlags = opts.applicationFlags ?? defaultApplicationFlags(opts.messageContentIntentEnabled ?? true);
    this.nonceWindowMs = opts.nonceWindowMs ?? NONCE_WINDOW_MS;
    this.ids = new SnowflakeGenerator(clock);
    this.guildId = this.ids.next();
    this.everyoneRoleId = this.guildId; // @everyone shares the guild's id, as on Discord
    this.applicationId = this.ids.next();
    this.botUserId = this.applicationId; // modern apps: bot user id == application id
    this.botToken = `${Buffer.from(this.botUserId).toString('base64url')}.${randomBytes(4).toString('base64url')}.${randomBytes(27).toString('base64url')}`;
    this.addUser('ShipTrack', true, this.botUserId);
    for (const name of ['i-shipped', 'announcements', 'general']) this.addChannel(name);
    for (const name of ['ada', 'grace', 'linus']) this.addUser(name, false);
    this.roles.set(this.everyoneRoleId, { id: this.everyoneRoleId, name: '@everyone', permissions: DEFAULT_EVERYONE_PERMISSIONS, position: 0, managed: false });
    this.botRoleId = this.addRole('ShipTrack', '0', { managed: true }).id;
    this.users.get(this.botUserId)!.roles.push(this.botRoleId);
  }

  /** Adds a role and dispatches GUILD_ROLE_CREATE. */
  addRole(name: string, permissions: string | bigint = '0', opts: { managed?: boolean } = {}): WorldRole {
    const r: WorldRole = { id: this.ids.next(), name, permissions: String(permissions), position: this.roles.size, managed: opts.managed ?? false };
    this.roles.set(r.id, r);
    this.emit(GatewayDispatchEvents.GuildRoleCreate, { guild_id: this.guildId, role: this.apiRole(r) });
    return r;
  }

  apiRole(r: WorldRole): APIRole {
    return { id: r.id, name: r.name, color: 0, colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false, icon: null, unicode_emoji: null, position: r.position, permissions: r.permissions, managed: r.managed, mentionable: false, flags: 0 as RoleFlags };
  }

  /** Changes a role's permissions (the @everyone role's id is the guild's) and dispatches GUILD_ROLE_UPDATE. */
  setRolePermissions(roleId: string, permissions: string | bigint): void {
    const r = this.roles.get(roleId);
    if (!r) throw new Error(`unknown role ${roleId}`);
    r.permissions = String(permissions);
    this.emit(GatewayDispatchEvents.GuildRoleUpdate, { guild_id: this.guildId, role: this.apiRole(r) });
  }

  /** Replaces a member's roles and dispatches GUILD_MEMBER_UPDATE (Discord sends it for the bot's own member without GUILD_MEMBERS). */
  setMemberRoles(userId: string, roleIds: string[]): void {
    const u = this.users.get(userId);
    if (!u) throw new Error(`unknown user ${userId}`);
    u.roles = [...roleIds];
    this.emit(GatewayDispatchEvents.GuildMemberUpdate, { guild_id: this.guildId, ...this.member(u) });
  }

  /** Removes a channel (and its messages) and dispatches CHANNEL_DELETE. */
  deleteChannel(channelId: string): void {
    const ch = this.channels.get(channelId);
    if (!ch) throw new Error(`unknown channel ${channelId}`);
    this.channels.delete(channelId);
    this.messagesByChannel.delete(channelId);
    this.emit(GatewayDispatchEvents.ChannelDelete, { ...ch });
  }

  /** Replaces a channel's permission overwrites and dispatches CHANNEL_UPDATE. */
  setPermissionOverwrites(channelId: string, overwrites: APIOverwrite[]): void {
    const ch = this.channels.get(channelId);
    if (!ch) throw new Error(`unknown channel ${channelId}`);
    ch.permission_overwrites = overwrites.map((o) => ({ ...o }));
    this.emit(GatewayDispatchEvents.ChannelUpdate, { ...ch });
  }

  /** The one source of READY's `application.flags` and GET /applications/@me's `flags`. */
  get applicationFlags(): number { return withCommandBadge(this.baseFlags, this.globalCommands.length); }

  /**
   * Changes the application's flags (APPLICATION_COMMAND_BADGE still follows the global commands),
   * as switching a privileged intent in the Developer Portal does. Discord dispatches nothing for it;
   * the next IDENTIFY and GET /applications/@me see the new value.
   */
  setApplicationFlags(flags: number): void { this.baseFlags = flags; }

  onDispatch(fn: DispatchListener): void { this.listeners.push(fn); }
  emit(t: string, d: unknown, meta: DispatchMeta = { messageEvent: false, contentVisibleWithoutIntent: true }): void {
    for (const fn of this.listeners) fn(t, d, meta);
  }

  /**
   * Adds a channel (no dispatch). `type` other than GUILD_TEXT (e.g. 2 voice, 4 category) makes a
   * channel of that type with the text channel's fields, enough for what reads `type`.
   */
  addChannel(name: string, type: ChannelType = ChannelType.GuildText): GuildTextChannel {
    const id = this.ids.next();
    const ch: GuildTextChannel = {
      id, type: type as ChannelType.GuildText, guild_id: this.guildId, name, position: this.channels.size, topic: null,
      nsfw: false, last_message_id: null, rate_limit_per_user: 0, parent_id: null, permission_overwrites: [], flags: 0 as ChannelFlags,
    };
    this.channels.set(id, ch);
    this.messagesByChannel.set(id, []);
    return ch;
  }

  addUser(username: string, bot: boolean, id = this.ids.next()): WorldUser {
    const globalName = username.charAt(0).toUpperCase() + username.slice(1);
    const u: WorldUser = { id, username, globalName, bot, joinedAt: new Date(this.clock.now()).toISOString(), roles: [], nick: null };
    this.users.set(id, u);
    return u;
  }

  findUser(idOrName: string): WorldUser | undefined {
    return this.users.get(idOrName) ?? [...this.users.values()].find((u) => u.username === idOrName);
  }
  findChannel(idOrName: string): GuildTextChannel | undefined {
    const alias: Record<string, string> = { shipped: 'i-shipped', '#i-shipped': 'i-shipped' };
    const name = alias[idOrName] ?? idOrName.replace(/^#/, '');
    return this.channels.get(idOrName) ?? [...this.channels.values()].find((c) => c.name === name);
  }

  apiUser(u: WorldUser): APIUser {
    const user: APIUser = {
      id: u.id, username: u.username, global_name: u.bot ? null : u.globalName, discriminator: '0', avatar: null,
      public_flags: 0 as UserFlags, flags: 0 as UserFlags, banner: null, accent_color: null, avatar_decoration_data: null, primary_guild: null,
    };
    if (u.bot) user.bot = true;
    return user;
  }
  memberNoUser(u: WorldUser): APIGuildMemberNoUser {
    return { roles: [...u.roles], nick: u.nick, avatar: null, banner: null, premium_since: null, joined_at: u.joinedAt,
      pending: false, communication_disabled_until: null, flags: 0 as GuildMemberFlags, deaf: false, mute: false };
  }
  member(u: WorldUser): APIGuildMember { return { ...this.memberNoUser(u), user: this.apiUser(u) }; }

  /**
   * A member's permissions as an interaction's `member.permissions` carries them: @everyone's and
   * every role's bits combined; ADMINISTRATOR means every bit (channel overwrites are not applied).
   */
  memberPermissions(u: WorldUser): string {
    let p = BigInt(this.roles.get(this.everyoneRoleId)?.permissions ?? DEFAULT_EVERYONE_PERMISSIONS);
    for (const id of u.roles) p |= BigInt(this.roles.get(id)?.permissions ?? '0');
    return ((p & 8n) !== 0n ? (1n << 64n) - 1n : p).toString();
  }

  messages(channelId: string): APIMessage[] { return [...(this.messagesByChannel.get(channelId) ?? [])]; }
  getMessage(channelId: string, messageId: string): APIMessage | undefined {
    return this.messagesByChannel.get(channelId)?.find((m) => m.id === messageId);
  }

  /**
   * Users `<@id>` in content that allowed_mentions lets through (Discord omits suppressed ones),
   * plus, for a reply, the replied-to author unless allowed_mentions is given without
   * `replied_user: true` (https://discord.com/developers/docs/resources/message#allowed-mentions-object).
   */
  private mentionsFor(content: string, allowed: AllowedMentions | undefined, repliedTo?: string): APIUser[] {
    const ids = [...new Set([...content.matchAll(/<@!?(\d{17,20})>/g)].map((m) => m[1]!))];
    const permit = (id: string) => !allowed || (allowed.parse?.includes('users') ?? false) || (allowed.users?.includes(id) ?? false);
    const out = ids.filter(permit);
    if (repliedTo && !out.includes(repliedTo) && (!allowed || allowed.replied_user === true)) out.push(repliedTo);
    return out.map((id) => this.users.get(id)).filter((u): u is WorldUser => !!u).map((u) => this.apiUser(u));
  }

  /** Finds a message created with the same nonce by the same author inside the dedupe window. */
  findByNonce(authorId: string, nonce: string | number): APIMessage | undefined {
    const hit = this.nonces.get(`${authorId}:${String(nonce)}`);
    if (!hit || this.clock.now() - hit.at > this.nonceWindowMs) return undefined;
    return this.getMessage(hit.channelId, hit.messageId);
  }
  /** Ends every enforce_nonce window now (a later create with an old nonce makes a new message). */
  expireNonces(): void { this.nonces.clear(); }

  /**
   * A message as Discord serialises it: a reply carries `referenced_message`, resolved when read
   * (null once the referenced message is deleted); stored messages never hold it.
   * https://discord.com/developers/docs/resources/message#message-object-message-structure
   */
  present(msg: APIMessage): APIMessage {
    const ref = msg.message_reference;
    if (msg.type !== MessageType.Reply || !ref?.message_id || !ref.channel_id) return msg;
    return { ...msg, referenced_message: this.getMessage(ref.channel_id, ref.message_id) ?? null };
  }

  createMessage(opts: {
    channelId: string; authorId: string; content: string; webhookId?: string; nonce?: string | number; enforceNonce?: boolean;
    allowedMentions?: AllowedMentions; flags?: number; type?: MessageType; extra?: Partial<APIMessage>; dispatch?: boolean;
    /** Makes the message a reply (type 19) to this message in the same channel. */
    replyTo?: APIMessage;
  }): APIMessage {
    const channel = this.channels.get(opts.channelId);
    if (!channel) throw new Error(`unknown channel ${opts.channelId}`);
    const author = this.users.get(opts.authorId);
    if (!author) throw new Error(`unknown user ${opts.authorId}`);
    const id = this.ids.next();
    const reply = opts.replyTo;
    const repliedTo = reply && reply.author.id !== author.id && !reply.webhook_id ? reply.author.id : undefined;
    const msg: APIMessage = {
      id, channel_id: channel.id, author: this.apiUser(author), content: opts.content,
      timestamp: new Date(this.clock.now()).toISOString(), edited_timestamp: null, tts: false,
      mention_everyone: false, mentions: this.mentionsFor(opts.content, opts.allowedMentions, repliedTo), mention_roles: [],
      attachments: [], embeds: [], components: [], pinned: false, type: opts.type ?? (reply ? MessageType.Reply : MessageType.Default), flags: (opts.flags ?? 0) as MessageFlags,
      ...opts.extra,
    };
    if (reply) msg.message_reference = { type: MessageReferenceType.Default, message_id: reply.id, channel_id: reply.channel_id, guild_id: this.guildId };
    if (opts.nonce !== undefined) msg.nonce = opts.nonce;
    if (opts.webhookId) msg.webhook_id = opts.webhookId;
    this.messagesByChannel.get(channel.id)!.push(msg);
    channel.last_message_id = id;
    if (opts.nonce !== undefined && opts.enforceNonce) this.nonces.set(`${author.id}:${String(opts.nonce)}`, { channelId: channel.id, messageId: id, at: this.clock.now() });
    if (opts.dispatch !== false) this.emit(GatewayDispatchEvents.MessageCreate, this.messageEvent(msg), this.contentMeta(msg));
    return msg;
  }

  /** MESSAGE_CREATE/UPDATE data: the message plus guild_id, member (not for webhooks) and mentions' members. */
  messageEvent(msg: APIMessage): GatewayMessageCreateDispatchData {
    const author = this.users.get(msg.author.id);
    const mentions: APIUserWithMember[] = msg.mentions.map((m) => {
      const u = this.users.get(m.id);
      return u ? { ...m, member: this.memberNoUser(u) } : m;
    });
    const d: GatewayMessageCreateDispatchData = { ...this.present(msg), guild_id: this.guildId, mentions };
    if (author && !msg.webhook_id) d.member = this.memberNoUser(author);
    return d;
  }
  contentMeta(msg: APIMessage): DispatchMeta {
    const visible = msg.author.id === this.botUserId || msg.mentions.some((m) => m.id === this.botUserId);
    return { messageEvent: true, contentVisibleWithoutIntent: visible };
  }

  editMessage(channelId: string, messageId: string, patch: { content?: string; flags?: number }): APIMessage {
    const msg = this.getMessage(channelId, messageId);
    if (!msg) throw new Error(`unknown message ${messageId}`);
    if (patch.content !== undefined) {
      // A reply keeps its ping of the replied-to author across edits.
      const referenced = msg.message_reference?.message_id ? this.getMessage(channelId, msg.message_reference.message_id) : undefined;
      const pinged = referenced && msg.mentions.some((u) => u.id === referenced.author.id) ? referenced.author.id : undefined;
      msg.content = patch.content;
      msg.mentions = this.mentionsFor(patch.content, this.sentMeta.get(messageId)?.allowedMentions);
      if (pinged && !msg.mentions.some((u) => u.id === pinged)) msg.mentions.push(referenced!.author);
    }
    if (patch.flags !== undefined) msg.flags = patch.flags as MessageFlags;
    msg.edited_timestamp = new Date(this.clock.now()).toISOString();
    this.emit(GatewayDispatchEvents.MessageUpdate, this.messageEvent(msg), this.contentMeta(msg));
    return msg;
  }

  deleteMessage(channelId: string, messageId: string): boolean {
    const list = this.messagesByChannel.get(channelId);
    const i = list?.findIndex((m) => m.id === messageId) ?? -1;
    if (!list || i < 0) return false;
    list.splice(i, 1);
    this.emit(GatewayDispatchEvents.MessageDelete, { id: messageId, channel_id: channelId, guild_id: this.guildId }, { messageEvent: true, contentVisibleWithoutIntent: true });
    return true;
  }

  bulkDelete(channelId: string, ids: string[]): void {
    const list = this.messagesByChannel.get(channelId);
    if (!list) throw new Error(`unknown channel ${channelId}`);
    const gone = ids.filter((id) => list.some((m) => m.id === id));
    this.messagesByChannel.set(channelId, list.filter((m) => !gone.includes(m.id)));
    this.emit(GatewayDispatchEvents.MessageDeleteBulk, { ids: gone, channel_id: channelId, guild_id: this.guildId }, { messageEvent: true, contentVisibleWithoutIntent: true });
  }

  /**
   * Discord's paging: `before`/`after`/`around` are exclusive of each other; every result is sorted
   * newest first. `after` returns the `limit` messages immediately following the id (so paging
   * forward uses the first element's id as the next `after`).
   */
  listMessages(channelId: string, q: { before?: string; after?: string; around?: string; limit: number }): APIMessage[] {
    const asc = [...(this.messagesByChannel.get(channelId) ?? [])].sort((a, b) => compareSnowflakes(a.id, b.id));
    let page: APIMessage[];
    if (q.after) page = asc.filter((m) => compareSnowflakes(m.id, q.after!) > 0).slice(0, q.limit);
    else if (q.before) page = asc.filter((m) => compareSnowflakes(m.id, q.before!) < 0).slice(-q.limit);
    else if (q.around) {
      const idx = asc.findIndex((m) => compareSnowflakes(m.id, q.around!) >= 0);
      const centre = idx < 0 ? asc.length : idx;
      const start = Math.max(0, centre - Math.floor(q.limit / 2));
      page = asc.slice(start, start + q.limit);
    } else page = asc.slice(-q.limit);
    return page.reverse();
  }

  private reactionKey(channelId: string, messageId: string): string { return `${channelId}/${messageId}`; }
  addReaction(channelId: string, messageId: string, emoji: string, userId: string): void {
    const key = this.reactionKey(channelId, messageId);
    const byEmoji = this.reactionMap.get(key) ?? new Map<string, Set<string>>();
    this.reactionMap.set(key, byEmoji);
    const users = byEmoji.get(emoji) ?? new Set<string>();
    byEmoji.set(emoji, users);
    const isNew = !users.has(userId);
    users.add(userId);
    if (isNew) this.emit(GatewayDispatchEvents.MessageReactionAdd, { user_id: userId, channel_id: channelId, message_id: messageId, guild_id: this.guildId, emoji: emojiObject(emoji), burst: false, type: 0 });
  }
  removeReaction(channelId: string, messageId: string, emoji: string, userId: string): void {
    const users = this.reactionMap.get(this.reactionKey(channelId, messageId))?.get(emoji);
    if (users?.delete(userId)) this.emit(GatewayDispatchEvents.MessageReactionRemove, { user_id: userId, channel_id: channelId, message_id: messageId, guild_id: this.guildId, emoji: emojiObject(emoji), burst: false, type: 0 });
  }
  reactions(channelId: string, messageId: string): { emoji: string; userIds: string[] }[] {
    const byEmoji = this.reactionMap.get(this.reactionKey(channelId, messageId));
    return byEmoji ? [...byEmoji].filter(([, s]) => s.size > 0).map(([emoji, s]) => ({ emoji, userIds: [...s] })) : [];
  }
}

/** `name:id` for custom emoji, the bare character(s) for unicode emoji. */
function emojiObject(emoji: string): { id: string | null; name: string } {
  const m = /^(?:a:)?([\w~-]+):(\d{17,20})$/.exec(emoji);
  return m ? { id: m[2]!, name: m[1]! } : { id: null, name: emoji };
}
