// Owns small pure text helpers shared by launch detection, the digest and /profile: finding URLs,
// taking a first line, normalising to one line, truncating on word/grapheme boundaries.
// Does not know about Discord markdown or mentions (that is src/discord/escape.ts).

/** A URL found in text: `text.slice(start, end) === url`. */
export interface UrlSpan {
  readonly start: number;
  readonly end: number;
  readonly url: string;
}

// Characters that end a URL candidate. `<`/`>` because `<url>` is Discord's "no embed" form and
// `<@id>` tokens may follow a link directly; backslash because escaped text must rescan the same.
// A run of characters up to the next of them (sticky: matched at lastIndex only).
const URL_RUN = /[^\s<>"\\\u200b]*/uy;
// Trailing characters that are sentence punctuation or markdown, not part of the link. Discord's
// own autolink rule drops a trailing . , : ; " ' ) ] as well; we add markdown closers (* ~ | `)
// so `**https://x.dev**` and `||https://x.dev||` yield the bare URL, plus common non-ASCII
// punctuation and trailing emoji ("https://x.dev🎉").
const TRAILING = /[.,:;!?'"*~|`…。、！？»”’\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F\u200D]$/u;
const HOST_HAS_ALNUM = /^[^/?#]*[\p{L}\p{N}]/u;

function unbalanced(url: string, open: string, close: string): boolean {
  let depth = 0;
  for (const ch of url) {
    if (ch === open) depth++;
    else if (ch === close) depth--;
  }
  return depth < 0;
}

/**
 * Every http(s) URL in `text`, in order, with its position. Trailing punctuation, markdown
 * closers and unbalanced `)`/`]` are not part of a URL; `](` ends one (the text half of a masked
 * link `[https://a](https://b)`). Does not look at code spans: callers strip code first.
 */
export function findUrlSpans(text: string): UrlSpan[] {
  const spans: UrlSpan[] = [];
  const scheme = /https?:\/\//giu; // per call: a shared /g regex carries lastIndex between calls
  for (let m = scheme.exec(text); m !== null; m = scheme.exec(text)) {
    const start = m.index;
    let end = start + m[0].length;
    URL_RUN.lastIndex = end;
    if (URL_RUN.exec(text)) end = URL_RUN.lastIndex;
    let url = text.slice(start, end);
    const link = url.indexOf('](');
    if (link >= 0) url = url.slice(0, link);
    const underscoreWrapped = start > 0 && text[start - 1] === '_';
    for (;;) {
      const last = url[url.length - 1];
      if (last === undefined) break;
      if (TRAILING.test(url)) {
        // Strip a whole code point (emoji are surrogate pairs).
        const cp = url.codePointAt(url.length - 1);
        const before = url.length >= 2 ? url.charCodeAt(url.length - 2) : 0;
        const pair = cp !== undefined && cp >= 0xdc00 && cp <= 0xdfff && before >= 0xd800 && before <= 0xdbff;
        url = url.slice(0, url.length - (pair ? 2 : 1));
      } else if (last === ')' && unbalanced(url, '(', ')')) url = url.slice(0, -1);
      else if (last === ']' && unbalanced(url, '[', ']')) url = url.slice(0, -1);
      else if (last === '}' && unbalanced(url, '{', '}')) url = url.slice(0, -1);
      else if (last === '_' && underscoreWrapped) url = url.slice(0, -1);
      else break;
    }
    const rest = url.slice(m[0].length);
    if (HOST_HAS_ALNUM.test(rest)) {
      spans.push({ start, end: start + url.length, url });
      scheme.lastIndex = start + url.length;
    } else {
      scheme.lastIndex = start + m[0].length;
    }
  }
  return spans;
}

// C0/C1 controls (except the whitespace we turn into spaces), bidi embeddings/overrides/isolates
// (they can visually reorder the rest of a digest line), and lone surrogates (not valid UTF-16;
// Discord rejects or mangles them).
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Replaces lone surrogates with U+FFFD so the string is well-formed UTF-16. */
function toWellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

/**
 * One line of plain text: newlines/tabs become spaces, control and bidi-override characters are
 * dropped, runs of whitespace collapse, ends are trimmed (docs/interactions.md §4.3 step 1).
 */
// Anything normaliseLine would change: a surrogate (a lone one is replaced; pairs just take the
// full path), a control or bidi character, whitespace other than a space, two spaces, a space at
// either end. Most launch texts and names have none of it (issue 14).
const NEEDS_NORMALISING = /[\ud800-\udfff\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|(?! )\s| {2}|^ | $/;

export function normaliseLine(text: string): string {
  // Printable ASCII with single inner spaces (most of them) is settled by one charCodeAt pass;
  // the first other character sends the text to the regex check as before.
  let prev = 0x20; // so a leading space counts as "after a space"
  let i = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x20 && c < 0x7f) prev = c;
    else if (c === 0x20 && prev !== 0x20) prev = c;
    else break;
  }
  if (i === text.length) {
    if (prev !== 0x20 || i === 0) return text; // else a trailing space: the full pass trims it
  } else if (!NEEDS_NORMALISING.test(text)) return text;
  return toWellFormed(text)
    .replace(/[\r\n\t]/g, ' ')
    .replace(CONTROL, '')
    .replace(/\s+/gu, ' ')
    .trim();
}

/** The first line of `text` that is not blank, trimmed; '' when there is none. */
export function firstLine(text: string): string {
  for (const line of text.split(/\r\n|\r|\n/)) {
    const t = line.trim();
    if (t !== '') return t;
  }
  return '';
}

/** Length in code points (an emoji counts once, unlike `.length`). */
export function codePointLength(text: string): number {
  // Counts as for…of does (a valid pair once, a lone surrogate once) without the string iterator.
  let n = 0;
  for (let i = 0; i < text.length; i++, n++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return n;
}

// What takes no visible room on its own: whitespace, controls, format characters (Cf: zero-width
// space and joiners, soft hyphen, bidi marks, BOM), combining marks (they count with their base,
// not alone), the default-ignorable code points renderers skip (Hangul fillers, variation
// selectors, U+034F) and the braille blank, a favourite "empty" character.
const INVISIBLE = /[\p{White_Space}\p{Cc}\p{Cf}\p{M}\p{Default_Ignorable_Code_Point}\u2800]/u;

/**
 * Length in visible code points: what a minimum length must count, so that a text of zero-width
 * or combining characters alone is empty (`visibleLength('\u200b'.repeat(50)) === 0`).
 */
export function visibleLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // In ASCII, INVISIBLE holds only the space and the controls (Cc, incl. DEL): no regex call.
    if (c < 0x80) {
      if (c > 0x20 && c !== 0x7f) n++;
      continue;
    }
    // Otherwise the whole code point (a valid pair together, a lone surrogate alone) as for…of.
    let len = 1;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) len = 2;
    }
    if (!INVISIBLE.test(len === 1 ? text[i]! : text.slice(i, i + 2))) n++;
    i += len - 1;
  }
  return n;
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Longest prefix of `text` with `.length <= budget` that ends on a grapheme boundary (falls back
 * to a code-point boundary when the first grapheme alone is too long, e.g. "zalgo" text). */
