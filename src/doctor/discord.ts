// Owns the doctor's checks against Discord: the bot token (and that it is DISCORD_APPLICATION_ID's
// bot), DISCORD_PUBLIC_KEY against the application's verify_key, the Message Content intent, the
// guild, both channels (exist in the guild, text), the bot's effective permissions in each
// (src/discord/permissions.ts, from the guild's roles, the bot's roles and the channel's
// overwrites), and the registered slash commands. Reads only, through the REST client; every call
// is bounded by `timeoutMs`. What each route returns: docs/interactions.md §8.
import type { APIApplication, APIGuild, APIGuildChannel, APIGuildMember, APIUser, GuildChannelType } from 'discord-api-types/v10';
import { DiscordApiError, type RestClient } from '../discord/rest/client.js';
import { channelPermissions, missingPermissions, type PermissionName } from '../discord/permissions.js';
import { NEEDED_PERMISSIONS as SHIPPED_NEEDS } from '../worker/channel-check.js';
import { commandDefinitions, commandLabel } from '../commands/definitions.js';
import { describeError } from '../errors.js';
import { commandDifferences } from './commands.js';
import { fail, pass, skipBecause, type CheckResult } from './check.js';

/**
 * What the digest does in #announcements: see the channel, post there, and read its recent messages
 * before re-posting a half-posted week, so a part that did reach Discord is adopted, not doubled
 * (README, "How the digest reads"; without it the digest stops with digest.adopt_search_failed).
 */
export const ANNOUNCEMENTS_NEEDS: readonly PermissionName[] = ['VIEW_CHANNEL', 'SEND_MESSAGES', 'READ_MESSAGE_HISTORY'];

/**
 * GATEWAY_MESSAGE_CONTENT (1 << 18) and GATEWAY_MESSAGE_CONTENT_LIMITED (1 << 19): either means the
 * intent is switched on for the app (https://discord.com/developers/docs/resources/application#application-object-application-flags).
 */
const MESSAGE_CONTENT = 1 << 18;
const MESSAGE_CONTENT_LIMITED = 1 << 19;
/** GUILD_TEXT and GUILD_ANNOUNCEMENT (https://discord.com/developers/docs/resources/channel#channel-object-channel-types). */
const TEXT_TYPES = new Set([0, 5]);
const TYPE_NAMES: Record<number, string> = { 2: 'voice', 4: 'category', 13: 'stage', 14: 'directory', 15: 'forum', 16: 'media' };

export const CHECK_NAMES = ['bot-token', 'public-key', 'message-content-intent', 'guild', 'shipped-channel', 'announcements-channel',
  'shipped-permissions', 'announcements-permissions', 'slash-commands'] as const;

export interface DiscordCheckOptions {
  rest: RestClient;
  applicationId: string;
  publicKey: string;
  /** DISCORD_GUILD_ID; unset: the guild is the one #i-shipped belongs to, and commands are global. */
  guildId: string | undefined;
  shippedChannelId: string;
  announcementsChannelId: string;
  timeoutMs: number;
}

type Channel = APIGuildChannel<GuildChannelType>;
interface Guild { guild: APIGuild; member: APIGuildMember; channels: Channel[] }

