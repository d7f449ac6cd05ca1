// Owns /ship: validate the product text, store the launch once per interaction id, and confirm it
// publicly with the text escaped. Does not decide when to defer (src/discord/interactions/router.ts) or send anything.

import { insertInteractionLaunch } from '../db/launches.js';
import { extractUrls } from '../launch/detect.js';
import { codePointLength, normaliseLine, visibleLength } from '../text.js';
import { postableText } from '../discord/escape.js';
import { isSnowflake, snowflakeToDate } from '../discord/snowflake.js';
import { ephemeral, message, type MessageData } from '../discord/interactions/respond.js';
import { displayName } from '../discord/display-name.js';
import { invoker, stringOption, type Interaction } from '../discord/interactions/types.js';
import type { Command, CommandDeps } from './command.js';

/** The option's name and limits: definitions.ts registers exactly these (docs/interactions.md §3.2). */
export const SHIP_OPTION = 'product';
export const SHIP_MIN_LENGTH = 2;
export const SHIP_MAX_LENGTH = 100;

export const NOT_IN_DM = '🚀 /ship logs launches for the community server: use it in a channel there. Nothing was saved.';

/** The public confirmation: one line, user text through postableText, links without embeds. */
export function shipConfirmation(userName: string, product: string): string {
  return `🚀 Launch logged for ${postableText(userName)}: ${postableText(product, { suppressEmbeds: true })}`;
}

async function handle(i: Interaction, { db, log }: CommandDeps): Promise<MessageData> {
  const user = invoker(i);
  if (!isSnowflake(i.guild_id) || !i.member || !user) return ephemeral(NOT_IN_DM);
  // Discord enforces the limits client-side; re-check them here so code and registration agree.
  const product = normaliseLine(stringOption(i, SHIP_OPTION) ?? '');
  const length = codePointLength(product);
  // The minimum counts what a reader sees: 50 zero-width spaces are no launch (src/text.ts visibleLength).
  if (visibleLength(product) < SHIP_MIN_LENGTH) {
    return ephemeral(`Tell me what you shipped: \`/ship ${SHIP_OPTION}:\` followed by at least ${SHIP_MIN_LENGTH} characters. Nothing was saved.`);
  }
  if (length > SHIP_MAX_LENGTH) {
    return ephemeral(`That is ${length} characters; /ship takes at most ${SHIP_MAX_LENGTH}. Please shorten it. Nothing was saved.`);
  }
  const userName = displayName(user, i.member);
  // One statement for a new launch; a retried delivery (created false) reads back what the first
  // stored and answers exactly as then.
  const stored = await insertInteractionLaunch(db, {
    source: 'slash',
    guildId: i.guild_id,
    channelId: isSnowflake(i.channel_id) ? i.channel_id : null,
    userId: user.id,
    userName,
    content: product,
    urls: extractUrls(product),
    interactionId: i.id,
    createdAt: snowflakeToDate(i.id),
  });
  // Debug only: the router's interaction.answered / interaction.deferred is the request's one info line.
  log.debug('ship.stored', { interaction: i.id, launch: stored.id, created: stored.created });
  return message(shipConfirmation(stored.userName, stored.content));
}

export const shipCommand: Command = {
  name: 'ship',
  handle,
  apology: '⚠️ Sorry, ShipTrack could not save your launch just now (database trouble). Please run /ship again in a minute.',
  notInServer: NOT_IN_DM,
};
