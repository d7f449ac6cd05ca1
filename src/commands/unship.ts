// Owns /unship launch:<one of yours>: a member removes one of their own launches (issue 16). The
// option autocompletes their newest live launches (at most 25, src/db/corrections.ts); the launch
// is soft-deleted (sql/0009), and when it came from a message the bot takes its own 🚀 off it. Every
// answer is ephemeral. A second /unship of the same launch says so and changes nothing.

import { findOwnLaunch, recentOwnLaunches, unshipLaunch } from '../db/corrections.js';
import { postableText } from '../discord/escape.js';
import { ephemeral, type Choice, type MessageData } from '../discord/interactions/respond.js';
import { focusedOption, invoker, stringOption, type Interaction } from '../discord/interactions/types.js';
import { isSnowflake } from '../discord/snowflake.js';
import { describeError } from '../errors.js';
import { firstLine, normaliseLine, truncateAtWord } from '../text.js';
import { discordDate, plainDate, type Command, type CommandDeps } from './command.js';

export const UNSHIP_OPTION = 'launch';
/** Visible text of a launch in a choice name (Discord allows 100 characters; the date takes ~14). */
const CHOICE_TEXT = 80;
/** Text of the removed launch in the reply, before escaping. */
const REPLY_TEXT = 120;

export const UNSHIP_NOT_IN_SERVER = '🚀 /unship removes launches from the community server\'s log: use it in a channel there. Nothing was changed.';

/** Plain text for a choice (Discord shows choice names literally: no markdown, no mentions). */
function choiceName(createdAt: Date, content: string): string {
  const text = truncateAtWord(normaliseLine(firstLine(content)), CHOICE_TEXT) || '(no text)';
  return `${plainDate(createdAt)} · ${text}`;
}

async function autocomplete(i: Interaction, { db }: CommandDeps): Promise<readonly Choice[]> {
  const user = invoker(i);
  const typed = focusedOption(i);
  if (!user || !isSnowflake(i.guild_id) || (typed && typed.name !== UNSHIP_OPTION)) return [];
  const rows = await recentOwnLaunches(db, user.id, typed?.value ?? '');
  return rows.map((r) => ({ name: choiceName(r.createdAt, r.content), value: r.id }));
}

async function handle(i: Interaction, { db, clock, log, reactions }: CommandDeps): Promise<MessageData> {
  const user = invoker(i);
  if (!user || !isSnowflake(i.guild_id)) return ephemeral(UNSHIP_NOT_IN_SERVER);
  const value = (stringOption(i, UNSHIP_OPTION) ?? '').trim();
  // The value is a launch id when the member picked a suggestion; typed text without picking is not.
  if (!/^\d{1,18}$/.test(value)) {
    return ephemeral('Pick the launch to remove from the list that appears as you type after `/unship launch:`. Nothing was changed.');
  }
  const own = await findOwnLaunch(db, user.id, value);
  if (!own) return ephemeral('That is not one of your launches (you can only remove your own). Nothing was changed.');
  const text = postableText(truncateAtWord(normaliseLine(firstLine(own.content)), REPLY_TEXT) || '(no text)', { suppressEmbeds: true });
  const already = `That launch (${discordDate(own.createdAt, 'd')}: ${text}) is already removed. Nothing was changed.`;
  if (own.deletedAt) return ephemeral(already);
  const removed = await unshipLaunch(db, user.id, own.id, new Date(clock.now()));
  if (!removed) return ephemeral(already); // removed by a concurrent click in between
  let rocket = '';
  if (removed.messageId && removed.channelId) {
    if (!reactions) rocket = ' Its 🚀 stays on the message (this ShipTrack has no bot token for the web service).';
    else {
      try {
        await reactions.remove(removed.channelId, removed.messageId);
        rocket = ' Its 🚀 is gone from the message.';
      } catch (err) {
        // The launch is removed either way; a message deleted since (10008) has no 🚀 left anyway.
        log.warn('reaction.remove_failed', { launch_id: removed.id, message_id: removed.messageId, error: describeError(err) });
        rocket = ' Its 🚀 could not be taken off the message just now; the launch is removed all the same.';
      }
    }
  }
  log.info('launch.unshipped', { interaction: i.id, launch_id: removed.id, user_id: user.id, message_id: removed.messageId ?? undefined });
  return ephemeral(`🗑️ Removed your launch from ${discordDate(own.createdAt, 'd')}: ${text}. It no longer counts in /profile, /leaderboard or streaks, and digests not yet posted will not list it.${rocket}`);
}

export const unshipCommand: Command = {
  name: 'unship',
  handle,
  autocomplete,
  ephemeral: true,
  apology: '⚠️ Sorry, ShipTrack could not remove that launch just now (database trouble). Nothing was changed; please try again in a minute.',
  notInServer: UNSHIP_NOT_IN_SERVER,
};
