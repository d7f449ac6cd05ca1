// Owns /leaderboard [period]: the ten most active shippers of this week (the digest week, Monday
// 09:00 UTC), this UTC calendar month, quarter (the default), year, or all time, with counts. Ties
// share a rank (1, 2, 2, 4); within a tie the order is the query's (earlier latest launch, then
// user id). The reply names the period it covers.

import { leaderboard } from '../db/launches.js';
import { windowEndingAt } from '../digest/window.js';
import { fitLines, message, type MessageData } from '../discord/interactions/respond.js';
import { stringOption, type Interaction } from '../discord/interactions/types.js';
import { launches, type Command, type CommandDeps } from './command.js';

export const LEADERBOARD_SIZE = 10;
export const PERIOD_OPTION = 'period';
export const PERIODS = ['week', 'month', 'quarter', 'year', 'all'] as const;
export type Period = (typeof PERIODS)[number];
export const DEFAULT_PERIOD: Period = 'quarter';
/** The choices registered for the option (definitions.ts), in this order. */
export const PERIOD_CHOICES: readonly { name: string; value: Period }[] = [
  { name: 'this week', value: 'week' }, { name: 'this month', value: 'month' }, { name: 'this quarter', value: 'quarter' },
  { name: 'this year', value: 'year' }, { name: 'all time', value: 'all' },
];

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const SHORT_MONTHS = MONTHS.map((m) => m.slice(0, 3));
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
/** Later than any launch (and inside PostgreSQL's timestamptz range). */
const END_OF_TIME = new Date(Date.UTC(9999, 0, 1));

/** The UTC calendar quarter containing `now`: [start, end) and a label like "Q4 2026". */
export function quarterOf(now: Date): { start: Date; end: Date; label: string } {
  const year = now.getUTCFullYear();
  const q = Math.floor(now.getUTCMonth() / 3);
  return { start: new Date(Date.UTC(year, q * 3, 1)), end: new Date(Date.UTC(year, q * 3 + 3, 1)), label: `Q${q + 1} ${year}` };
}

/** The period containing `now` as [start, end) and the label the reply names it by. */
export function periodOf(period: Period, now: Date): { start: Date; end: Date; label: string } {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  switch (period) {
    case 'week': {
      // The digest week in progress: it started when the last digest window ended (window.ts).
      const start = windowEndingAt(now).end;
      const label = `this week (since ${DAYS[start.getUTCDay()]} ${start.getUTCDate()} ${SHORT_MONTHS[start.getUTCMonth()]}, 09:00 UTC)`;
      return { start, end: new Date(start.getTime() + 7 * 86_400_000), label };
    }
    case 'month': return { start: new Date(Date.UTC(year, month, 1)), end: new Date(Date.UTC(year, month + 1, 1)), label: `${MONTHS[month]} ${year}` };
    case 'year': return { start: new Date(Date.UTC(year, 0, 1)), end: new Date(Date.UTC(year + 1, 0, 1)), label: String(year) };
    case 'all': return { start: new Date(0), end: END_OF_TIME, label: 'all time' };
    default: return quarterOf(now);
  }
}

/** Standard competition ranks for counts sorted high to low: [3, 2, 2, 1] → [1, 2, 2, 4]. */
export function sharedRanks(counts: readonly number[]): number[] {
  return counts.map((c, n) => (n > 0 && counts[n - 1] === c ? -1 : n + 1)).map((r, n, all) => {
    let k = n;
    while (all[k] === -1) k--;
    return all[k]!;
  });
}

async function handle(i: Interaction, { db, clock }: CommandDeps): Promise<MessageData> {
  const asked = stringOption(i, PERIOD_OPTION);
  const period: Period = (PERIODS as readonly string[]).includes(asked ?? '') ? (asked as Period) : DEFAULT_PERIOD;
  const p = periodOf(period, new Date(clock.now()));
  const rows = await leaderboard(db, p.start, p.end, LEADERBOARD_SIZE);
  if (rows.length === 0) return message(`🏆 No launches logged yet${period === 'all' ? '' : ` in ${p.label}`}. Be the first: /ship`);
  const ranks = sharedRanks(rows.map((r) => r.count));
  const lines = rows.map((r, n) => `${ranks[n]}. <@${r.userId}> · ${launches(r.count)}`);
  return message(fitLines(`🏆 Top shippers of ${p.label}`, lines, (n) => `…and ${n} more`));
}

export const leaderboardCommand: Command = {
  name: 'leaderboard',
  handle,
  apology: '⚠️ Sorry, ShipTrack could not load the leaderboard just now (database trouble). Please try again in a minute.',
};
