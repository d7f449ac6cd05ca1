// Owns ShipTrack's slash-command set and plugging it into the interactions router: each handler is
// bound to the dependencies it is given (database, clock, log, the community's server id), and
// answered only in the community's server. The router knows none of them.

import { ephemeral } from '../discord/interactions/respond.js';
import type { CommandHandler } from '../discord/interactions/router.js';
import { isSnowflake } from '../discord/snowflake.js';
import type { Command, CommandDeps } from './command.js';
import { leaderboardCommand } from './leaderboard.js';
import { logAsLaunchCommand, notALaunchCommand } from './message-commands.js';
import { profileCommand } from './profile.js';
import { shipCommand } from './ship.js';
import { siteCommand } from './site.js';
import { unshipCommand } from './unship.js';

/** In the order the unknown-command reply names them: /ship, /unship, /profile, /leaderboard, /site, then the message commands. */
export const SHIPTRACK_COMMANDS: readonly Command[] = [shipCommand, unshipCommand, profileCommand, leaderboardCommand, siteCommand, logAsLaunchCommand, notALaunchCommand];

export const NOT_IN_SERVER = '🚀 ShipTrack answers only in its community server: use this command in a channel there. Nothing was saved or shown.';
export const OTHER_SERVER = '🚀 ShipTrack keeps the launch log of another server and answers only there. Nothing was saved or shown.';

/**
 * The handlers the router takes (createRouter's `commands`), each calling `handle(interaction, deps)`
 * only for an interaction from the community's server: the signature proves Discord sent it, not
 * that it came from our server (docs/interactions.md §2.1), so a DM or another server gets a private
 * notice and nothing is stored or read.
 */
export function commandHandlers(deps: CommandDeps, commands: readonly Command[] = SHIPTRACK_COMMANDS): CommandHandler[] {
  // Autocomplete answers nothing outside the community's server (no notice can be shown there).
  const ours = (i: { guild_id?: string | undefined }) => isSnowflake(i.guild_id) && (deps.guildId === undefined || i.guild_id === deps.guildId);
  return commands.map((c) => ({
    name: c.name,
    apology: c.apology,
    ...(c.ephemeral ? { ephemeral: true } : {}),
    ...(c.autocomplete ? { autocomplete: async (interaction: Parameters<NonNullable<CommandHandler['autocomplete']>>[0]) => (ours(interaction) ? c.autocomplete!(interaction, deps) : []) } : {}),
    // Not async: the command's own promise is the answer, not one more wrapped around it (issue 14).
    handle: (interaction) => {
      if (!isSnowflake(interaction.guild_id)) return Promise.resolve(ephemeral(c.notInServer ?? NOT_IN_SERVER));
      if (deps.guildId !== undefined && interaction.guild_id !== deps.guildId) {
        deps.log.notice('commands.foreign_guild', { interaction: interaction.id, command: c.name, guild: interaction.guild_id });
        return Promise.resolve(ephemeral(OTHER_SERVER));
      }
      return c.handle(interaction, deps);
    },
  }));
}
