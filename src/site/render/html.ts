// Owns turning text into HTML (and XML) safely: the one escape function every piece of member
// text goes through, the `html` template that applies it to every interpolation, and links, which
// only http(s) URLs become. Does not know pages or the database.

import { findUrlSpans } from '../../text.js';

// Characters that must never reach a page or a feed as they are:
//  - C0/C1 controls other than tab and newline (NUL included): XML 1.0 forbids most of them
//    outright (www.w3.org/TR/xml/#charsets), and in HTML they are parse errors.
//  - Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): "gnp.exe" shown as
//    "exe.png" (unicode.org/reports/tr9/). Member text is also wrapped in <bdi> by the pages, so
//    right-to-left names stay readable without reordering what is around them.
//  - U+FFFE, U+FFFF (not XML characters) and lone surrogates (not encodable as UTF-8).
const UNSAFE = /[\u0000-\u0008\u000b\u000c\u000d\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const SPECIAL = /[&<>"']/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** `text` without the characters above (a carriage return is dropped; \r\n becomes \n). */
export function cleanText(text: string): string {
  return text.replace(UNSAFE, '');
}

/**
 * The one escape function: cleans `text` (cleanText) and escapes & < > " ' so it is inert as HTML
 * text, inside a quoted attribute, and as XML character data (the Atom feeds).
 */
export function escapeText(text: string): string {
  return cleanText(text).replace(SPECIAL, (c) => ENTITY[c]!);
}

/** Markup that is already safe: only `html` (and the helpers here) make one. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string { return this.value; }
}

export type HtmlValue = SafeHtml | string | number | null | undefined | false | readonly HtmlValue[];

function render(v: HtmlValue): string {
  if (v instanceof SafeHtml) return v.value;
  if (v === null || v === undefined || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeText(String(v));
}

/** Template tag: the literal parts are trusted, every interpolation is escaped unless it is SafeHtml. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Markup from trusted code (the stylesheet link, an SVG built from numbers): never member text. */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** `url` when it is an absolute http(s) URL a browser will parse as such; undefined otherwise. */
export function safeHref(url: string): string | undefined {
  const cleaned = cleanText(url);
  if (!/^https?:\/\//i.test(cleaned)) return undefined;
  try {
    const u = new URL(cleaned);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/** A link to a member's own URL: nofollow ugc (rel values for user content, per Google's and MDN's docs) and noopener. */
export function externalLink(url: string, label: string = url): SafeHtml {
  const href = safeHref(url);
  if (href === undefined) return html`${label}`;
  return html`<a href="${href}" rel="nofollow ugc noopener">${label}</a>`;
}

/**
 * Member text as HTML: escaped, its http(s) URLs as external links, everything else (including
 * `javascript:` and `data:` text) as plain text. Mention tokens were made plain before
 * (queries.ts, mentions.ts); any left are escaped like the rest.
 */
export function memberText(text: string): SafeHtml {
  const clean = cleanText(text);
  const parts: HtmlValue[] = [];
  let pos = 0;
  for (const span of findUrlSpans(clean)) {
    parts.push(clean.slice(pos, span.start), externalLink(span.url));
    pos = span.end;
  }
  parts.push(clean.slice(pos));
  return html`${parts}`;
}
