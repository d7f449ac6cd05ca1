// Owns the named constants and types behind launch detection, each with where it came from.
// Does not decide anything itself (src/launch/detect.ts does).

/**
 * LAUNCH_WORDS default (src/config.ts reads it from here): the words people use for "it is out",
 * in the forms they write them. Chosen for ShipTrack; no source.
 */
export const DEFAULT_LAUNCH_WORDS: readonly string[] = ['shipped', 'launched', 'launching', 'live', 'released', 'releasing', 'launch', 'release', 'shipping'];

/**
 * Message types that are written by a person. Discord docs, "Message Types"
 * (resources/message.mdx; docs/gateway.md §5.1): 0 DEFAULT and 19 REPLY. Everything else (joins,
 * pins, boosts, thread starters, ...) is a system message. A missing `type` is treated as 0.
 */
export const HUMAN_MESSAGE_TYPES: readonly number[] = [0, 19];

/** LAUNCH_MIN_LENGTH default (src/config.ts reads it from here): "shipped https://a.b" is the shortest useful post. */
export const DEFAULT_MIN_LENGTH = 12;

/**
 * A quoted line (`> ` at line start) or everything after `>>> ` is someone else's words, usually
 * the launch being congratulated ("> shipped https://…\nCongrats!"). Discord's quote syntax needs
 * the space (markdown docs, "Block Quotes"), so `>text` is ordinary text and still counts.
 */
export const QUOTE_LINE = /^[ \t]*> /;
export const QUOTE_BLOCK = /^[ \t]*>>> /;

/**
 * Characters that, directly before or after a launch word, make it part of a larger token rather
 * than a word of its own: letters/digits/combining marks (relaunch, launched2), hyphen
 * (pre-launch, live-streaming), slash (paths like docs/released/), `@` (user handles), and a dot
 * before (`example.live`) or a dot followed by a letter after (`shipped.app`). Underscore is NOT
 * one of them so `_launched_` (markdown italics) still counts. Chosen for ShipTrack; no source.
 */
export const WORD_BEFORE_BLOCKERS = String.raw`[\p{L}\p{N}\p{M}\-/.@]`;
export const WORD_AFTER_BLOCKERS = String.raw`[\p{L}\p{N}\p{M}\-/]|\.[\p{L}\p{N}]`;

/**
 * Discord inline tokens that render as something else (mentions, channels, custom emoji,
 * timestamps, slash-command and guild-navigation mentions; Discord docs "Message Formatting").
 * Their inner text never counts as a launch word: `<:shipped:123>` is an emoji, not a sentence.
 */
export const DISCORD_TOKEN = /<(?:@[!&]?\d+|#\d+|a?:\w+:\d+|t:-?\d+(?::[tTdDfFRsS])?|\/[^<>:\n]+:\d+|id:\w+)>/gu;

/** Stable reasons; logged as `reason=…` so a wrong call can be explained from the journal. */
export type LaunchReason =
  | 'other-channel'
  | 'own-message'
  | 'webhook'
  | 'bot-author'
  | 'system-message'
  | 'empty-content'
  | 'too-short'
  | 'no-url'
  | 'no-launch-word'
  | 'launch';

export interface LaunchRules {
  /** The launch channel (messages in its threads have the thread's id and do not count). */
  readonly channelId: string;
  /** The bot's own user id (from READY), so it never counts its own posts. */
  readonly botUserId: string;
  /** Exact words (case-insensitive, whole word); a phrase with spaces matches any whitespace. */
  readonly words: readonly string[];
  /** Minimum trimmed length of the raw content, in code points. */
  readonly minLength: number;
}
