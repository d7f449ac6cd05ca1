// Owns ShipTrack's slash-command set and plugging it into the interactions router: each handler is
// bound to the dependencies it is given (database, clock, log). The router knows none of them.

import type { CommandHandler } from '../discord/interactions/router.js';
import type { Command, CommandDeps } from './command.js';
import { leaderboardCommand } from './leaderboard.js';
import { profileCommand } from './profile.js';
import { shipCommand } from './ship.js';

/** In the order the unknown-command reply names them: /ship, /profile, /leaderboard. */
export const SHIPTRACK_COMMANDS: readonly Command[] = [shipCommand, profileCommand, leaderboardCommand];

/** The handlers the router takes (createRouter's `commands`), each calling `handle(interaction, deps)`. */
export function commandHandlers(deps: CommandDeps, commands: readonly Command[] = SHIPTRACK_COMMANDS): CommandHandler[] {
  return commands.map((c) => ({ name: c.name, apology: c.apology, handle: (interaction) => c.handle(interaction, deps) }));
}
