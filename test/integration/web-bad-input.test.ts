// A storm of bad requests (seeded PRNG): signature/body/timestamp mutations, malformed headers,
// oversized and truncated bodies, invalid JSON and odd shapes with valid signatures, wrong content
// types and methods, unknown commands and types. Each gets its documented status, nothing is
// written, and a valid PING still PONGs afterwards. Prints a tally per category.
//
// Mapping under test (server.ts): 401 header/timestamp/signature · 413 over 128 KiB · 415 verified
// but not application/json · 400 verified but unusable · 404 path · 405 method · 200 + ephemeral
// for an unknown command · 400 for a body cut short by a client hang-up · 408 for a body that
// stops arriving (request timeout). Every request gets exactly its status: a connection closed
// without an answer counts as a failure.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { mulberry32 } from '../helpers/prng.js';
import {
  APP_ID, commandPayload, destroyAgent, launchCount, nowSec, rawExchange, request, sign, signedPost, startWeb, type HttpReply, type Web,
} from './web-harness.js';

const SEED = 0x5eed_2026;
// npm test keeps a sample: 25 rounds × 20 request kinds = 500 requests, every kind 25 times with
// its own seeded mutations. STORM_ROUNDS=150 (3000 requests) is the full storm, on demand.
const ROUNDS = Number(process.env.STORM_ROUNDS ?? 25);

let db: TestDatabase;
let web: Web;
before(async () => {
  db = await createTestDatabase();
  web = await startWeb({ db: db.pool, requestTimeoutMs: 1000, headersTimeoutMs: 1000 });
});
after(async () => {
  await web?.close();
  destroyAgent();
  await db?.close();
});

type Case = { kind: string; expect: number; send: () => Promise<HttpReply | { status: number; closed: boolean }> };

/**
 * How long a raw-socket case waits for the server to answer and close. Only a safety net: each
 * resolves when the server closes (within ~2 s, the request timeout). The old 2 s cap could expire
 * before a loaded event loop had read an answer that had already arrived (timers run before I/O
 * callbacks in each turn of the loop), and the case then looked like "closed without a status".
 */
const SOCKET_CASE_MAX_MS = 15_000;
const statusOf = (text: string) => Number(/^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1] ?? 0);

