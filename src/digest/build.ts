// Owns turning a week's launches into digest message parts (header, one line per launch, then the
// launches of earlier weeks logged too late for their own digest, split at line boundaries into
// <= 2000-character parts). Pure: no DB, no clock, no REST; run.ts does the I/O.

import { postableText } from '../discord/escape.js';
import { isSnowflake } from '../discord/snowflake.js';
import { findUrlSpans, firstLine, normaliseLine, truncateAtWord } from '../text.js';
import type { DigestWindow } from './window.js';
import { MAX_CONTENT } from '../discord/interactions/respond.js';

export const DEFAULT_MAX_TEXT_LENGTH = 140;
/** A product link longer than this is not appended (it would dominate the line). */
export const MAX_LINK_LENGTH = 512;
export const MAX_THEME_LENGTH = 200;
const MAX_NAME_LENGTH = 32; // Discord usernames/display names are at most 32 characters
const ELLIPSIS = '…';
// Upper bound of everything on a line except the launch text: "• " + mention or escaped name
// (<= 2 * 32 + a few) + " — " + " · <link>" (<= 512 + 5).
const LINE_OVERHEAD = 80 + MAX_LINK_LENGTH + 5;
/** Opens the section of launches from earlier weeks that no digest listed yet (stored late). */
export const LATE_HEADING = 'Logged late, from earlier weeks:';
// What a late line adds to a launch line: " (16 Nov 2025)" (<= 14), plus, on the first late line,
// the heading and a newline, which are packed with it so the heading never ends a part alone
// (docs/interactions.md §4.4).
const LATE_EXTRA = 14 + LATE_HEADING.length + 1;

export interface DigestLaunch {
  readonly id: string;
  readonly userId: string;
  readonly userName: string;
  readonly content: string;
  readonly urls: readonly string[];
  readonly createdAt: Date;
  readonly source: 'slash' | 'channel';
  readonly messageUrl?: string | undefined;
}

export interface DigestOptions {
  /** Visible length of each launch's text before escaping (default 140). */
  readonly maxTextLength?: number;
  /** One optional line under the header; escaped, one line, trimmed, at most 200 characters. */
  readonly theme?: string | undefined;
  /** Post "Quiet week: …" instead of nothing when there are no launches. */
  readonly quietWeek?: boolean;
  /** Part size limit (default and maximum 2000; at least 1000). */
  readonly maxPartLength?: number;
  /**
   * At most this many messages (default: no cap). A week with more launches than fit lists the
   * first ones in the usual order and ends with "…and N more launches" instead of flooding the
   * channel with hundreds of messages.
   */
  readonly maxParts?: number;
  /** Built after the next window had ended (a catch-up run): the header says "(posted late)". */
  readonly late?: boolean;
  /**
   * Launches from earlier weeks that no digest listed (stored after their week's digest was
   * frozen): listed oldest first after this week's, under "Logged late, from earlier weeks:",
   * each with its date. Ones not before the window's start, or also in `launches`, are ignored.
   */
  readonly lateLaunches?: readonly DigestLaunch[];
  /**
   * Members whose weekly streak reaches a milestone with this window (src/db/streaks.ts): one line
   * under the header, names as `<@id>` like the launch lines (allowed_mentions is empty, nobody is
   * pinged). Ignored when the week has no launches of its own.
   */
  readonly streakMilestones?: readonly { userId: string; weeks: number }[];
  /**
   * The week has this many launches and `launches` holds only the first of them in the order the
   * digest lists them (founders with the most launches first, see `order`), at least as many as
   * `maxParts` can show (`WeekReader`); the rest are counted in "…and N more". Default: `launches`
   * is the whole week.
   */
  readonly weekTotal?: number;
  /** With `weekTotal`: how many founders the whole week has (the header's count). */
  readonly founderTotal?: number;
}

/** At most this many names on the streak line; the rest are counted ("and N more"). */
export const MAX_STREAK_NAMES = 20;

