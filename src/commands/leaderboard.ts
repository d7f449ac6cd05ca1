// Owns /leaderboard: the ten most active shippers of the current UTC calendar quarter, with
// counts. Tie-breaking is the query's (count desc, earlier latest launch, user id).

import { leaderboard } from '../db/launches.js';
import { fitLines, message, type MessageData } from '../discord/interactions/respond.js';
import type { Interaction } from '../discord/interactions/types.js';
import { launches, type Command, type CommandDeps } from './command.js';

export const LEADERBOARD_SIZE = 10;

/** The UTC calendar quarter containing `now`: [start, end) and a label like "Q4 2026". */
export function quarterOf(now: Date): { start: Date; end: Date; label: string } {
  const year = now.getUTCFullYear();
  const q = Math.floor(now.getUTCMonth() / 3);
  return { start: new Date(Date.UTC(year, q * 3, 1)), end: new Date(Date.UTC(year, q * 3 + 3, 1)), label: `Q${q + 1} ${year}` };
}

async function handle(_i: Interaction, { db, clock }: CommandDeps): Promise<MessageData> {
  const q = quarterOf(new Date(clock.now()));
  const rows = await leaderboard(db, q.start, q.end, LEADERBOARD_SIZE);
  if (rows.length === 0) return message(`🏆 No launches logged yet in ${q.label}. Be the first: /ship`);
  const lines = rows.map((r, n) => `${n + 1}. <@${r.userId}> · ${launches(r.count)}`);
  return message(fitLines(`🏆 Top shippers of ${q.label}`, lines, (n) => `…and ${n} more`));
}

export const leaderboardCommand: Command = {
  name: 'leaderboard',
  handle,
  apology: '⚠️ Sorry, ShipTrack could not load the leaderboard just now (database trouble). Please try again in a minute.',
};