export async function discordChecks(o: DiscordCheckOptions): Promise<CheckResult[]> {
  const get = <T>(path: string) => o.rest.request<T>('GET', path, { signal: AbortSignal.timeout(o.timeoutMs) });
  const seconds = `${o.timeoutMs / 1000} s`;
  const why = (err: unknown) => (err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${seconds}` : describeError(err));

  // The token first: without it nothing else can be read.
  const [me, app] = await Promise.allSettled([get<APIUser>('/users/@me'), get<APIApplication>('/applications/@me')]);
  const tokenProblem = me.status === 'rejected' ? me.reason : app.status === 'rejected' ? app.reason : undefined;
  if (tokenProblem !== undefined || me.status !== 'fulfilled' || app.status !== 'fulfilled') {
    const rejected = tokenProblem instanceof DiscordApiError && tokenProblem.status === 401;
    const token = rejected
      ? fail('bot-token', 'Discord rejected DISCORD_BOT_TOKEN (401 Unauthorized)',
        'copy the token from the Developer Portal → your application → Bot → Reset Token into DISCORD_BOT_TOKEN in /etc/shiptrack/env, then restart shiptrack-worker')
      : fail('bot-token', `could not ask Discord about the token: ${why(tokenProblem)}`,
        'check DISCORD_API_BASE and that this machine reaches Discord (DNS, firewall, proxy), then run doctor again');
    return [token, ...CHECK_NAMES.slice(1).map((n) => skipBecause(n, 'bot-token failed'))];
  }
  const bot = me.value;
  const application = app.value;
  const checks: CheckResult[] = [];
  if (application.id !== o.applicationId) {
    checks.push(fail('bot-token', `the token is the bot of application ${application.id}, but DISCORD_APPLICATION_ID=${o.applicationId}`,
      `set DISCORD_APPLICATION_ID=${application.id} (Developer Portal → General Information → Application ID), or use the bot token of application ${o.applicationId}`));
    return [...checks, ...CHECK_NAMES.slice(1).map((n) => skipBecause(n, 'bot-token failed'))];
  }
  checks.push(pass('bot-token', `valid: bot ${bot.username} (${bot.id}) of application ${application.name} (${application.id})`));

  const verifyKey = String(application.verify_key ?? '').toLowerCase();
  checks.push(verifyKey === o.publicKey.toLowerCase()
    ? pass('public-key', `DISCORD_PUBLIC_KEY is the application's verify_key (${short(verifyKey)})`)
    : fail('public-key', `DISCORD_PUBLIC_KEY (${short(o.publicKey)}) is not the application's verify_key (${short(verifyKey)}): Discord's signed interactions would all fail with 401`,
      'copy the Public Key from the Developer Portal → General Information into DISCORD_PUBLIC_KEY in /etc/shiptrack/env, then restart shiptrack-web'));

  const flags = Number(application.flags ?? 0);
  checks.push(flags & (MESSAGE_CONTENT | MESSAGE_CONTENT_LIMITED)
    ? pass('message-content-intent', `enabled (application flags include ${flags & MESSAGE_CONTENT ? 'GATEWAY_MESSAGE_CONTENT' : 'GATEWAY_MESSAGE_CONTENT_LIMITED'})`)
    : fail('message-content-intent', `not enabled for the application (flags ${flags} have neither GATEWAY_MESSAGE_CONTENT nor GATEWAY_MESSAGE_CONTENT_LIMITED): the worker cannot read posts in #i-shipped`,
      'enable the Message Content intent in the Developer Portal → Bot → Privileged Gateway Intents, then restart shiptrack-worker'));

  const [guildChecks, commands] = await Promise.all([
    guildAndChannels(o, bot.id, get, why),
    commandsCheck(o, get, why),
  ]);
  return [...checks, ...guildChecks, commands];
}

type Get = <T>(path: string) => Promise<T>;
type Why = (err: unknown) => string;

async function guildAndChannels(o: DiscordCheckOptions, botId: string, get: Get, why: Why): Promise<CheckResult[]> {
  const after = ['shipped-channel', 'announcements-channel', 'shipped-permissions', 'announcements-permissions'];
  let guildId = o.guildId;
  if (!guildId) {
    try {
      guildId = (await get<Channel>(`/channels/${o.shippedChannelId}`)).guild_id;
    } catch (err) {
      return [fail('guild', `DISCORD_GUILD_ID is not set and the guild of SHIPPED_CHANNEL_ID=${o.shippedChannelId} could not be read: ${why(err)}`,
        'set DISCORD_GUILD_ID to your server\'s id (Developer Mode, right-click the server icon, Copy Server ID) and check SHIPPED_CHANNEL_ID'),
      ...after.map((n) => skipBecause(n, 'guild failed'))];
    }
  }
  let g: Guild;
  try {
    // All three at once; the first failure in this order is the one reported, whichever came back first.
    const settled = await Promise.allSettled([
      get<APIGuild>(`/guilds/${guildId}`), get<APIGuildMember>(`/guilds/${guildId}/members/${botId}`), get<Channel[]>(`/guilds/${guildId}/channels`),
    ]);
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const [guild, member, channels] = settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as [APIGuild, APIGuildMember, Channel[]];
    g = { guild, member, channels };
  } catch (err) {
    const notMember = err instanceof DiscordApiError && (err.status === 403 || err.status === 404);
    return [fail('guild', notMember ? `the bot is not a member of guild ${guildId}, or there is no such guild: ${why(err)}` : `could not read guild ${guildId}: ${why(err)}`,
      notMember ? 'invite the bot to your server (Developer Portal → OAuth2 → URL Generator, scopes bot and applications.commands), or correct DISCORD_GUILD_ID'
        : 'check that this machine reaches Discord, then run doctor again'),
    ...after.map((n) => skipBecause(n, 'guild failed'))];
  }
  const out: CheckResult[] = [pass('guild', `${g.guild.name} (${g.guild.id}); the bot is a member with ${g.member.roles.length} role(s)`)];
  const [shipped, announcements] = await Promise.all([
    channelCheck('shipped-channel', 'SHIPPED_CHANNEL_ID', o.shippedChannelId, g, 'restart shiptrack-worker', get, why),
    channelCheck('announcements-channel', 'ANNOUNCEMENTS_CHANNEL_ID', o.announcementsChannelId, g, 'the next digest run uses it', get, why),
  ]);
  out.push(shipped.check, announcements.check);
  out.push(shipped.channel ? permissionCheck('shipped-permissions', shipped.channel, SHIPPED_NEEDS, g, botId) : skipBecause('shipped-permissions', 'shipped-channel failed'));
  out.push(announcements.channel ? permissionCheck('announcements-permissions', announcements.channel, ANNOUNCEMENTS_NEEDS, g, botId) : skipBecause('announcements-permissions', 'announcements-channel failed'));
  return out;
}

