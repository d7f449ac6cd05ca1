// Owns the shape of what ShipTrack answers to an interaction: PONG, inline messages, the deferral,
// and fitting text into Discord's 2000-character content limit. Every message carries
// `allowed_mentions: {parse: []}` (mentions render, nobody is pinged; docs/interactions.md §4.2).
// Does not send anything (server.ts writes inline answers, router.ts PATCHes deferred ones).

export const EPHEMERAL = 64;
/** Discord's content limit, counted in UTF-16 units (`.length`), the safe reading of docs/interactions.md §4.3 step 4. */
export const MAX_CONTENT = 2000;

export interface MessageData {
  content: string;
  allowed_mentions: { parse: [] };
  /** 64 = ephemeral (only the invoker sees it). Ignored on a deferred edit. */
  flags?: number;
}

/** One autocomplete suggestion: `name` shown (1–100 characters), `value` sent back as the option's value. */
export interface Choice { name: string; value: string }
/** Discord's limit on choices in one autocomplete answer (docs/interactions.md §2.7). */
export const MAX_AUTOCOMPLETE_CHOICES = 25;

export type InteractionResponse =
  | { type: 1 }
  | { type: 4; data: MessageData }
  | { type: 5; data?: { flags: number } }
  | { type: 8; data: { choices: Choice[] } };

export function pong(): InteractionResponse {
  return { type: 1 };
}

/** A message body; `ephemeral` for answers only the invoker should see (errors, hints). */
export function message(content: string, options: { ephemeral?: boolean } = {}): MessageData {
  const text = content.length > MAX_CONTENT ? content.slice(0, MAX_CONTENT - 1) + '…' : content;
  return { content: text, allowed_mentions: { parse: [] }, ...(options.ephemeral ? { flags: EPHEMERAL } : {}) };
}

export function ephemeral(content: string): MessageData {
  return message(content, { ephemeral: true });
}

/** CHANNEL_MESSAGE_WITH_SOURCE. */
export function inline(data: MessageData): InteractionResponse {
  return { type: 4, data };
}

/**
 * DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE. A defer fixes the visibility (docs/interactions.md §2.5):
 * public for a command whose answer is meant for the channel (a /ship confirmation), EPHEMERAL
 * for one whose answers only the invoker should see (/unship, the message context-menu commands).
 */
export function deferred(ephemeralAnswer = false): InteractionResponse {
  return ephemeralAnswer ? { type: 5, data: { flags: EPHEMERAL } } : { type: 5 };
}

/** APPLICATION_COMMAND_AUTOCOMPLETE_RESULT: at most 25 choices, names cut to 100 characters. */
export function autocompleteResult(choices: readonly Choice[]): InteractionResponse {
  return { type: 8, data: { choices: choices.slice(0, MAX_AUTOCOMPLETE_CHOICES).map((c) => ({ name: c.name.slice(0, 100) || '…', value: c.value.slice(0, 100) })) } };
}

/** The PATCH @original body for a deferred reply: visibility cannot change, so flags are dropped. */
export function editBody(data: MessageData): { content: string; allowed_mentions: { parse: [] } } {
  return { content: data.content, allowed_mentions: { parse: [] } };
}

/**
 * Joins `header` and as many whole `lines` as fit in `max` units; when some do not fit (or
 * `hidden` more exist that were never fetched), ends with `more(n)` for the n left out. A line is
 * never cut in half, so an escape sequence or a mention always stays whole.
 */
export function fitLines(header: string, lines: readonly string[], more: (omitted: number) => string, options: { max?: number; hidden?: number } = {}): string {
  const max = options.max ?? MAX_CONTENT;
  const hidden = options.hidden ?? 0;
  const note = (n: number) => (n > 0 ? `\n${more(n)}` : '');
  let out = header;
  let shown = 0;
  for (const line of lines) {
    const candidate = `${out}\n${line}`;
    if (candidate.length + note(lines.length - shown - 1 + hidden).length > max) break;
    out = candidate;
    shown++;
  }
  out += note(lines.length - shown + hidden);
  return out.length <= max ? out : out.slice(0, max);
}

/** A failure the HTTP adapter turns into a status (400 for a verified but unusable payload). */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'HttpError';
  }
}
