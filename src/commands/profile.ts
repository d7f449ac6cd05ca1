// Owns /profile [user]: one member's all-time launches (count, first and latest date, newest
// first), fitted into one message. Does not store anything or decide when to defer.

import { profile } from '../db/launches.js';
import { launchWeeks } from '../db/streaks.js';
import { streaks, weekIndex, type Streaks } from '../digest/streaks.js';
import { firstLine, normaliseLine, truncateAtWord } from '../text.js';
import { postableText } from '../discord/escape.js';
import { ephemeral, fitLines, message, type MessageData } from '../discord/interactions/respond.js';
import { invoker, userOption, type Interaction } from '../discord/interactions/types.js';
import { discordDate, launches, type Command, type CommandDeps } from './command.js';

export const PROFILE_OPTION = 'user';
/** Rows fetched; at ~150 units a line, 2000 units hold about a dozen, so 50 is plenty. */
const FETCH = 50;
/** Per-launch text budget in the list (before escaping). */
const LINE_TEXT = 120;

/** "🔥 Weekly streak: 3 weeks · best 5 weeks": consecutive digest weeks (Monday 09:00 UTC) with a launch. */
export function streakLine(s: Streaks): string {
  const weeks = (n: number) => `${n} week${n === 1 ? '' : 's'}`;
  const current = s.current === 0 ? 'none running (launch this week to start one)' : weeks(s.current);
  return `🔥 Weekly streak: ${current} · best ${weeks(s.best)}`;
}

async function handle(i: Interaction, { db, clock }: CommandDeps): Promise<MessageData> {
  const target = userOption(i, PROFILE_OPTION)?.user ?? invoker(i);
  if (!target) return ephemeral('Could not tell whose profile to show. Try `/profile user:` and pick someone.');
  const who = `<@${target.id}>`;
  const p = await profile(db, target.id, FETCH);
  if (p.count === 0 || !p.first || !p.last) {
    return message(`📭 ${who} has not logged any launches yet. Post in the launch channel or use /ship.`);
  }
  const s = streaks(await launchWeeks(db, target.id), weekIndex(new Date(clock.now())));
  const header = `📦 ${who}: ${launches(p.count)} · first ${discordDate(p.first)} · latest ${discordDate(p.last)}\n${streakLine(s)}`;
  const lines = p.recent.map((l) => {
    const text = truncateAtWord(normaliseLine(firstLine(l.content)), LINE_TEXT);
    return `• ${discordDate(l.createdAt, 'd')} ${postableText(text, { suppressEmbeds: true })}`;
  });
  return message(fitLines(header, lines, (n) => `…and ${n} earlier`, { hidden: p.count - p.recent.length }));
}

export const profileCommand: Command = {
  name: 'profile',
  handle,
  apology: '⚠️ Sorry, ShipTrack could not load that profile just now (database trouble). Please try again in a minute.',
};