/**
 * The channel from the guild's list; one missing from it is asked for on its own, to say why:
 * another guild's channel, one hidden from the bot (403 Missing Access), or none at all (404).
 */
async function channelCheck(name: string, setting: string, id: string, g: Guild, then: string, get: Get, why: Why): Promise<{ check: CheckResult; channel?: Channel }> {
  let ch = g.channels.find((c) => c.id === id);
  const copyId = `copy the channel's id (Developer Mode, right-click the channel, Copy Channel ID) into ${setting} in /etc/shiptrack/env; ${then}`;
  if (!ch) {
    try {
      const alone = await get<Channel>(`/channels/${id}`);
      if (alone.guild_id !== g.guild.id) {
        return { check: fail(name, `${setting}=${id} is #${alone.name} of another server (${alone.guild_id ?? 'none'}), not of ${g.guild.name} (${g.guild.id})`, copyId) };
      }
      ch = alone;
    } catch (err) {
      const status = err instanceof DiscordApiError ? err.status : undefined;
      if (status === 403) {
        return { check: fail(name, `${setting}=${id} exists but the bot may not see it (${why(err)})`,
          `allow View Channel for the bot (or its role) in that channel, or ${copyId}`) };
      }
      return { check: fail(name, status === 404 ? `${setting}=${id} is not a channel Discord knows (deleted, or a typo)` : `${setting}=${id} could not be read: ${why(err)}`, copyId) };
    }
  }
  if (!TEXT_TYPES.has(ch.type)) {
    return { check: fail(name, `#${ch.name} (${setting}=${id}) is a ${TYPE_NAMES[ch.type] ?? `type ${ch.type}`} channel, not a text or announcement channel`,
      `point ${setting} at a text channel in /etc/shiptrack/env; ${then}`) };
  }
  return { check: pass(name, `#${ch.name} (${id}) is a ${ch.type === 5 ? 'announcement' : 'text'} channel of ${g.guild.name}`), channel: ch };
}

function permissionCheck(name: string, ch: Channel, needed: readonly PermissionName[], g: Guild, botId: string): CheckResult {
  const have = channelPermissions({
    guildId: g.guild.id, ownerId: g.guild.owner_id, roles: g.guild.roles, memberId: botId, memberRoleIds: g.member.roles,
    overwrites: ch.permission_overwrites ?? [],
  });
  const missing = missingPermissions(have, needed);
  if (!missing.length) return pass(name, `the bot may ${needed.map(label).join(', ')} in #${ch.name}`);
  return fail(name, `the bot lacks ${missing.map(label).join(', ')} in #${ch.name} (from its roles and the channel's overwrites)`,
    `allow ${missing.map(label).join(', ')} for the bot (or its role) in #${ch.name}: Edit Channel → Permissions, or the role in Server Settings → Roles`);
}

async function commandsCheck(o: DiscordCheckOptions, get: Get, why: Why): Promise<CheckResult> {
  // Where register-commands puts them: the guild when DISCORD_GUILD_ID is set, else global.
  const scope = o.guildId ? 'guild' : 'global';
  const where = o.guildId ? `in guild ${o.guildId}` : 'globally';
  let registered: unknown[];
  try {
    registered = await get<unknown[]>(o.guildId ? `/applications/${o.applicationId}/guilds/${o.guildId}/commands` : `/applications/${o.applicationId}/commands`);
  } catch (err) {
    return fail('slash-commands', `could not read the commands registered ${where}: ${why(err)}`,
      'check DISCORD_GUILD_ID and that the bot was invited with the applications.commands scope, then run `shiptrack register-commands`');
  }
  const wanted = commandDefinitions();
  const diffs = commandDifferences(Array.isArray(registered) ? registered : [], wanted, scope);
  if (!diffs.length) return pass('slash-commands', `${wanted.map(commandLabel).join(', ')} registered ${where}, identical to this release's`);
  return fail('slash-commands', `registered ${where} differ from this release's: ${diffs.join('; ')}`, 'run `shiptrack register-commands`');
}

const LABELS: Record<string, string> = {
  VIEW_CHANNEL: 'View Channel', READ_MESSAGE_HISTORY: 'Read Message History', ADD_REACTIONS: 'Add Reactions', SEND_MESSAGES: 'Send Messages',
};
const label = (p: PermissionName) => LABELS[p] ?? p;
const short = (hex: string) => (hex ? `${hex.slice(0, 8)}…` : 'none');
