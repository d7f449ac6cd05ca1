// Owns making user-supplied text safe to echo in a Discord message: markdown escaping, inert
// mentions, link-embed suppression, and postableText, the one pipeline every posted user text goes
// through. Does not truncate (src/text.ts), and is no substitute for `allowed_mentions: { parse: [] }` on every message (docs/interactions.md §4.2).

import { findUrlSpans, normaliseLine, type UrlSpan } from '../text.js';

// Discord treats a backslash before any ASCII punctuation as "render literally" (simple-markdown's
// escape rule), so one backslash per formatting character is enough and renders invisibly.
const ALWAYS = new Set(['\\', '*', '`', '[', ']']);
const ALNUM = /[\p{L}\p{N}]/u;

/** Length of a line-start construct at `text[i]` (after indentation) and where to put the backslash. */
function lineStartEscape(text: string, i: number): number | undefined {
  const rest = text.slice(i, i + 12);
  if (/^>>> /.test(rest) || /^> /.test(rest) || /^>$/.test(rest)) return i; // block quote
  if (/^#{1,3}[ \t]/.test(rest)) return i; // heading
  if (/^-#[ \t]/.test(rest)) return i; // subtext
  if (/^[-+][ \t]/.test(rest)) return i; // bullet list (`*` is always escaped)
  const ordered = /^(\d{1,9})\.[ \t]/.exec(rest); // ordered list: escape the dot
  if (ordered) return i + ordered[1]!.length;
  return undefined;
}

// Every character the loop below may escape, and a newline (which starts a line); a segment with
// none of them, and no line-start construct where a line starts, comes out as it went in.
const MAY_ESCAPE = /[\\*`[\]_~|\n]/;
const MAY_START_CONSTRUCT = /^[ \t]*[>#\-+\d]/;
const BLANK = /^[ \t]*$/;

function escapeSegment(text: string, from: number, to: number, atLineStart: boolean, out: string[]): boolean {
  const segment = text.slice(from, to);
  if (!MAY_ESCAPE.test(segment) && !(atLineStart && MAY_START_CONSTRUCT.test(segment))) {
    // Most names and launch texts (issue 14): no character-by-character pass.
    out.push(segment);
    return atLineStart && BLANK.test(segment);
  }
  let lineStart = atLineStart;
  let pendingAt: number | undefined;
  for (let i = from; i < to; i++) {
    const ch = text[i]!;
    if (ch === '\n') { out.push(ch); lineStart = true; pendingAt = undefined; continue; }
    if (lineStart) {
      if (ch === ' ' || ch === '\t') { out.push(ch); continue; }
      pendingAt = lineStartEscape(text, i);
      lineStart = false;
    }
    if (pendingAt === i) { out.push('\\', ch); pendingAt = undefined; continue; }
    const prev = text[i - 1];
    const next = text[i + 1];
    let escape = ALWAYS.has(ch);
    // `_` only formats at a word edge (`snake_case` stays plain), `~`/`|` only doubled (~~ ||).
    if (ch === '_') escape = !(prev !== undefined && next !== undefined && ALNUM.test(prev) && ALNUM.test(next));
    else if (ch === '~' || ch === '|') escape = prev === ch || next === ch;
    out.push(escape ? '\\' + ch : ch);
  }
  return lineStart;
}

function escapeWithSpans(text: string, spans: readonly UrlSpan[], wrapUrl: (span: UrlSpan) => string): string {
  const out: string[] = [];
  let pos = 0;
  let lineStart = true;
  for (const span of spans) {
    lineStart = escapeSegment(text, pos, span.start, lineStart, out);
    out.push(wrapUrl(span));
    lineStart = false;
    pos = span.end;
  }
  escapeSegment(text, pos, text.length, lineStart, out);
  return out.join('');
}

/**
 * Backslash-escapes markdown so `text` renders literally: `\ * ` [ ]` always; `_` except inside a
 * word; `~`/`|` when doubled; `>`, `#`, `-#`, `-`, `+` and `1.` at the start of a line. Masked
 * links cannot form because brackets are escaped. URLs are left untouched so they stay clickable.
 */
export function escapeMarkdown(text: string): string {
  return escapeWithSpans(text, findUrlSpans(text), (s) => s.url);
}

const ZWSP = '\u200b';
const MENTION_START = /[@<]/;

function neutraliseSegment(text: string): string {
  return text
    .replace(/@(everyone|here)/giu, `@${ZWSP}$1`)
    .replace(/<(@[!&]?)(\d+)>/g, `<$1${ZWSP}$2>`)
    .replace(/<#(\d+)>/g, `<#${ZWSP}$1>`)
    .replace(/<\/([^<>:\n]{1,100}):(\d+)>/gu, `<${ZWSP}/$1:$2>`)
    .replace(/<id:([a-z_]+)>/giu, `<${ZWSP}id:$1>`);
}

/**
 * Makes `@everyone`, `@here`, `<@id>`, `<@!id>`, `<@&role>`, `<#channel>`, `</cmd:id>` and
 * `<id:…>` inert by inserting a zero-width space, so they read the same but never render as a
 * mention. Text inside URLs is left alone (a URL may legitimately contain `@here`).
 */
export function neutraliseMentions(text: string): string {
  // Every form above starts with `@` or `<`: text with neither is already inert (most names and
  // launches), and needs no URL scan and no five replaces (issue 14).
  if (!MENTION_START.test(text)) return text;
  const spans = findUrlSpans(text);
  let out = '';
  let pos = 0;
  for (const s of spans) {
    out += neutraliseSegment(text.slice(pos, s.start)) + s.url;
    pos = s.end;
  }
  return out + neutraliseSegment(text.slice(pos));
}

function alreadyWrapped(text: string, span: UrlSpan): boolean {
  return text[span.start - 1] === '<' && text[span.end] === '>';
}

/** Wraps bare URLs as `<url>` so Discord keeps them clickable but shows no embed for them. */
export function suppressLinkEmbeds(text: string): string {
  let out = '';
  let pos = 0;
  for (const s of findUrlSpans(text)) {
    out += text.slice(pos, s.start) + (alreadyWrapped(text, s) ? s.url : `<${s.url}>`);
    pos = s.end;
  }
  return out + text.slice(pos);
}

export interface EscapeOptions {
  /** Also wrap URLs in `<…>` (one pass, so escapes and wrapping cannot interfere). Default false. */
  readonly suppressEmbeds?: boolean;
}

/** `escapeMarkdown` + `neutraliseMentions` (+ optionally `suppressLinkEmbeds`) for user text. */
export function escapeUserText(text: string, options: EscapeOptions = {}): string {
  const inert = neutraliseMentions(text);
  const spans = findUrlSpans(inert);
  if (!options.suppressEmbeds) return escapeWithSpans(inert, spans, (s) => s.url);
  return escapeWithSpans(inert, spans, (s) => (alreadyWrapped(inert, s) ? s.url : `<${s.url}>`));
}

/**
 * The one pipeline for member-supplied text the bot posts (/ship, /profile, the digest): one line
 * with control and bidi characters stripped (normaliseLine), mentions neutralised, markdown
 * escaped, URLs kept whole (and wrapped in `<…>` with `suppressEmbeds`). Idempotent in its
 * normalisation, so text already passed through normaliseLine (e.g. before truncation) is safe here.
 */
export function postableText(text: string, options: EscapeOptions = {}): string {
  return escapeUserText(normaliseLine(text), options);
}
