// Owns the pure decision "is this channel message a launch?", always with a stable reason so a
// wrong call can be explained from the log. Does not store, react or read config/env.

import { codePointLength, findUrlSpans } from '../text.js';
import {
  DISCORD_TOKEN, HUMAN_MESSAGE_TYPES, QUOTE_BLOCK, QUOTE_LINE, WORD_AFTER_BLOCKERS, WORD_BEFORE_BLOCKERS,
  type LaunchReason, type LaunchRules,
} from './rules.js';

export type { LaunchReason, LaunchRules } from './rules.js';

/** The MESSAGE_CREATE fields detection needs (docs/gateway.md §5.1). */
export interface LaunchMessage {
  readonly channelId: string;
  readonly content: string;
  readonly authorId: string;
  readonly authorIsBot: boolean;
  readonly webhookId?: string | null | undefined;
  /** Message type; only 0 DEFAULT and 19 REPLY are written by people. Missing means 0. */
  readonly type?: number | undefined;
}

export interface LaunchDecision {
  readonly launch: boolean;
  readonly reason: LaunchReason;
  /** Distinct http(s) URLs outside code and quotes, in order (filled from 'no-launch-word' on). */
  readonly urls: string[];
  /** The configured word that matched (lower case), only when `launch` is true. */
  readonly word?: string;
}

// Closed ``` fences (an unclosed fence renders literally in Discord, so its text still counts),
// then ``double`` and `single` inline code. One alternation so the leftmost construct wins.
const CODE = /```[\s\S]*?```|``[^`][\s\S]*?``|`[^`]+`/g;

/**
 * The text a reader sees as the author's own words: code blocks and inline code removed (replaced
 * by a space so neighbouring words do not merge), quoted lines (`> …`) and `>>> ` blocks removed.
 */
export function visibleText(content: string): string {
  // Without a backtick, a `>` or a CR there is no code and no quote, and splitting on LF and joining
  // again gives the text back: most launches and every /ship text (issue 14).
  if (!content.includes('`') && !content.includes('>') && !content.includes('\r')) return content;
  const noCode = content.replace(CODE, (m) => (m.startsWith('```') ? '\n' : ' '));
  const kept: string[] = [];
  for (const line of noCode.split(/\r\n|\r|\n/)) {
    if (QUOTE_BLOCK.test(line)) break;
    if (!QUOTE_LINE.test(line)) kept.push(line);
  }
  return kept.join('\n');
}

/**
 * Distinct http(s) URLs in a message as a reader sees them: not in code, not in quoted lines;
 * `<url>`, `||url||`, `**url**`, `[text](url)` and trailing `.,!?)` are handled.
 */
export function extractUrls(content: string): string[] {
  return [...new Set(findUrlSpans(visibleText(content)).map((s) => s.url))];
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\\/]/g, '\\$&');
}

/** Compiled patterns by word list: the worker passes its configured list with every message. */
const patterns = new WeakMap<readonly string[], RegExp | undefined>();

function wordPattern(words: readonly string[]): RegExp | undefined {
  if (patterns.has(words)) return patterns.get(words);
  const pattern = compileWordPattern(words);
  patterns.set(words, pattern);
  return pattern;
}

function compileWordPattern(words: readonly string[]): RegExp | undefined {
  const alternatives = [...new Set(words.map((w) => w.trim().normalize('NFC').toLowerCase()).filter(Boolean))]
    .sort((a, b) => b.length - a.length || (a < b ? -1 : 1))
    .map((w) => w.split(/\s+/u).map(escapeRegex).join('\\s+'));
  if (alternatives.length === 0) return undefined;
  return new RegExp(`(?<!${WORD_BEFORE_BLOCKERS})(?:${alternatives.join('|')})(?!${WORD_AFTER_BLOCKERS})`, 'iu');
}

/** Prose for word matching: visible text without URLs and without Discord `<…>` tokens. */
function prose(visible: string): string {
  let out = '';
  let pos = 0;
  for (const s of findUrlSpans(visible)) {
    out += visible.slice(pos, s.start) + ' ';
    pos = s.end;
  }
  return (out + visible.slice(pos)).replace(DISCORD_TOKEN, ' ').normalize('NFC');
}

/** The first configured word (lower case) found as a whole word in `content`'s prose, if any. */
export function findLaunchWord(content: string, words: readonly string[]): string | undefined {
  const pattern = wordPattern(words);
  if (!pattern) return undefined;
  const m = pattern.exec(prose(visibleText(content)));
  return m ? m[0].toLowerCase().replace(/\s+/gu, ' ') : undefined;
}

/**
 * Decides whether `msg` is a launch under `rules`. Checks run in a fixed order and the first
 * failing one is the reason: other-channel, own-message, webhook, bot-author, system-message,
 * empty-content (usually a missing MESSAGE_CONTENT intent), too-short, no-url, no-launch-word;
 * otherwise 'launch' with the URLs and the matched word.
 */
export function detectLaunch(msg: LaunchMessage, rules: LaunchRules): LaunchDecision {
  const no = (reason: LaunchReason, urls: string[] = []): LaunchDecision => ({ launch: false, reason, urls });
  if (msg.channelId !== rules.channelId) return no('other-channel');
  if (msg.authorId === rules.botUserId) return no('own-message');
  if (msg.webhookId !== undefined && msg.webhookId !== null && msg.webhookId !== '') return no('webhook');
  if (msg.authorIsBot) return no('bot-author');
  if (!HUMAN_MESSAGE_TYPES.includes(msg.type ?? 0)) return no('system-message');
  const trimmed = msg.content.trim();
  if (trimmed === '') return no('empty-content');
  if (codePointLength(trimmed) < rules.minLength) return no('too-short');
  const visible = visibleText(msg.content);
  const urls = [...new Set(findUrlSpans(visible).map((s) => s.url))];
  if (urls.length === 0) return no('no-url');
  const pattern = wordPattern(rules.words);
  const m = pattern?.exec(prose(visible));
  if (!m) return no('no-launch-word', urls);
  return { launch: true, reason: 'launch', urls, word: m[0].toLowerCase().replace(/\s+/gu, ' ') };
}
