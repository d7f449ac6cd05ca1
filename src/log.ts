// Owns the journald line format: `<N>event key=value ...`, one line per event, no timestamp
// (journald adds one). Redacts secrets; escapes control characters in values. Does not decide what to log; callers do.

export type LogLevel = 'error' | 'warn' | 'notice' | 'info' | 'debug';
export type LogFields = Record<string, unknown>;

/** sd-daemon(3) priorities: journald parses the `<N>` prefix when the unit logs to the journal. */
const PRIORITY: Record<LogLevel, number> = { error: 3, warn: 4, notice: 5, info: 6, debug: 7 };
export const LOG_LEVELS = Object.keys(PRIORITY) as LogLevel[];

export interface Logger {
  error(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  notice(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  debug(event: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Exact secret values (bot token, DB password) to mask wherever they appear. */
  secrets?: readonly string[];
  /** Where lines go; defaults to stderr for warn and worse, stdout otherwise. */
  write?: (line: string, level: LogLevel) => void;
}

// Bot tokens: base64(user id) . base64(timestamp) . HMAC — three dot-separated base64url runs.
const BOT_TOKEN_RE = /\b[A-Za-z0-9_-]{18,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{20,}\b/g;
// Interaction tokens start with base64("interaction:") and are long base64url runs.
const INTERACTION_TOKEN_RE = /aW50ZXJhY3Rpb246[A-Za-z0-9_.-]+/g;
// Webhook / interaction callback URLs carry the token as a path segment.
const WEBHOOK_PATH_RE = /\/(webhooks\/\d+|interactions\/\d+)\/[A-Za-z0-9_.-]{20,}/g;
// postgres://user:password@host — keep the user and host, drop the password.
const URL_PASSWORD_RE = /\b([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):([^@\s]+)@/gi;
// `Authorization: Bot <token>` or `password=<secret>` written by someone who forgot.
const KEYED_SECRET_RE = /\b(Bot|Bearer)\s+[A-Za-z0-9_.-]{20,}|\b(password|token|secret|api_key)=("[^"]*"|\S+)/gi;

// What at least one of the patterns above needs (a superset of their matches): a line with none of
// it is left as it is, without five replace passes (most lines: the web logs one per request).
// Literal checks first; one alternation of literals combined with the token's character-class run
// was slower than the five passes it was meant to save (1.8 µs against 0.3 µs a line).
const BOT_TOKEN_ANY = new RegExp(BOT_TOKEN_RE.source);
const KEYED_ANY = /\b(?:Bot|Bearer)\s|\b(?:password|token|secret|api_key)=/i;
function maybeSecret(s: string): boolean {
  return s.includes('://') || s.includes('/webhooks/') || s.includes('/interactions/') || s.includes('aW50ZXJhY3Rpb246')
    || KEYED_ANY.test(s) || (mayHoldBotToken(s) && BOT_TOKEN_ANY.test(s));
}

/**
 * False only when BOT_TOKEN_RE cannot match: a token has a dot after at least 18 characters and
 * a second one at least 6 further on. Two indexOf calls instead of the regex, which backtracks over
 * every long run of word characters (the ids in every line: issue 14, 0.7 µs a line).
 */
function mayHoldBotToken(s: string): boolean {
  const dot = s.indexOf('.', 18);
  return dot >= 0 && s.indexOf('.', dot + 6) >= 0;
}

export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4 && out.includes(s)) out = out.split(s).join('[redacted]');
  if (!maybeSecret(out)) return out;
  return out
    .replace(URL_PASSWORD_RE, '$1:[redacted]@')
    .replace(WEBHOOK_PATH_RE, '/$1/[redacted]')
    .replace(INTERACTION_TOKEN_RE, '[redacted]')
    .replace(BOT_TOKEN_RE, '[redacted]')
    .replace(KEYED_SECRET_RE, (m, scheme: string | undefined, key: string | undefined) =>
      scheme ? `${scheme} [redacted]` : `${key}=[redacted]`);
}

/**
 * `url` with its password and every query value replaced by `[redacted]`, for naming a configured
 * URL in a log line or an error: `https://h/p?key=[redacted]&alt=[redacted]`. Not a URL: unchanged.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const head = url.slice(0, q < 0 ? url.length : q).replace(URL_PASSWORD_RE, '$1:[redacted]@');
  if (q < 0) return head;
  const [query, fragment] = splitOnce(url.slice(q + 1), '#');
  const values = query.split('&').map((p) => (p.includes('=') ? `${p.slice(0, p.indexOf('='))}=[redacted]` : p)).join('&');
  return `${head}?${values}${fragment === undefined ? '' : '#[redacted]'}`;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

function formatValue(v: unknown): string {
  // A number's or boolean's String() is never empty and only has [0-9A-Za-z.+-] ("NaN",
  // "-Infinity", "1e+21"): nothing to quote, no regex to run (issue 14).
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  let s: string;
  if (v instanceof Error) s = (v as { code?: unknown }).code !== undefined ? `${String((v as { code?: unknown }).code)}: ${v.message}` : v.message;
  else if (typeof v === 'string') s = v;
  else if (v === undefined) s = '';
  else if (typeof v === 'object' && v !== null) s = JSON.stringify(v);
  else s = String(v);
  return plainAscii(s) ? s : s === '' || /[\s"=]/.test(s) || UNSAFE.test(s) ? quote(s) : s;
}

/** True when `s` is non-empty printable ASCII without `"` or `=`: safe unquoted, no regex needed. */
function plainAscii(s: string): boolean {
  if (s === '') return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x22 || c === 0x3d) return false;
  }
  return true;
}

// Characters a terminal or journal reader acts on instead of showing: C0 controls (ANSI escapes
// start with ESC, CR rewrites the line, LF forges a new event), DEL, C1 controls (U+009B is a
// one-character CSI), the Unicode line/paragraph separators and the bidi marks, embeddings,
// overrides and isolates that visually reorder text. User-controlled values carry all of them.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const UNSAFE_AFTER_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/** A double-quoted value with every unsafe character as a JSON escape (`\n`, `\u001b`): one line, inert. */
function quote(s: string): string {
  // JSON.stringify escapes C0 controls, `"`, `\` and lone surrogates; the rest are done here.
  return JSON.stringify(s).replace(UNSAFE_AFTER_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** ` key=value` for each defined field, in order. */
function formatFields(fields: LogFields): string {
  let text = '';
  for (const k in fields) {
    const v = fields[k];
    if (v === undefined) continue;
    text += ` ${k}=${formatValue(v)}`;
  }
  return text;
}

/**
 * The default destination: warnings and worse go to stderr at once; other lines to stdout,
 * gathered over one turn of the event loop and written together. On Linux a write to a pipe or
 * to journald's stream socket is a synchronous system call (Node's process I/O notes), and a busy
 * web service logs a line per request: one write per turn instead of one per line. Before a
 * warning, pending lines are written first (order kept), and at exit whatever is pending is
 * written synchronously, so process.exit() loses nothing.
 */
const stdoutLines = (() => {
  let pending = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending === '') return;
    const text = pending;
    pending = '';
    process.stdout.write(text);
  };
  let hooked = false;
  return {
    add(line: string): void {
      pending += line + '\n';
      if (!hooked) {
        hooked = true;
        // 'exit' handlers must be synchronous: stdout to a pipe or file is, on Linux.
        process.on('exit', flush);
      }
      if (!scheduled) { scheduled = true; setImmediate(flush).unref(); }
    },
    flush,
  };
})();

const defaultWrite = (line: string, level: LogLevel): void => {
  if (PRIORITY[level] <= PRIORITY.warn) {
    stdoutLines.flush();
    process.stderr.write(line + '\n');
  } else stdoutLines.add(line);
};

export function createLogger(options: LoggerOptions = {}, base: LogFields = {}): Logger {
  const threshold = PRIORITY[options.level ?? 'info'];
  const secrets = options.secrets ?? [];
  const write = options.write ?? defaultWrite;
  const baseKeys = Object.keys(base);
  // The base fields (proc=web, …) are the same on every line: formatted once. A line that sets one
  // of them again is formatted from the merged fields, where its value wins in the base's place.
  const baseText = formatFields(base);
  const emit = (level: LogLevel) => (event: string, fields: LogFields = {}) => {
    if (PRIORITY[level] > threshold) return;
    const overrides = baseKeys.some((k) => k in fields);
    const text = overrides ? formatFields({ ...base, ...fields }) : baseText + formatFields(fields);
    write(redact(`<${PRIORITY[level]}>${event}${text}`, secrets), level);
  };
  return {
    error: emit('error'),
    warn: emit('warn'),
    notice: emit('notice'),
    info: emit('info'),
    debug: emit('debug'),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}

/** A logger that drops everything; for libraries used without a composition root. */
export const silentLogger: Logger = createLogger({ write: () => {} });
