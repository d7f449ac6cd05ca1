// Owns the message context-menu commands (right-click a message → Apps, issue 16):
// - "Log as launch": logs the message as a launch of its author, in any channel, and reacts 🚀;
// - "Not a launch": removes the launch that came from the message (soft delete, sql/0009) and the 🚀;
//   a message never logged is stored as removed, so the worker never logs it on a later edit.
// Allowed for the message's author and for moderators: members whose `member.permissions` (their
// permissions in that channel, sent with the interaction) include Manage Messages or Administrator
// (docs/interactions.md §2.8). Everyone else gets a private explanation. Every answer is ephemeral.

import { logMessageLaunch, markNotALaunch, type MessageLaunch } from '../db/corrections.js';
import { markReacted } from '../db/launches.js';
import { displayName } from '../discord/display-name.js';
import { postableText } from '../discord/escape.js';
import { ephemeral, type MessageData } from '../discord/interactions/respond.js';
import { invoker, memberPermissions, targetMessage, type ApiMessage, type ApiUser, type Interaction } from '../discord/interactions/types.js';
import { Permission } from '../discord/permissions.js';
import { isSnowflake, snowflakeToDate } from '../discord/snowflake.js';
import { describeError } from '../errors.js';
import { extractUrls } from '../launch/detect.js';
import { firstLine, normaliseLine, truncateAtWord, visibleLength } from '../text.js';
import type { Command, CommandDeps } from './command.js';

export const LOG_AS_LAUNCH = 'Log as launch';
export const NOT_A_LAUNCH = 'Not a launch';
const REPLY_TEXT = 100;

const NOT_IN_SERVER = '🚀 ShipTrack keeps the launch log of its community server: use this on a message there. Nothing was changed.';
const UNREADABLE = 'ShipTrack could not read that message from Discord\'s request. Nothing was changed; please try again.';

/** Whether the invoker is a moderator here: Manage Messages (or Administrator) in this channel. */
export function isModerator(i: Interaction): boolean {
  const p = memberPermissions(i);
  return (p & (Permission.MANAGE_MESSAGES | Permission.ADMINISTRATOR)) !== 0n;
}

interface Target { message: ApiMessage & { author: ApiUser }; user: ApiUser; moderator: boolean; own: boolean }

/** The invoker and target message, or the private answer when the command cannot run. */
function resolve(i: Interaction, action: string): Target | MessageData {
  const user = invoker(i);
  if (!user || !isSnowflake(i.guild_id) || !i.member) return ephemeral(NOT_IN_SERVER);
  const message = targetMessage(i);
  if (!message) return ephemeral(UNREADABLE);
  const own = message.author.id === user.id;
  const moderator = isModerator(i);
  if (!own && !moderator) {
    return ephemeral(`Only the message's author or a moderator (a member who may manage messages in this channel) can ${action}. Nothing was changed.`);
  }
  return { message, user, moderator, own };
}

function launchOf(i: Interaction, m: ApiMessage & { author: ApiUser }): MessageLaunch {
  const content = m.content ?? '';
  const at = m.timestamp ? new Date(m.timestamp) : undefined;
  const member = m.member ?? i.data?.resolved?.members?.[m.author.id];
  return {
    guildId: i.guild_id ?? null,
    channelId: isSnowflake(m.channel_id) ? m.channel_id : i.channel_id ?? '',
    messageId: m.id,
    userId: m.author.id,
    userName: displayName(m.author, member),
    content,
    urls: extractUrls(content),
    createdAt: at && Number.isFinite(at.getTime()) ? at : snowflakeToDate(m.id),
  };
}

function shown(content: string): string {
  return postableText(truncateAtWord(normaliseLine(firstLine(content)), REPLY_TEXT) || '(no text)', { suppressEmbeds: true });
}

