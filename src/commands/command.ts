// Owns the contract every slash-command handler implements: (interaction, deps) → message.
// Handlers are pure apart from the database they are given; they never touch HTTP or REST.
// index.ts binds them to their deps as the router's CommandHandlers.

import type { Clock } from '../clock.js';
import type { Queryable } from '../db/pool.js';
import type { Logger } from '../log.js';
import type { Choice, MessageData } from '../discord/interactions/respond.js';
import type { Interaction } from '../discord/interactions/types.js';

export interface CommandDeps {
  db: Queryable;
  clock: Clock;
  log: Logger;
  /**
   * The community's server (config DISCORD_GUILD_ID). When set, an interaction from any other
   * server, or from a DM, gets a private notice and no command runs (index.ts). When unset, any
   * server is answered (DMs still are not): its launches would mix with the community's.
   */
  guildId?: string | undefined;
  /**
   * The bot's own 🚀 on a message (PUT / DELETE /channels/{c}/messages/{m}/reactions/{emoji}/@me,
   * with the bot token). Absent when the web service has no DISCORD_BOT_TOKEN: launches are still
   * logged and removed, and the reply says the 🚀 was left as it was.
   */
  reactions?: Reactions | undefined;
  /** The public launch log's address (PUBLIC_SITE_URL) when PUBLIC_SITE is on; `/site` links to it. */
  publicSiteUrl?: string | undefined;
}

export interface Reactions {
  add(channelId: string, messageId: string): Promise<void>;
  remove(channelId: string, messageId: string): Promise<void>;
}

export interface Command {
  readonly name: string;
  /** Resolves with the answer; throws (any value) on an infrastructure failure such as the DB. */
  handle(interaction: Interaction, deps: CommandDeps): Promise<MessageData>;
  /** What the user sees when handle() throws: says what did (not) happen. */
  readonly apology: string;
  /** The private answer in a DM; index.ts's NOT_IN_SERVER when absent. */
  readonly notInServer?: string;
  /** Every answer is private: a deferral is ephemeral too (router.ts). */
  readonly ephemeral?: boolean;
  /** Suggestions for the option being typed (AUTOCOMPLETE); bounded in time by the router. */
  autocomplete?(interaction: Interaction, deps: CommandDeps): Promise<readonly Choice[]>;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "30 Nov 2026" in UTC: for plain text that renders no timestamp tokens (autocomplete choices). */
export function plainDate(date: Date): string {
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

/** `n launch` / `n launches`. */
export function launches(n: number): string {
  return `${n} launch${n === 1 ? '' : 'es'}`;
}

/** A Discord timestamp token: renders in each reader's own time zone (`d` short date, `D` long). */
export function discordDate(date: Date, style: 'd' | 'D' = 'D'): string {
  return `<t:${Math.floor(date.getTime() / 1000)}:${style}>`;
}
