// Owns the verdict on the configured #i-shipped channel from the guild as the gateway described it
// (src/worker/payloads.ts GuildSnapshot): the channel exists in the guild, is a text or
// announcement channel, and the bot may see it, read its history and react there. Pure: the app
// logs the verdict and the status reporter records it.
import { channelPermissions, missingPermissions, type PermissionName } from '../discord/permissions.js';
import type { GuildSnapshot } from './payloads.js';

/** What the worker does in #i-shipped: receive its messages, backfill its history, add 🚀. */
export const NEEDED_PERMISSIONS: readonly PermissionName[] = ['VIEW_CHANNEL', 'READ_MESSAGE_HISTORY', 'ADD_REACTIONS'];
/** GUILD_TEXT and GUILD_ANNOUNCEMENT (https://discord.com/developers/docs/resources/channel#channel-object-channel-types). */
const TEXT_TYPES = new Set([0, 5]);

export interface ChannelProblem {
  reason: 'not_found' | 'not_text' | 'missing_permissions';
  /** `channel`, `text_channel`, or the missing permission names joined by commas. */
  missing: string;
  hint: string;
  /** One line for worker_status.channel_problem. */
  text: string;
}

/** undefined: the channel is usable. `guild` undefined: no guild the bot is in has the channel. */
export function checkChannel(guild: GuildSnapshot | undefined, channelId: string, botUserId: string): ChannelProblem | undefined {
  const ch = guild?.channels.get(channelId);
  if (!guild || !ch) {
    const hint = `SHIPPED_CHANNEL_ID=${channelId} is not a channel the bot can see in ${guild ? `guild ${guild.id}` : 'any of its guilds'} `
      + '(deleted, a typo, another server\'s channel, or hidden from the bot): copy the id of #i-shipped (Developer Mode, right-click the channel, Copy Channel ID) '
      + 'into /etc/shiptrack/env and restart the worker';
    return { reason: 'not_found', missing: 'channel', hint, text: `channel ${channelId} not found: ${hint}` };
  }
  const name = ch.name ? `#${ch.name}` : `channel ${channelId}`;
  if (!TEXT_TYPES.has(ch.type)) {
    const hint = `${name} (SHIPPED_CHANNEL_ID=${channelId}) is a channel of type ${ch.type}, not a text or announcement channel: point SHIPPED_CHANNEL_ID at #i-shipped and restart the worker`;
    return { reason: 'not_text', missing: 'text_channel', hint, text: hint };
  }
  const have = channelPermissions({
    guildId: guild.id, ownerId: guild.ownerId, roles: [...guild.roles.values()], memberId: botUserId,
    memberRoleIds: guild.botRoleIds ?? [], overwrites: ch.overwrites,
  });
  const missing = missingPermissions(have, NEEDED_PERMISSIONS);
  if (missing.length === 0) return undefined;
  const hint = `allow ${missing.map(label).join(', ')} for the bot (or its role) in ${name}: Edit Channel > Permissions, or the role's permissions in Server Settings > Roles; no restart needed`;
  return { reason: 'missing_permissions', missing: missing.join(','), hint, text: `${name} (${channelId}): the bot lacks ${missing.join(',')}: ${hint}` };
}

function label(p: PermissionName): string {
  return { VIEW_CHANNEL: 'View Channel', READ_MESSAGE_HISTORY: 'Read Message History', ADD_REACTIONS: 'Add Reactions' }[p as string] ?? p;
}
