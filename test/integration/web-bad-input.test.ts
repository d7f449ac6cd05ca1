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
import {
  APP_ID, commandPayload, destroyAgent, launchCount, nowSec, rawExchange, request, sign, signedPost, startWeb, type HttpReply, type Web,
} from './web-harness.js';

const SEED = 0x5eed_2026;
const ROUNDS = Number(process.env.STORM_ROUNDS ?? 150); // × 20 request kinds ≈ 3000 requests

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
  const port = Number(new URL(web.base).port);

  const kinds: Record<string, () => Case> = {
    'sig: one nibble changed': () => ({ kind: 'sig-nibble', expect: 401, send: () => {
      const b = base(); const h = signed(b); const i = int(128); const old = parseInt(h['x-signature-ed25519'][i]!, 16);
      const sig = h['x-signature-ed25519'].slice(0, i) + hex[(old + 1 + int(15)) % 16] + h['x-signature-ed25519'].slice(i + 1);
      return post(b, { ...h, 'x-signature-ed25519': sig });
    } }),
    'sig: random hex': () => ({ kind: 'sig-random', expect: 401, send: () => { const b = base(); return post(b, { ...signed(b), 'x-signature-ed25519': randomHex(128) }); } }),
    'sig: wrong length or alphabet': () => ({ kind: 'sig-format', expect: 401, send: () => {
      const b = base(); const h = signed(b); const s = h['x-signature-ed25519'];
      const bad = pick([s.slice(0, int(128)), s + randomHex(1 + int(4)), randomText(128), s.slice(0, 126) + 'zz', s.replace(/[0-9]/, 'x'), `0x${s.slice(2)}`]);
      return post(b, { ...h, 'x-signature-ed25519': bad });
    } }),
    'body: one byte changed': () => ({ kind: 'body-byte', expect: 401, send: () => {
      const b = Buffer.from(base()); const h = signed(b); const i = int(b.length); b[i] = (b[i]! + 1 + int(255)) % 256;
      return post(b, h);
    } }),
    'body: truncated': () => ({ kind: 'body-truncated', expect: 401, send: () => { const b = base(); return post(b.slice(0, int(b.length)), signed(b)); } }),
    'body: appended': () => ({ kind: 'body-appended', expect: 401, send: () => { const b = base(); return post(b + pick([' ', '\n', '}', randomText(1 + int(20))]), signed(b)); } }),
    'ts: shifted': () => ({ kind: 'ts-shifted', expect: 401, send: () => {
      const b = base(); const h = signed(b); const delta = (1 + int(400)) * (rand() < 0.5 ? -1 : 1);
      return post(b, { ...h, 'x-signature-timestamp': String(Number(h['x-signature-timestamp']) + delta) });
    } }),
    'ts: stale but correctly signed': () => ({ kind: 'ts-stale', expect: 401, send: () => {
      const b = base(); const ts = String(Number(nowSec()) + (301 + int(100_000)) * (rand() < 0.5 ? -1 : 1)); return post(b, signed(b, ts));
    } }),
    'ts: garbage': () => ({ kind: 'ts-garbage', expect: 401, send: () => {
      const b = base(); const h = signed(b); return post(b, { ...h, 'x-signature-timestamp': pick(['', '-1', '1e9', randomText(1 + int(12)), `${h['x-signature-timestamp']}.0`, '9'.repeat(13)]) });
    } }),
    'headers: missing': () => ({ kind: 'headers-missing', expect: 401, send: () => {
      const b = base(); const h: Record<string, string> = signed(b); const drop = pick([['x-signature-ed25519'], ['x-signature-timestamp'], ['x-signature-ed25519', 'x-signature-timestamp']]);
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
      const b = JSON.stringify({ ...commandPayload({ name: 'ship' }), type: pick([0, 3, 4, 5, 6, 42, -1, 2 ** 31]) }); return post(b, signed(b));
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
  assert.ok(cases.length >= 2500);
  assert.equal(await launchCount(db.pool), rowsBefore, 'nothing was written');
  const pong = await signedPost(web, JSON.stringify({ id: '1311111111111111111', application_id: APP_ID, type: 1, token: 't', version: 1 }));
  assert.equal(pong.status, 200);
  assert.deepEqual(pong.json, { type: 1 });
  assert.ok(!web.logs.some((l) => l.startsWith('<3>')), 'no error-level log lines');
});

test('validly signed /ship payloads with fuzzed fields: never a 5xx; a row exists exactly for each public confirmation', { timeout: 60_000 }, async () => {
  const rand = mulberry32(SEED + 1);
  const int = (n: number) => Math.floor(rand() * n);
  const junk = (): unknown => [null, 0, -1, 1.5, '', 'x', '12345678901234567890123', [], {}, [null], { id: 5 }, true, '1100000000000000009'][int(13)];
  const mutations: ((p: Record<string, any>) => void)[] = [
    (p) => { p.guild_id = junk(); },
    (p) => { p.channel_id = junk(); },
    (p) => { p.member = junk(); },
    (p) => { p.member.user = junk(); },
    (p) => { p.member.user.id = junk(); },
    (p) => { p.member.nick = junk(); },
    (p) => { p.member.user.global_name = junk(); },
    (p) => { p.data = junk(); },
    (p) => { p.data.options = junk(); },
    (p) => { p.data.options[0] = junk(); },
    (p) => { p.data.options[0].value = junk(); },
    (p) => { p.data.options[0].type = junk(); },
    (p) => { p.data.resolved = junk(); },
    (p) => { p.locale = junk(); },
    (p) => { delete p.member; p.user = junk(); },
  ];
  const rowsBefore = await launchCount(db.pool);
  let confirmations = 0;
  const statuses = new Map<number, number>();
  for (let i = 0; i < 400; i++) {
    const p = commandPayload({ name: 'ship', options: [{ name: 'product', type: 3, value: `Fuzz ${i}` }] }) as Record<string, any>;
    for (let m = 0; m < 1 + int(2); m++) { try { pick(mutations)(p); } catch { /* the parent was already replaced by junk */ } }
    const r = await signedPost(web, JSON.stringify(p));
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    assert.ok(r.status === 200 || r.status === 400, `status ${r.status} for ${JSON.stringify(p).slice(0, 200)}`);
    const body = r.json as { type: number; data?: { flags?: number; content: string } } | undefined;
    if (r.status === 200 && body?.type === 4 && body.data?.flags === undefined) confirmations++;
  }
  function pick<T>(xs: readonly T[]): T { return xs[int(xs.length)]!; }
  console.log(`# fuzzed /ship payloads: ${[...statuses.entries()].map(([s, n]) => `${s}×${n}`).join(' ')}; ${confirmations} public confirmations`);
  assert.equal(await launchCount(db.pool) - rowsBefore, confirmations);
  assert.ok(!web.logs.some((l) => l.startsWith('<3>http.unexpected_error')));
});