test('a seeded storm of bad input: every request gets its status, nothing is written, the server still PONGs', { timeout: 120_000 }, async (t) => {
  const rand = mulberry32(SEED);
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const hex = '0123456789abcdef';
  const randomHex = (n: number) => Array.from({ length: n }, () => hex[int(16)]).join('');
  const randomText = (n: number) => Array.from({ length: n }, () => String.fromCharCode(32 + int(95))).join('');

  const rowsBefore = await launchCount(db.pool);
  const shipBody = () => JSON.stringify(commandPayload({ name: 'ship', options: [{ name: 'product', type: 3, value: `Storm launch ${int(1e9)}` }] }));
  const pingBody = () => JSON.stringify({ id: '1311111111111111111', application_id: APP_ID, type: 1, token: 't', version: 1 });
  const base = () => (rand() < 0.8 ? shipBody() : pingBody());
  // Keep-alive sockets are dropped after 2 s idle, well before the server's 5 s keep-alive timeout:
  // reusing one just as the server closes it is HTTP/1.1's keep-alive race (the request meets a
  // closed socket and gets no answer), a client matter, not the server's.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 2000 });
  t.after(() => agent.destroy());
  const post = (body: string | Buffer, headers: Record<string, string>) => request(web.url, { agent, body, headers: { 'content-type': 'application/json', ...headers } });
  const signed = (body: string | Buffer, ts = nowSec()) => ({ 'x-signature-ed25519': sign(web.secretKey, ts, body), 'x-signature-timestamp': ts });
  // The mutation cases (sig/body/ts/headers) start from a correctly signed request and break it;
  // they draw it from a pool signed once, with a timestamp that stays fresh for the whole storm
  // (the server accepts 300 s). tweetnacl takes ~10 ms per signature, the storm's main cost.
  const pool = Array.from({ length: 12 }, () => { const b = base(); return { b, h: signed(b) }; });
  const signedBase = () => { const { b, h } = pick(pool); return { b, h: { ...h } }; };
  const port = Number(new URL(web.base).port);

  const kinds: Record<string, () => Case> = {
    'sig: one nibble changed': () => ({ kind: 'sig-nibble', expect: 401, send: () => {
      const { b, h } = signedBase(); const i = int(128); const old = parseInt(h['x-signature-ed25519'][i]!, 16);
      const sig = h['x-signature-ed25519'].slice(0, i) + hex[(old + 1 + int(15)) % 16] + h['x-signature-ed25519'].slice(i + 1);
      return post(b, { ...h, 'x-signature-ed25519': sig });
    } }),
    'sig: random hex': () => ({ kind: 'sig-random', expect: 401, send: () => { const { b, h } = signedBase(); return post(b, { ...h, 'x-signature-ed25519': randomHex(128) }); } }),
    'sig: wrong length or alphabet': () => ({ kind: 'sig-format', expect: 401, send: () => {
      const { b, h } = signedBase(); const s = h['x-signature-ed25519'];
      const bad = pick([s.slice(0, int(128)), s + randomHex(1 + int(4)), randomText(128), s.slice(0, 126) + 'zz', s.replace(/[0-9]/, 'x'), `0x${s.slice(2)}`]);
      return post(b, { ...h, 'x-signature-ed25519': bad });
    } }),
    'body: one byte changed': () => ({ kind: 'body-byte', expect: 401, send: () => {
      const { b: text, h } = signedBase(); const b = Buffer.from(text); const i = int(b.length); b[i] = (b[i]! + 1 + int(255)) % 256;
      return post(b, h);
    } }),
    'body: truncated': () => ({ kind: 'body-truncated', expect: 401, send: () => { const { b, h } = signedBase(); return post(b.slice(0, int(b.length)), h); } }),
    'body: appended': () => ({ kind: 'body-appended', expect: 401, send: () => { const { b, h } = signedBase(); return post(b + pick([' ', '\n', '}', randomText(1 + int(20))]), h); } }),
    'ts: shifted': () => ({ kind: 'ts-shifted', expect: 401, send: () => {
      const { b, h } = signedBase(); const delta = (1 + int(400)) * (rand() < 0.5 ? -1 : 1);
      return post(b, { ...h, 'x-signature-timestamp': String(Number(h['x-signature-timestamp']) + delta) });
    } }),
    'ts: stale but correctly signed': () => ({ kind: 'ts-stale', expect: 401, send: () => {
      const b = base(); const ts = String(Number(nowSec()) + (301 + int(100_000)) * (rand() < 0.5 ? -1 : 1)); return post(b, signed(b, ts));
    } }),
    'ts: garbage': () => ({ kind: 'ts-garbage', expect: 401, send: () => {
      const { b, h } = signedBase(); return post(b, { ...h, 'x-signature-timestamp': pick(['', '-1', '1e9', randomText(1 + int(12)), `${h['x-signature-timestamp']}.0`, '9'.repeat(13)]) });
    } }),
    'headers: missing': () => ({ kind: 'headers-missing', expect: 401, send: () => {
      const { b, h: signedHeaders } = signedBase(); const h: Record<string, string> = signedHeaders; const drop = pick([['x-signature-ed25519'], ['x-signature-timestamp'], ['x-signature-ed25519', 'x-signature-timestamp']]);
      for (const d of drop) delete h[d];
      return post(b, h);
    } }),
    'valid sig: invalid JSON': () => ({ kind: 'json-invalid', expect: 400, send: () => {
      const b = pick([shipBody().slice(0, -1 - int(10)), randomText(1 + int(200)), '', '{', '{"type":1,}', "{'type':1}", 'NaN']);
      return post(b, signed(b));
    } }),
    'valid sig: JSON that is not an interaction of ours': () => ({ kind: 'json-shape', expect: 400, send: () => {
      const b = pick(['null', '[]', '42', '"x"', '{}', JSON.stringify({ type: 1 }), JSON.stringify({ ...commandPayload({ name: 'ship' }), application_id: `1${randomHex(0)}${int(1e17) + 1e17}` }),
        JSON.stringify({ ...commandPayload({ name: 'ship' }), id: randomText(10) }), JSON.stringify({ ...commandPayload({ name: 'ship' }), token: undefined })]);
      return post(b, signed(b));
    } }),
    'valid sig: unhandled interaction type': () => ({ kind: 'type-unknown', expect: 400, send: () => {
      const b = JSON.stringify({ ...commandPayload({ name: 'ship' }), type: pick([0, 3, 5, 6, 42, -1, 2 ** 31]) }); return post(b, signed(b));
    } }),
    'valid sig: unknown command': () => ({ kind: 'command-unknown', expect: 200, send: () => {
      const b = JSON.stringify(commandPayload({ name: `x${randomText(int(30)).replace(/\s/g, '_')}`, options: [{ name: 'product', type: 3, value: 'Not a ship' }] })); return post(b, signed(b));
    } }),
    'valid sig: wrong content type': () => ({ kind: 'content-type', expect: 415, send: () => {
      const b = shipBody(); return post(b, { ...signed(b), 'content-type': pick(['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'text/json', '', 'multipart/form-data; boundary=x']) });
    } }),
    'method': () => ({ kind: 'method', expect: 405, send: () => { const b = shipBody(); return request(web.url, { agent, method: pick(['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']), headers: signed(b) }); } }),
    'path': () => ({ kind: 'path', expect: 404, send: () => { const b = shipBody(); return request(web.base + pick(['/', '/api', '/api/discord/interact/x', '/API/discord/interact', `/${randomHex(8)}`]), { agent, body: b, headers: signed(b) }); } }),
    'oversized Content-Length': () => ({ kind: 'oversized', expect: 413, send: async () => {
      const r = await rawExchange(port, [`POST /api/discord/interact HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${131073 + int(1e9)}\r\n\r\n{"type":1`], { waitMs: SOCKET_CASE_MAX_MS });
      return { status: statusOf(r.text), closed: r.closed };
    } }),
    'incomplete body, client hangs up': () => ({ kind: 'incomplete', expect: 400, send: async () => {
      const b = shipBody(); const h = signed(b);
      const r = await rawExchange(port, [`POST /api/discord/interact HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Signature-Ed25519: ${h['x-signature-ed25519']}\r\nX-Signature-Timestamp: ${h['x-signature-timestamp']}\r\nContent-Length: ${b.length}\r\n\r\n${b.slice(0, int(b.length))}`], { endAfter: true, waitMs: SOCKET_CASE_MAX_MS });
      return { status: statusOf(r.text), closed: r.closed };
    } }),
  };

  const cases: Case[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, make] of Object.entries(kinds)) {
      // Socket-level cases are slower (a fresh connection each): a tenth as many.
      if ((name.startsWith('oversized') || name.startsWith('incomplete')) && round % 10 !== 0) continue;
      cases.push(make());
    }
  }
  // A few slow-loris cases: a body that stops arriving is cut off by the request timeout (408).
  for (let i = 0; i < 3; i++) {
    cases.push({ kind: 'stalled-body', expect: 408, send: async () => {
      const r = await rawExchange(port, ['POST /api/discord/interact HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ty'], { waitMs: SOCKET_CASE_MAX_MS });
      return { status: statusOf(r.text), closed: r.closed };
    } });
  }

  const tally = new Map<string, Map<number, number>>();
  const wrong: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++]!;
      let status: number;
      let body: unknown;
      try {
        const r = await c.send();
        status = r.status;
        body = 'json' in r ? r.json : undefined;
        if ('closed' in r && !r.closed) wrong.push(`${c.kind}: answered ${status} but the server never closed the connection`);
      } catch (err) {
        if (process.env.DEBUG_STORM) console.log(c.kind, err);
        status = 0; // connection reset
      }
      const row = tally.get(c.kind) ?? new Map<number, number>();
      row.set(status, (row.get(status) ?? 0) + 1);
      tally.set(c.kind, row);
      if (status !== c.expect) wrong.push(`${c.kind}: got ${status === 0 ? 'no answer' : status}, expected ${c.expect}`);
      if (c.kind === 'command-unknown' && status === 200) {
        const data = (body as { type: number; data: { flags: number } });
        if (data.type !== 4 || data.data.flags !== 64) wrong.push(`${c.kind}: not an ephemeral type 4`);
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: 16 }, worker));
  const seconds = (performance.now() - started) / 1000;

  const lines = [...tally.entries()].map(([kind, row]) => `  ${kind.padEnd(18)} ${[...row.entries()].sort().map(([s, n]) => `${s === 0 ? 'closed' : s}×${n}`).join(' ')}`);
  console.log(`# bad-input storm: ${cases.length} requests in ${seconds.toFixed(1)} s (seed ${SEED.toString(16)})\n${lines.join('\n')}`);
  assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} requests got an unexpected status`);
  assert.equal([...tally.values()].reduce((n, row) => n + [...row.values()].reduce((a, b) => a + b, 0), 0), cases.length, 'every request was answered or counted');
  assert.equal(await launchCount(db.pool), rowsBefore, 'nothing was written');
  const pong = await signedPost(web, JSON.stringify({ id: '1311111111111111111', application_id: APP_ID, type: 1, token: 't', version: 1 }));
  assert.equal(pong.status, 200);
  assert.deepEqual(pong.json, { type: 1 });
  assert.ok(!web.logs.some((l) => l.startsWith('<3>')), 'no error-level log lines');
});

/** What the endpoint must answer for one fuzzed payload: a 400 with this text, or a 200 with this JSON. */
type Expected = { status: 400; text: string } | { status: 200; json: unknown };
type Payload = Record<string, any>;

/**
 * One change to a signed /ship payload and what it must make the endpoint answer. `rank` follows the
 * order the checks run in (router.ts validateInteraction, then the type, the command name, then
 * /ship's guild/member and product checks): of several changes, the lowest rank decides.
 */
interface Mutation { slot: string; rank: number; apply(p: Payload): void; expect: ((p: Payload) => Expected) | undefined }

const ephemeralAnswer = (content: string): Expected => ({ status: 200, json: { type: 4, data: { content, allowed_mentions: { parse: [] }, flags: 64 } } });
const rejected = (text: string): Expected => ({ status: 400, text });
const NOT_IN_GUILD = ephemeralAnswer('🚀 /ship logs launches for the community server: use it in a channel there. Nothing was saved.');
const TOO_SHORT = ephemeralAnswer('Tell me what you shipped: `/ship product:` followed by at least 2 characters. Nothing was saved.');
const UNKNOWN_COMMAND = ephemeralAnswer('ShipTrack does not know that command. It answers /ship, /unship, /profile, /leaderboard, /site, "Log as launch", "Not a launch"; the command list may be out of date (an admin can run register-commands).');
/** Names and products below need no escaping, so the confirmation is plain text. */
const nonBlank = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
function confirmation(p: Payload): Expected {
  const name = [p.member.nick, p.member.user.global_name, p.member.user.username].find(nonBlank) ?? p.member.user.id;
  return { status: 200, json: { type: 4, data: { content: `🚀 Launch logged for ${name}: ${p.data.options[0].value}`, allowed_mentions: { parse: [] } } } };
}

/** Junk that is never a snowflake string; junk that is never a non-blank string. */
const NOT_SNOWFLAKE: readonly unknown[] = [null, 0, -1, 1.5, '', 'x', '12345678901234567890123', '１２３４５６７８９０１２３４５６７８', [], {}, [null], { id: 5 }, true];
const NOT_TEXT: readonly unknown[] = [null, 0, -1, 1.5, '', '   ', [], {}, true];

function mutations(int: (n: number) => number): Mutation[] {
  const any = (xs: readonly unknown[]) => () => xs[int(xs.length)];
  const notSnowflake = any(NOT_SNOWFLAKE);
  const set = (slot: string, rank: number, apply: (p: Payload) => void, expect?: (p: Payload) => Expected): Mutation => ({ slot, rank, apply, expect });
  return [
    // 400: the top-level checks, in the order they run.
    set('type', 1, (p) => { p.type = any([null, '', '2', 1.5, [], {}, true])(); }, () => rejected('interaction type is missing')),
    set('id', 2, (p) => { p.id = notSnowflake(); }, () => rejected('interaction id is not a snowflake')),
    set('app', 3, (p) => { p.application_id = any(['1300000000000000009', '', null, 1300000000000000001])(); }, () => rejected('interaction is for another application')),
    set('token', 4, (p) => { p.token = any(['', null, 0, []])(); }, () => rejected('interaction token is missing')),
    set('token', 4, (p) => { delete p.token; }, () => rejected('interaction token is missing')),
    set('type', 5, (p) => { p.type = any([0, 3, 5, 42, -1])(); }, (p) => rejected(`interaction type ${p.type} is not handled`)),
    // AUTOCOMPLETE of a command without suggestions (or none we know): no choices, whatever else is wrong.
    set('type', 5, (p) => { p.type = 4; }, () => ({ status: 200, json: { type: 8, data: { choices: [] } } })),
    // 200, ephemeral: not a command we know.
    set('data', 6, (p) => { p.data = any([null, 0, '', 'x', [], {}, true, [null], { id: 5 }])(); }, () => UNKNOWN_COMMAND),
    set('data', 6, (p) => { p.data.name = any([null, 5, '', 'Ship', 'ship ', 'shipx'])(); }, () => UNKNOWN_COMMAND),
    // 200, ephemeral: not used in a server by a member.
    set('guild', 7, (p) => { p.guild_id = notSnowflake(); }, () => NOT_IN_GUILD),
    set('guild', 7, (p) => { delete p.guild_id; }, () => NOT_IN_GUILD),
    set('member', 7, (p) => { p.member = any([null, 0, '', 'x', [], {}, true])(); }, () => NOT_IN_GUILD),
    set('member', 7, (p) => { p.member.user = any([null, 0, '', 'x', [], {}, { id: 5 }, true])(); }, () => NOT_IN_GUILD),
    set('member', 7, (p) => { p.member.user.id = any([null, 0, '', 'x', 1.5, [], '12345678901234567890123'])(); }, () => NOT_IN_GUILD),
    set('member', 7, (p) => { delete p.member; p.user = { id: '1100000000000000004', username: 'maker' }; }, () => NOT_IN_GUILD),
    // 200, ephemeral: no usable product text.
    set('product', 8, (p) => { p.data.options = any([null, 0, '', 'x', {}, true, [], [null], [{ id: 5 }]])(); }, () => TOO_SHORT),
    set('product', 8, (p) => { p.data.options[0] = any([null, 0, '', 'x', [], {}, true])(); }, () => TOO_SHORT),
    set('product', 8, (p) => { p.data.options[0].type = any([null, 0, '', '3', 1.5, 6])(); }, () => TOO_SHORT),
    set('product', 8, (p) => { p.data.options[0].value = any([null, 0, 1.5, [], {}, true, '', 'x', '  y  '])(); }, () => TOO_SHORT),
    set('product', 8, (p) => { p.data.options[0].value = 'z'.repeat(101 + int(50)); },
      (p) => ephemeralAnswer(`That is ${p.data.options[0].value.length} characters; /ship takes at most 100. Please shorten it. Nothing was saved.`)),
    // 200, public confirmation (and a row): changes that do not stop a launch.
    set('product', 9, (p) => { p.data.options[0].value = `Renamed ${int(1000)}`; }),
    set('channel', 9, (p) => { p.channel_id = notSnowflake(); }),
    set('locale', 9, (p) => { p.locale = notSnowflake(); }),
    set('resolved', 9, (p) => { p.data.resolved = notSnowflake(); }),
    set('user', 9, (p) => { p.member.user.id = '1100000000000000009'; }),
    set('nick', 9, (p) => { p.member.nick = any([...NOT_TEXT, 'x', 'Nick 7'])(); }),
    set('global_name', 9, (p) => { p.member.user.global_name = any(NOT_TEXT)(); }),
    set('username', 9, (p) => { p.member.user.global_name = null; p.member.user.username = any([...NOT_TEXT, 'other'])(); }),
  ];
}

test('validly signed /ship payloads with fuzzed fields: each gets exactly its answer (400 or 200), a row exactly for each confirmation', { timeout: 60_000 }, async () => {
  const rand = mulberry32(SEED + 1);
  const int = (n: number) => Math.floor(rand() * n);
  const all = mutations(int);
  const decisive = all.filter((m) => m.expect);
  const harmless = all.filter((m) => !m.expect);
  const rowsBefore = await launchCount(db.pool);
  const confirmed: string[] = [];
  const tally = new Map<string, number>();
  for (let i = 0; i < 400; i++) {
    const p = commandPayload({ name: 'ship', options: [{ name: 'product', type: 3, value: `Fuzz ${i}` }] }) as Payload;
    // Both classes on purpose: every other payload gets one change that must be refused or
    // answered privately; every payload gets up to two that must not matter. Harmless ones first,
    // so a decisive change of a parent (member, data) replaces what they touched.
    const chosen: Mutation[] = [];
    for (let n = int(3); n > 0; n--) {
      const m = harmless[int(harmless.length)]!;
      if (!chosen.some((c) => c.slot === m.slot)) chosen.push(m);
    }
    if (i % 2 === 0) chosen.push(decisive[int(decisive.length)]!);
    for (const m of chosen) m.apply(p);
    const first = chosen.filter((m) => m.expect).sort((a, b) => a.rank - b.rank)[0];
    const expected = first ? first.expect!(p) : confirmation(p);
    const body = JSON.stringify(p);
    const r = await signedPost(web, body);
    const what = `payload ${i} (${chosen.map((m) => m.slot).join('+') || 'unchanged'}): ${body.slice(0, 300)}`;
    assert.equal(r.status, expected.status, what);
    if (expected.status === 400) assert.equal(r.text, expected.text, what);
    else assert.deepEqual(r.json, expected.json, what);
    if (!first) confirmed.push(p.id as string);
    const key = expected.status === 400 ? '400' : first ? '200 ephemeral' : '200 confirmed';
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  console.log(`# fuzzed /ship payloads: ${[...tally.entries()].map(([k, n]) => `${k}×${n}`).join(', ')}`);
  for (const key of ['400', '200 ephemeral', '200 confirmed']) assert.ok((tally.get(key) ?? 0) >= 40, `at least 40 of ${key}`);
  assert.equal(await launchCount(db.pool) - rowsBefore, confirmed.length);
  const { rows } = await db.pool.query<{ id: string }>('SELECT interaction_id::text AS id FROM launches WHERE interaction_id = ANY($1::bigint[])', [confirmed]);
  assert.deepEqual(rows.map((r) => r.id).sort(), [...confirmed].sort(), 'a row for each confirmation');
  assert.ok(!web.logs.some((l) => l.startsWith('<3>http.unexpected_error')));
});