function cutAtGrapheme(text: string, budget: number): string {
  let end = 0;
  for (const { segment, index } of graphemes.segment(text)) {
    if (index + segment.length > budget) break;
    end = index + segment.length;
  }
  if (end > 0 || budget <= 0) return text.slice(0, end);
  let cp = 0;
  for (const ch of text) {
    if (cp + ch.length > budget) break;
    cp += ch.length;
  }
  return text.slice(0, cp);
}

/**
 * `text` unchanged when `.length <= max`; otherwise cut so that the result plus `ellipsis` is at
 * most `max` UTF-16 units, preferring the last space in the second half of the budget, otherwise
 * the last grapheme boundary (never half an emoji). Trailing spaces before the ellipsis go.
 */
export function truncateAtWord(text: string, max: number, ellipsis = '…'): string {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`truncateAtWord: max must be a positive integer, got ${max}`);
  if (text.length <= max) return text;
  if (ellipsis.length >= max) return cutAtGrapheme(text, max);
  const budget = max - ellipsis.length;
  const hard = cutAtGrapheme(text, budget);
  // A space right after the cut means the cut already ends a word.
  const nextIsSpace = /^\s/u.test(text.slice(hard.length));
  let cut = hard;
  if (!nextIsSpace) {
    const space = hard.search(/\s\S*$/u);
    if (space >= Math.floor(budget / 2)) cut = hard.slice(0, space);
  }
  return cut.trimEnd() + ellipsis;
}
