// Owns asking an OpenAI-compatible chat-completions endpoint for the digest's optional one-line
// theme, under a strict timeout. Never throws: any failure means "no theme", with the reason.
// Does not escape the line for Discord (build.ts does) and is never called on a resume.

import type nodeFetch from 'node-fetch';
import { systemClock, type Clock } from '../clock.js';
import { redactUrl, type Logger } from '../log.js';
import { describeError } from '../errors.js';
import { MAX_THEME_LENGTH } from './build.js';

/** node-fetch's signature; tests pass a stand-in. */
export type FetchLike = typeof nodeFetch;

export interface LlmSettings { readonly url: string; readonly key: string; readonly model: string; readonly timeoutMs: number }

export type ThemeResult =
  | { ok: true; theme: string; ms: number }
  | { ok: false; reason: 'not_configured' | 'no_launches' | 'timeout' | 'network' | 'http_status' | 'bad_json' | 'empty' | 'too_long'; detail?: string; ms: number };

export interface ThemeDeps { fetch?: FetchLike; log: Logger; clock?: Clock }

/** Launch texts sent to the model: enough to sense a theme, bounded whatever the week's size. */
export const MAX_PROMPT_LAUNCHES = 100;
export const MAX_PROMPT_TEXT = 200;
/** A longer body than this is not a one-line answer; reading stops there. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export const THEME_SYSTEM_PROMPT =
  'You write one short line (at most 12 words) naming the common theme of a list of product launches ' +
  'posted by a community this week. Answer with the line only: no quotes, no markdown, no mentions, no preamble. ' +
  'If there is no clear theme, answer with an empty string.';

function promptFor(texts: readonly string[]): string {
  const lines = texts.slice(0, MAX_PROMPT_LAUNCHES).map((t) => `- ${t.replace(/\s+/g, ' ').trim().slice(0, MAX_PROMPT_TEXT)}`);
  return `Launches this week:\n${lines.join('\n')}`;
}

/** `text` with `url` (as configured, or as the URL parser writes it) named without its query values or password. */
function withoutUrlSecrets(text: string, url: string): string {
  let out = text;
  const forms = [url];
  try { forms.push(new URL(url).href); } catch { /* config validated it */ }
  for (const form of forms) out = out.split(form).join(redactUrl(form));
  return out;
}

/** One line, no wrapping quotes; '' when nothing usable is left. */
export function cleanTheme(raw: string): string {
  let s = raw.replace(/\s+/g, ' ').trim();
  for (;;) {
    const m = /^(["'“”‘’`*_])(.*)\1$/u.exec(s) ?? /^“(.*)”$/u.exec(s);
    if (!m) break;
    s = (m.length === 3 ? m[2]! : m[1]!).trim();
  }
  return s.replace(/^theme:\s*/i, '').trim();
}

/**
 * Asks for the theme of `launchTexts`. Resolves within `llm.timeoutMs` (plus scheduling noise) in
 * every case; the timer is cleared on every path so nothing is left running.
 */
export async function fetchTheme(llm: LlmSettings | undefined, launchTexts: readonly string[], deps: ThemeDeps): Promise<ThemeResult> {
  const clock = deps.clock ?? systemClock;
  const now = () => clock.now();
  const t0 = now();
  const fail = (reason: Extract<ThemeResult, { ok: false }>['reason'], detail?: string): ThemeResult => {
    const ms = now() - t0;
    deps.log.notice('digest.theme_skipped', { reason, detail, ms });
    return { ok: false, reason, ...(detail !== undefined ? { detail } : {}), ms };
  };
  if (!llm) return fail('not_configured');
  if (launchTexts.length === 0) return fail('no_launches');

  // Loaded only when a theme is asked for: a run without LLM_API_URL never pays for node-fetch
  // (~25 ms and ~10 MB of a weekly process whose peak RSS is measured, issue 14).
  const fetch = deps.fetch ?? (await import('node-fetch')).default;
  const abort = new AbortController();
  const timer = clock.setTimeout(() => abort.abort(), llm.timeoutMs);
  try {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (llm.key) headers.Authorization = `Bearer ${llm.key}`;
    let text: string;
    let status: number;
    try {
      const res = await fetch(llm.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          model: llm.model,
          messages: [{ role: 'system', content: THEME_SYSTEM_PROMPT }, { role: 'user', content: promptFor(launchTexts) }],
          max_tokens: 40,
          temperature: 0.3,
        }),
        redirect: 'error',
        size: MAX_RESPONSE_BYTES,
        signal: abort.signal as unknown as import('node-fetch').RequestInit['signal'],
      });
      status = res.status;
      // The body is read under the same deadline: a server that sends headers and then stalls times out too.
      text = await res.text();
    } catch (err) {
      if (abort.signal.aborted) return fail('timeout', `no answer within ${llm.timeoutMs} ms`);
      // node-fetch names the URL in its messages, and some providers take the key in it (`?key=`).
      return fail('network', withoutUrlSecrets(describeError(err), llm.url).slice(0, 200));
    }
    if (status !== 200) return fail('http_status', String(status));
    let content: unknown;
    try {
      const body = JSON.parse(text) as { choices?: { message?: { content?: unknown } }[] };
      content = body?.choices?.[0]?.message?.content;
    } catch {
      return fail('bad_json');
    }
    if (typeof content !== 'string') return fail('bad_json', 'no choices[0].message.content string');
    const theme = cleanTheme(content);
    if (theme === '') return fail('empty');
    if (theme.length > MAX_THEME_LENGTH) return fail('too_long', `${theme.length} > ${MAX_THEME_LENGTH} characters`);
    const ms = now() - t0;
    deps.log.info('digest.theme', { ms, length: theme.length });
    return { ok: true, theme, ms };
  } finally {
    clock.clearTimeout(timer);
  }
}