/** "🔥 Streaks: <@1> 4 weeks in a row · <@2> 12 weeks in a row", longest first, then user id; '' for none. */
export function streakMilestoneLine(reached: readonly { userId: string; weeks: number }[]): string {
  const valid = reached.filter((r) => isSnowflake(r.userId) && Number.isInteger(r.weeks) && r.weeks > 0)
    .sort((a, b) => b.weeks - a.weeks || (BigInt(a.userId) < BigInt(b.userId) ? -1 : 1));
  if (valid.length === 0) return '';
  const shown = valid.slice(0, MAX_STREAK_NAMES).map((r) => `<@${r.userId}> ${r.weeks} weeks in a row`);
  const more = valid.length > MAX_STREAK_NAMES ? ` · and ${valid.length - MAX_STREAK_NAMES} more` : '';
  return `🔥 Streaks: ${shown.join(' · ')}${more}`;
}

export interface Digest {
  /** Message contents to post in order; [] means post nothing. */
  readonly parts: string[];
  /** Launches listed: the week's plus the late ones (those cut by maxParts are counted in "…and N more"). */
  readonly count: number;
  /** Distinct founders among the week's launches (the header's count). */
  readonly founders: number;
  /** Of `count`, launches from earlier weeks listed under "Logged late". */
  readonly late: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** UTC calendar days the window touches: "16–23 Nov 2026", "26 Oct – 2 Nov 2026", "28 Dec 2026 – 4 Jan 2027". */
export function formatWindowDates(window: DigestWindow, separator = '–'): string {
  const a = window.start;
  const b = new Date(window.end.getTime() - 1);
  const day = (d: Date) => `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
  const spaced = separator === '–' ? ' – ' : ` ${separator} `;
  if (a.getUTCFullYear() !== b.getUTCFullYear()) return `${day(a)} ${a.getUTCFullYear()}${spaced}${day(b)} ${b.getUTCFullYear()}`;
  if (a.getUTCMonth() !== b.getUTCMonth()) return `${day(a)}${spaced}${day(b)} ${b.getUTCFullYear()}`;
  const tight = separator === '–' ? '–' : ` ${separator} `;
  return `${a.getUTCDate()}${tight}${day(b)} ${b.getUTCFullYear()}`;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A URL we can safely append as `<url>`: exactly one http(s) URL, nothing else, bounded. */
function linkable(url: string | undefined): string | undefined {
  if (url === undefined || url.length > MAX_LINK_LENGTH) return undefined;
  const spans = findUrlSpans(url);
  return spans.length === 1 && spans[0]!.start === 0 && spans[0]!.end === url.length ? url : undefined;
}

/** The launch's first line, truncated at a word boundary, never ending in half a URL. */
function launchText(content: string, max: number): string {
  const raw = normaliseLine(firstLine(content));
  const shown = truncateAtWord(raw, max, ELLIPSIS);
  if (shown === raw) return raw;
  const body = shown.slice(0, shown.length - ELLIPSIS.length);
  const last = findUrlSpans(body).at(-1);
  if (last && last.end === body.length) {
    const full = findUrlSpans(raw).find((s) => s.start === last.start);
    if (full && full.end > last.end) {
      const kept = body.slice(0, last.start).trimEnd();
      return kept === '' ? '' : kept + ELLIPSIS;
    }
  }
  return shown;
}

/** "16 Nov", with the year when it is not the year the window ends in: "28 Dec 2025". */
function shortDate(d: Date, window: DigestWindow): string {
  const year = d.getUTCFullYear() === new Date(window.end.getTime() - 1).getUTCFullYear() ? '' : ` ${d.getUTCFullYear()}`;
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}${year}`;
}

function launchLine(l: DigestLaunch, maxText: number): string {
  // The author's `<@id>` stays a real mention: it renders as a clickable name and the digest is
  // sent with allowed_mentions { parse: [] }, so nobody is pinged (docs/interactions.md §4.2).
  const who = isSnowflake(l.userId)
    ? `<@${l.userId}>`
    : postableText(truncateAtWord(normaliseLine(l.userName) || 'someone', MAX_NAME_LENGTH));
  const text = launchText(l.content, maxText);
  const escaped = postableText(text, { suppressEmbeds: true });
  // The text lost its link (cut, or on a later line, or a /ship launch whose URL is separate):
  // append the first usable one so every line leads somewhere.
  const candidates = [...l.urls, ...findUrlSpans(l.content).map((s) => s.url), l.messageUrl];
  const link = findUrlSpans(text).length > 0 ? undefined : candidates.map(linkable).find((u) => u !== undefined);
  const body = escaped === '' ? (link ? `<${link}>` : '(no description)') : link ? `${escaped} · <${link}>` : escaped;
  return `• ${who} — ${body}`;
}

interface Founder { readonly userId: string; readonly launches: DigestLaunch[] }

/** Founders by launch count desc, then first launch time, then user id; launches oldest first. */
function order(launches: readonly DigestLaunch[]): Founder[] {
  const byUser = new Map<string, DigestLaunch[]>();
  for (const l of launches) {
    const list = byUser.get(l.userId);
    if (list) list.push(l);
    else byUser.set(l.userId, [l]);
  }
  const chrono = (a: DigestLaunch, b: DigestLaunch) =>
    a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const founders = [...byUser].map(([userId, list]) => ({ userId, launches: list.sort(chrono) }));
  return founders.sort((a, b) =>
    b.launches.length - a.launches.length
    || chrono(a.launches[0]!, b.launches[0]!)
    || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
}

/**
 * Greedy line packing: each part is as full as possible without exceeding `limit`; lines are
 * never split. Greedy is optimal here (order is fixed), so the part count is the minimum.
 */
export function packLines(lines: readonly string[], limit: number): string[] {
  const parts: string[] = [];
  let current: string | undefined;
  for (const line of lines) {
    if (line.length > limit) throw new RangeError(`digest line of ${line.length} characters exceeds the ${limit} limit`);
    if (current === undefined) current = line;
    else if (current.length + 1 + line.length <= limit) current += '\n' + line;
    else { parts.push(current); current = line; }
  }
  if (current !== undefined) parts.push(current);
  return parts;
}

/**
 * Builds the digest for `window`. Launches outside [start, end) and repeated ids are ignored;
 * `options.lateLaunches` follow under "Logged late, from earlier weeks:", oldest first, each line
 * ending with its date. Part 1 opens with the header (and theme line); every part is <=
 * maxPartLength characters. No launches at all → `parts: []`, or one "Quiet week" line when
 * `options.quietWeek`.
 */
export function buildDigest(launches: readonly DigestLaunch[], window: DigestWindow, options: DigestOptions = {}): Digest {
  const limit = options.maxPartLength ?? MAX_CONTENT;
  if (!Number.isInteger(limit) || limit < 1000 || limit > MAX_CONTENT) {
    throw new RangeError(`maxPartLength must be an integer in 1000..${MAX_CONTENT}, got ${limit}`);
  }
  const maxText = options.maxTextLength ?? DEFAULT_MAX_TEXT_LENGTH;
  // Escaping at most doubles the text, so this bound guarantees every line fits in one part.
  const maxTextLimit = Math.floor((limit - LINE_OVERHEAD) / 2);
  if (!Number.isInteger(maxText) || maxText < 20 || maxText > maxTextLimit) {
    throw new RangeError(`maxTextLength must be an integer in 20..${maxTextLimit}, got ${maxText}`);
  }

  const start = window.start.getTime();
  const end = window.end.getTime();
  const seen = new Set<string>();
  const inWindow = launches.filter((l) => {
    const t = l.createdAt.getTime();
    if (!(t >= start && t < end) || seen.has(l.id)) return false;
    seen.add(l.id);
    return true;
  });
  const chrono = (a: DigestLaunch, b: DigestLaunch) =>
    a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const lateOnes = (options.lateLaunches ?? []).filter((l) => {
    if (!(l.createdAt.getTime() < start) || seen.has(l.id)) return false;
    seen.add(l.id);
    return true;
  }).sort(chrono);

  const postedLate = options.late ? ' (posted late)' : '';
  const weekCount = Math.max(options.weekTotal ?? 0, inWindow.length);
  const count = weekCount + lateOnes.length;
  if (count === 0) {
    if (!options.quietWeek) return { parts: [], count: 0, founders: 0, late: 0 };
    return { parts: [`Quiet week${postedLate}: no launches logged between ${formatWindowDates(window, 'and')}.`], count: 0, founders: 0, late: 0 };
  }

  // A prefix in this same order (weekTotal) keeps it: every founder in it but the last is complete,
  // and the last one's launches in it are at most as many as any earlier founder's.
  const founders = order(inWindow);
  const founderCount = Math.max(options.founderTotal ?? 0, founders.length);
  const loggedLate = lateOnes.length === 0 ? ''
    : `${weekCount === 0 ? '' : ', plus'} ${lateOnes.length} logged late`;
  const thisWeek = weekCount === 0 ? 'no launches this week,'
    : `${plural(weekCount, 'launch', 'launches')} by ${plural(founderCount, 'founder', 'founders')}`;
  const lines = [`🚀 **Launches of the week** — ${formatWindowDates(window)}${postedLate} · ${thisWeek}${loggedLate}`];
  const theme = normaliseLine(options.theme ?? '');
  if (theme !== '') lines.push(`Theme: ${postableText(truncateAtWord(theme, MAX_THEME_LENGTH), { suppressEmbeds: true })}`);
  const streakLine = weekCount === 0 ? '' : streakMilestoneLine(options.streakMilestones ?? []);
  if (streakLine !== '') lines.push(streakLine);
  // Each late line is a week's line plus its date; its text is kept short enough that the first
  // one, packed together with the heading, still fits in one part.
  const lateText = Math.min(maxText, Math.floor((limit - LINE_OVERHEAD - LATE_EXTRA) / 2));
  const maxParts = options.maxParts ?? Infinity;
  if (!(maxParts >= 1)) throw new RangeError(`maxParts must be at least 1, got ${maxParts}`);
  const result = (parts: string[]): Digest => ({ parts, count, founders: founderCount, late: lateOnes.length });
  // Lines are made only while they can still be posted (issue 14: a 10,000-launch week posts a few
  // hundred): maxParts parts of at most `limit` characters, each line plus its newline, hold at
  // most maxParts × (limit + 1) characters, so the line that passes that budget is the last one
  // that could matter; the rest are only counted in "…and N more".
  const budget = maxParts * (limit + 1);
  let used = lines.reduce((n, l) => n + l.length + 1, 0);
  const launchLines: string[] = [];
  const made = (line: string) => { launchLines.push(line); used += line.length + 1; return used <= budget; };
  const total = count;
  fill: {
    for (const f of founders) for (const l of f.launches) if (!made(launchLine(l, maxText))) break fill;
    lateOnes.every((l, i) => made(`${i === 0 ? `${LATE_HEADING}\n` : ''}${launchLine(l, lateText)} (${shortDate(l.createdAt, window)})`));
  }
  if (launchLines.length === total) {
    const all = packLines([...lines, ...launchLines], limit);
    if (all.length <= maxParts) return result(all);
  }
  // Packing is monotonic in the number of lines kept: binary-search the most that fit with the tail line.
  const withTail = (kept: number) => packLines([...lines, ...launchLines.slice(0, kept), moreLine(total - kept, lateOnes.length > 0)], limit);
  let lo = 0, hi = launchLines.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (withTail(mid).length <= maxParts) lo = mid; else hi = mid - 1;
  }
  return result(withTail(lo));
}

function moreLine(omitted: number, withLate: boolean): string {
  return `…and ${plural(omitted, 'more launch', 'more launches')}${withLate ? '' : ' this week'} (\`/profile\` shows anyone's full list).`;
}

/**
 * Tells a reader of the week, in the digest's order, when it has read enough (issue 14: a week of
 * 10,000 launches posts a few hundred lines): `more(page)` stays true until the launch lines read
 * so far fill the `maxParts` parts on their own. Those lines are exactly the ones buildDigest
 * makes, so the rows read are never fewer than it can show.
 */
export class WeekReader {
  private used = 0;
  private readonly budget: number;
  private readonly maxText: number;

  constructor(options: Pick<DigestOptions, 'maxParts' | 'maxPartLength' | 'maxTextLength'> = {}) {
    this.budget = (options.maxParts ?? Infinity) * ((options.maxPartLength ?? MAX_CONTENT) + 1);
    this.maxText = options.maxTextLength ?? DEFAULT_MAX_TEXT_LENGTH;
  }

  /** Counts the lines of `page`; false once they pass what the parts can hold. */
  more(page: readonly DigestLaunch[]): boolean {
    if (this.budget === Infinity) return true;
    for (const l of page) this.used += launchLine(l, this.maxText).length + 1;
    return this.used <= this.budget;
  }
}
