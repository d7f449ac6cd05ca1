// The charCodeAt fast paths in text.ts, snowflake.ts, storableText and the logger (issue 14) give
// exactly what the regex/iterator code before them gave. The code before them is kept here as
// `reference…` and both are run on a hand-written corpus and on seeded pseudo-random strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codePointLength, normaliseLine, visibleLength } from '../../src/text.js';
import { isSnowflake, MAX_SNOWFLAKE } from '../../src/discord/snowflake.js';
import { storableText } from '../../src/db/launches.js';
import { createLogger, redact, type LogFields } from '../../src/log.js';
import { mulberry32 } from '../helpers/prng.js';

// --- reference implementations (as they were before the fast paths) ---

const R_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu;
const R_LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const R_NEEDS_NORMALISING = /[\ud800-\udfff\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|(?! )\s| {2}|^ | $/;
function referenceNormaliseLine(text: string): string {
  if (!R_NEEDS_NORMALISING.test(text)) return text;
  return text.replace(R_LONE_SURROGATE, '\ufffd')
    .replace(/[\r\n\t]/g, ' ')
    .replace(R_CONTROL, '')
    .replace(/\s+/gu, ' ')
    .trim();
}

function referenceCodePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

const R_INVISIBLE = /[\p{White_Space}\p{Cc}\p{Cf}\p{M}\p{Default_Ignorable_Code_Point}\u2800]/u;
function referenceVisibleLength(text: string): number {
  let n = 0;
  for (const ch of text) if (!R_INVISIBLE.test(ch)) n++;
  return n;
}

const R_CANONICAL = /^[1-9][0-9]{16,19}$/;
function referenceIsSnowflake(value: unknown): boolean {
  return typeof value === 'string' && R_CANONICAL.test(value) && (value.length < 20 || BigInt(value) <= MAX_SNOWFLAKE);
}

function referenceStorableText(text: string): string {
  return text.replace(/\u0000/g, '').replace(R_LONE_SURROGATE, '\ufffd');
}

const R_BOT_TOKEN_RE = /\b[A-Za-z0-9_-]{18,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{20,}\b/g;
const R_INTERACTION_TOKEN_RE = /aW50ZXJhY3Rpb246[A-Za-z0-9_.-]+/g;
const R_WEBHOOK_PATH_RE = /\/(webhooks\/\d+|interactions\/\d+)\/[A-Za-z0-9_.-]{20,}/g;
const R_URL_PASSWORD_RE = /\b([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):([^@\s]+)@/gi;
const R_KEYED_SECRET_RE = /\b(Bot|Bearer)\s+[A-Za-z0-9_.-]{20,}|\b(password|token|secret|api_key)=("[^"]*"|\S+)/gi;
const R_BOT_TOKEN_ANY = new RegExp(R_BOT_TOKEN_RE.source);
const R_KEYED_ANY = /\b(?:Bot|Bearer)\s|\b(?:password|token|secret|api_key)=/i;
function referenceMaybeSecret(s: string): boolean {
  return s.includes('://') || s.includes('/webhooks/') || s.includes('/interactions/') || s.includes('aW50ZXJhY3Rpb246')
    || R_KEYED_ANY.test(s) || R_BOT_TOKEN_ANY.test(s);
}
function referenceRedact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4 && out.includes(s)) out = out.split(s).join('[redacted]');
  if (!referenceMaybeSecret(out)) return out;
  return referenceRedactAlways(out);
}
/** The five passes with no pre-check: what a superset pre-check must leave every line as. */
function referenceRedactAlways(text: string): string {
  return text
    .replace(R_URL_PASSWORD_RE, '$1:[redacted]@')
    .replace(R_WEBHOOK_PATH_RE, '/$1/[redacted]')
    .replace(R_INTERACTION_TOKEN_RE, '[redacted]')
    .replace(R_BOT_TOKEN_RE, '[redacted]')
    .replace(R_KEYED_SECRET_RE, (_m, scheme: string | undefined, key: string | undefined) =>
      scheme ? `${scheme} [redacted]` : `${key}=[redacted]`);
}

const R_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const R_UNSAFE_AFTER_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
function referenceQuote(s: string): string {
  return JSON.stringify(s).replace(R_UNSAFE_AFTER_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
function referenceFormatValue(v: unknown): string {
  let s: string;
  if (v instanceof Error) s = (v as { code?: unknown }).code !== undefined ? `${String((v as { code?: unknown }).code)}: ${v.message}` : v.message;
  else if (typeof v === 'string') s = v;
  else if (v === undefined) s = '';
  else if (typeof v === 'object' && v !== null) s = JSON.stringify(v);
  else s = String(v);
  return s === '' || /[\s"=]/.test(s) || R_UNSAFE.test(s) ? referenceQuote(s) : s;
}
function referenceLine(event: string, fields: LogFields, secrets: readonly string[] = []): string {
  let text = '';
  for (const k in fields) {
    const v = fields[k];
    if (v === undefined) continue;
    text += ` ${k}=${referenceFormatValue(v)}`;
  }
  return referenceRedact(`<6>${event}${text}`, secrets);
}

// --- inputs ---

const MAX = '18446744073709551615';
const BOT = 'MTAxMjM0NTY3ODkwMTIzNDU2.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB';
const ITOK = 'aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OTpBQkNERUZHSElKS0xNTk9QUVJTVFVW';

/** Characters that have broken text code before, each as its own string (pairs stay whole). */
const SPECIAL = [
  ' ', '  ', '\t', '\n', '\r', '\r\n', '\v', '\f', '\u0000', '\u0001', '\u001b', '\u001f', '\u007f', '\u0080', '\u0085',
  '\u009b', '\u009f', '\u00a0', '\u00ad', '\u034f', '\u061c', '\u115f', '\u1680', '\u180e', '\u2000', '\u200a', '\u200b',
  '\u200c', '\u200d', '\u200e', '\u200f', '\u2028', '\u2029', '\u202a', '\u202e', '\u202f', '\u205f', '\u2060', '\u2066',
  '\u2069', '\u2800', '\u3000', '\u3164', '\ufe0f', '\ufeff', '\ufffd', '\u0301', '\u0308', '\u20dd', 'é', 'e\u0301', 'ß',
  'İ', 'K', 'ſ', 'я', 'ע', '中', '…', '👍', '👍🏽', '👨‍👩‍👧', '🇫🇷', '🏴‍☠️', '\u{e0001}', '\u{1d400}',
  '\ud800', '\udbff', '\udc00', '\udfff', '\ud83d', '\ude80', '"', '=', '\\', '.', '_', '-', '/', ':', '@',
];
/** Pieces that make the logger's and redaction's special cases likely in random lines. */
const LOG_PIECES = [
  BOT, ITOK, 'Bot ', 'bOT\t', 'Bearer ', 'BEARER\u00a0', 'password=', 'PASSWORD=', 'Token=', 'secret=', 'api_key=', 'API_KEY="a b"',
  'postgres://u:pw@h/db', 'https://x.dev/a', '/webhooks/123456789012345678/', '/interactions/1/', MAX, '1577268349061038178',
  'abcdefghijklmnopqrst', 'ABCDEFGHIJKLMNOPQRSTUVWX', 'aaaaa', '.', '..', 'interaction.answered', 'ms=3', ' ',
];
const ASCII = 'abcXYZ019 -_.:/=~!"#';

/** mulberry32 (test/helpers/prng.ts): a failure reproduces from its seed. */
const prng = mulberry32;

function randomString(rand: () => number, pools: readonly (readonly string[])[]): string {
  const parts = Math.floor(rand() * 12);
  let s = '';
  for (let i = 0; i < parts; i++) {
    const r = rand();
    if (r < 0.5) {
      const n = 1 + Math.floor(rand() * 6);
      for (let j = 0; j < n; j++) s += ASCII[Math.floor(rand() * ASCII.length)];
    } else {
      const pool = pools[Math.floor(rand() * pools.length)]!;
      s += pool[Math.floor(rand() * pool.length)];
    }
  }
  return s;
}

const corpus: string[] = [
  '', 'a', 'hello world', 'My App v2.0 — launched!', ' lead', 'trail ', ' both ', '  ', ' ', 'two  spaces', 'a\tb', 'a\nb',
  'a\r\nb', 'nul\u0000here', 'del\u007f', 'c1\u0085\u009b', 'nb\u00a0sp', '\u2800', '\u2800\u2800x', 'zw\u200bsp', 'zwj\u200d',
  'cafe\u0301', '\u0301alone', '👍🏽 ok', '👨‍👩‍👧', '🇫🇷🇩🇪', '\ud800', '\ud800x', 'x\ud800', 'x\ud800y', '\udc00', '\udc00x',
  'x\udc00', 'x\udc00y', '\udc00\ud800', '\ud83d\ude80\ud83d', 'rtl\u202eevil', 'iso\u2066x\u2069', '~!@#$%^&*()_+{}|:"<>?',
  'x'.repeat(2000), 'a b'.repeat(500), '\ufeffbom', 'tab\tend\t', ' \u3000 ', '\u00ad', '\u034f', '\u3164',
  MAX, '18446744073709551616', '18446744073709551614', '99999999999999999999', '10000000000000000000', '1000000000000000',
  '10000000000000000', '01234567890123456', '012345678901234567890', '100000000000000000000', '1577268349061038178',
  '1577268349061038178 ', ' 1577268349061038178', '157726834906103817x', '１２３４５６７８９０１２３４５６７８', '+1577268349061038178',
  '-1577268349061038178', '1577268349061038178\n', '1.57726834906103817', '１5772683490610381780',
  BOT, ITOK, `Bot ${BOT}`, 'x'.repeat(18) + '.' + 'y'.repeat(5) + '.' + 'z'.repeat(20),
];

// --- tests ---

test('text fast paths equal the reference on the hand-written corpus', () => {
  for (const s of [...corpus, ...SPECIAL, ...LOG_PIECES]) {
    assert.equal(visibleLength(s), referenceVisibleLength(s), `visibleLength ${JSON.stringify(s)}`);
    assert.equal(codePointLength(s), referenceCodePointLength(s), `codePointLength ${JSON.stringify(s)}`);
    assert.equal(normaliseLine(s), referenceNormaliseLine(s), `normaliseLine ${JSON.stringify(s)}`);
    assert.equal(storableText(s), referenceStorableText(s), `storableText ${JSON.stringify(s)}`);
    assert.equal(isSnowflake(s), referenceIsSnowflake(s), `isSnowflake ${JSON.stringify(s)}`);
  }
});

test('visibleLength: in ASCII exactly the space, the controls and DEL are invisible', () => {
  for (let c = 0; c < 0x80; c++) {
    const ch = String.fromCharCode(c);
    assert.equal(visibleLength(ch), R_INVISIBLE.test(ch) ? 0 : 1, `U+${c.toString(16)}`);
    assert.equal(visibleLength(ch), c > 0x20 && c !== 0x7f ? 1 : 0);
  }
});

test('normaliseLine and storableText: every single UTF-16 unit, alone and between letters', () => {
  for (let c = 0; c <= 0xffff; c++) {
    const ch = String.fromCharCode(c);
    for (const s of [ch, `a${ch}b`, `a ${ch}`]) {
      assert.equal(normaliseLine(s), referenceNormaliseLine(s), `U+${c.toString(16)} in ${JSON.stringify(s)}`);
      assert.equal(storableText(s), referenceStorableText(s));
      assert.equal(visibleLength(s), referenceVisibleLength(s));
      assert.equal(codePointLength(s), referenceCodePointLength(s));
    }
  }
});

test('text fast paths equal the reference on 30,000 seeded random strings', () => {
  const rand = prng(14);
  for (let i = 0; i < 30_000; i++) {
    const s = randomString(rand, [SPECIAL]);
    assert.equal(visibleLength(s), referenceVisibleLength(s), `visibleLength ${JSON.stringify(s)}`);
    assert.equal(codePointLength(s), referenceCodePointLength(s), `codePointLength ${JSON.stringify(s)}`);
    assert.equal(normaliseLine(s), referenceNormaliseLine(s), `normaliseLine ${JSON.stringify(s)}`);
    assert.equal(storableText(s), referenceStorableText(s), `storableText ${JSON.stringify(s)}`);
  }
});

test('isSnowflake equals the reference on non-strings, edge ids and 30,000 seeded digit strings', () => {
  const others: unknown[] = [undefined, null, 0, 1577268349061038178, 1577268349061038178n, {}, [], ['1577268349061038178'],
    new String('1577268349061038178'), true, Symbol('x'), () => '1577268349061038178'];
  for (const v of others) assert.equal(isSnowflake(v), referenceIsSnowflake(v), String(typeof v));
  // Every 20-digit neighbour of 2^64 - 1 in the last three digits, and each digit position bumped.
  for (let d = 0; d < 1000; d++) {
    const s = MAX.slice(0, 17) + String(d).padStart(3, '0');
    assert.equal(isSnowflake(s), referenceIsSnowflake(s), s);
  }
  for (let i = 0; i < MAX.length; i++) for (const digit of '0123456789') {
    const s = MAX.slice(0, i) + digit + MAX.slice(i + 1);
    assert.equal(isSnowflake(s), referenceIsSnowflake(s), s);
  }
  const rand = prng(2 ** 31 - 1);
  const chars = '0123456789'.repeat(6) + ' x+-.\u0660１\n';
  for (let i = 0; i < 30_000; i++) {
    const len = 14 + Math.floor(rand() * 9); // 14..22
    let s = rand() < 0.3 ? MAX.slice(0, Math.min(len, 20) - Math.floor(rand() * 4)) : '';
    while (s.length < len) s += chars[Math.floor(rand() * chars.length)];
    assert.equal(isSnowflake(s), referenceIsSnowflake(s), JSON.stringify(s));
  }
});

test('redact: still a superset pre-check, so every secret shape is redacted as before', () => {
  const shapes = [
    `token ${BOT} leaked`, `Authorization: Bot ${BOT}`, `authorization: bot ${'a'.repeat(24)}`, `Bearer ${'b'.repeat(30)}`,
    `BEARER\t${'c'.repeat(20)}`, 'password=hunter2', 'PASSWORD=hunter2', 'PassWord="two words"', 'token=abc', 'TOKEN=abc',
    'secret=s3', 'Secret=s3', 'api_key=k', 'API_KEY=k', `raw ${ITOK}`, `PATCH /webhooks/123456789012345678/${ITOK}/messages/@original`,
    `cb /interactions/123456789012345678/${ITOK}/callback`, 'postgres://ship:hunter2@db:5432/x', 'HTTPS://u:p@h/',
    // The bot-token gate's bounds: a token right at the start of the line, its shortest legal parts.
    'x'.repeat(18) + '.' + 'y'.repeat(5) + '.' + 'z'.repeat(20), `<6>interaction.answered t=${'x'.repeat(18)}.${'y'.repeat(5)}.${'z'.repeat(20)}`,
  ];
  for (const line of shapes) {
    const want = referenceRedact(line);
    assert.notEqual(want, line, `a secret shape the reference redacts: ${line}`);
    assert.equal(redact(line), want, line);
    assert.equal(redact(`<6>interaction.answered proc=web interaction=1577268349061038178 ${line} ms=3`),
      referenceRedact(`<6>interaction.answered proc=web interaction=1577268349061038178 ${line} ms=3`));
  }
  // Almost a token: one part short. Nothing to redact, and no pre-check can have hidden anything.
  for (const line of ['x'.repeat(17) + '.' + 'y'.repeat(5) + '.' + 'z'.repeat(20), 'x'.repeat(18) + '.' + 'y'.repeat(4) + '.' + 'z'.repeat(20)]) {
    assert.equal(redact(line), line);
    assert.equal(referenceRedactAlways(line), line);
  }
});

test('redact equals the reference and the always-redact passes on 30,000 seeded random lines', () => {
  const rand = prng(1414);
  for (let i = 0; i < 30_000; i++) {
    const s = `<6>interaction.answered ${randomString(rand, [SPECIAL, LOG_PIECES, LOG_PIECES])}`;
    const got = redact(s);
    assert.equal(got, referenceRedact(s), JSON.stringify(s));
    assert.equal(got, referenceRedactAlways(s), `pre-check missed a secret in ${JSON.stringify(s)}`);
  }
});

test('logger lines equal the reference formatting for seeded random field values', () => {
  const rand = prng(20_000);
  const fixed: unknown[] = [
    0, -0, 1, -1, 1.5, 1e21, 1e-7, -1e21, NaN, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53 + 2,
    true, false, undefined, null, '', ' ', '"', '=', 'a=b', 'plain', 'two words', { x: 1, s: 'a"b' }, [1, 'x y'], { t: BOT },
    new Error('boom'), Object.assign(new Error('refused\n'), { code: 'ECONNREFUSED' }), Object.assign(new Error('x'), { code: 42 }),
    Object.assign(new Error(''), { code: undefined }), 12n, -12n,
  ];
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l) });
  const expected: string[] = [];
  const check = (fields: LogFields) => {
    log.info('interaction.answered', fields);
    expected.push(referenceLine('interaction.answered', fields));
  };
  for (const v of fixed) check({ v });
  for (let i = 0; i < 20_000; i++) {
    const fields: LogFields = {};
    const n = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < n; k++) {
      const r = rand();
      let v: unknown;
      if (r < 0.55) v = randomString(rand, [SPECIAL, LOG_PIECES]);
      else if (r < 0.7) v = fixed[Math.floor(rand() * fixed.length)];
      else if (r < 0.8) v = (rand() - 0.5) * 10 ** Math.floor(rand() * 30);
      else if (r < 0.85) v = Math.floor(rand() * 1e6);
      else if (r < 0.9) v = { s: randomString(rand, [SPECIAL]) };
      else if (r < 0.95) v = Object.assign(new Error(randomString(rand, [SPECIAL])), rand() < 0.5 ? { code: 'E' + k } : {});
      else v = rand() < 0.5;
      fields[`f${k}`] = v;
    }
    check(fields);
  }
  assert.equal(lines.length, expected.length);
  for (let i = 0; i < lines.length; i++) assert.equal(lines[i], expected[i]);
});