async function logAsLaunch(i: Interaction, { db, clock, log, reactions }: CommandDeps): Promise<MessageData> {
  const t = resolve(i, 'log it as a launch');
  if (!('message' in t)) return t;
  const m = t.message;
  if (m.webhook_id || m.author.bot) return ephemeral('Messages from bots and webhooks are not logged as launches. Nothing was changed.');
  if (visibleLength(m.content ?? '') === 0) return ephemeral('That message has no text to log as a launch. Nothing was changed.');
  const launch = launchOf(i, m);
  if (!isSnowflake(launch.channelId)) return ephemeral(UNREADABLE);
  const r = await logMessageLaunch(db, launch, t.user.id);
  const who = postableText(launch.userName);
  if (r.already) return ephemeral(`That message is already logged as a launch of ${who}. Nothing was changed.`);
  if (!r.created && !r.restored) return ephemeral('That message was deleted, so it cannot be logged. Nothing was changed.');
  let rocket = ' and reacted 🚀';
  if (!reactions) rocket = ' (no 🚀: this ShipTrack has no bot token for the web service)';
  else {
    try {
      await reactions.add(launch.channelId, launch.messageId);
      await markReacted(db, r.id, new Date(clock.now()));
    } catch (err) {
      // Still owed (reacted_at stays NULL): the worker's start-up pays owed reactions (listUnreacted).
      log.warn('reaction.add_failed', { launch_id: r.id, message_id: launch.messageId, error: describeError(err) });
      rocket = ' (its 🚀 could not be added just now; ShipTrack tries again when the worker next starts)';
    }
  }
  log.info('launch.logged_by_hand', { interaction: i.id, launch_id: r.id, message_id: launch.messageId, user_id: launch.userId, by: t.user.id, moderator: !t.own, restored: r.restored });
  const whose = t.own ? 'your message' : `${who}'s message`;
  return ephemeral(`🚀 Logged ${whose} as a launch${rocket}: ${shown(launch.content)}`);
}

async function notALaunch(i: Interaction, { db, clock, log, reactions }: CommandDeps): Promise<MessageData> {
  const t = resolve(i, 'say it is not a launch');
  if (!('message' in t)) return t;
  const launch = launchOf(i, t.message);
  if (!isSnowflake(launch.channelId)) return ephemeral(UNREADABLE);
  const r = await markNotALaunch(db, launch, t.user.id, new Date(clock.now()));
  if (r.blocked) {
    log.info('launch.blocked', { interaction: i.id, message_id: launch.messageId, by: t.user.id, moderator: !t.own });
    return ephemeral('That message was not logged as a launch, and ShipTrack will not log it later either, even if it is edited.');
  }
  if (!r.removed) return ephemeral('The launch from that message is already removed. Nothing was changed.');
  let rocket = ' Its 🚀 is gone.';
  if (!reactions) rocket = ' Its 🚀 stays (this ShipTrack has no bot token for the web service).';
  else {
    try {
      await reactions.remove(r.removed.channelId ?? launch.channelId, launch.messageId);
    } catch (err) {
      log.warn('reaction.remove_failed', { launch_id: r.removed.id, message_id: launch.messageId, error: describeError(err) });
      rocket = ' Its 🚀 could not be taken off just now; the launch is removed all the same.';
    }
  }
  log.info('launch.not_a_launch', { interaction: i.id, launch_id: r.removed.id, message_id: launch.messageId, by: t.user.id, moderator: !t.own });
  return ephemeral(`🗑️ Removed the launch from that message: ${shown(r.removed.content)}. It no longer counts anywhere, and ShipTrack will not log it again, even if it is edited.${rocket}`);
}

export const logAsLaunchCommand: Command = {
  name: LOG_AS_LAUNCH,
  handle: logAsLaunch,
  ephemeral: true,
  apology: '⚠️ Sorry, ShipTrack could not log that message just now (database trouble). Please try again in a minute.',
  notInServer: NOT_IN_SERVER,
};

export const notALaunchCommand: Command = {
  name: NOT_A_LAUNCH,
  handle: notALaunch,
  ephemeral: true,
  apology: '⚠️ Sorry, ShipTrack could not remove that launch just now (database trouble). Nothing was changed; please try again in a minute.',
  notInServer: NOT_IN_SERVER,
};
