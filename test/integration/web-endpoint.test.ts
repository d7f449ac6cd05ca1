// The interactions endpoint over real HTTP: verification (docs/interactions.md §7 items 1–10, 18–20),
// status mapping, /healthz. Requests are signed with tweetnacl, the server verifies with node:crypto.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { APP_ID, commandPayload, launchCount, nowSec, rawExchange, request, sign, signedPost, startWeb, type Web, openWebFixture, closeWebFixture } from './web-harness.js';
import type { TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
let web: Web;
const ping = () => JSON.stringify({ id: '1311111111111111111', application_id: APP_ID, type: 1, token: 'tok', version: 1 });

before(async () => { ({ db, web } = await openWebFixture()); });
after(() => closeWebFixture(web, db));

describe('verification', () => {
  test('1: a valid PING gets 200 application/json {"type":1}', async () => {
    const r = await signedPost(web, ping());
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    assert.deepEqual(r.json, { type: 1 });
  });

  test('2: a PING with a wrong signature gets 401, never a PONG', async () => {
    const body = ping();
    const ts = nowSec();
    const sig = sign(web.secretKey, ts, body);
    const flipped = (sig[0] === '0' ? '1' : '0') + sig.slice(1);
    const r = await request(web.url, { body, headers: { 'content-type': 'application/json', 'x-signature-ed25519': flipped, 'x-signature-timestamp': ts } });
    assert.equal(r.status, 401);
    assert.notDeepEqual(r.json, { type: 1 });
  });

  test('3: missing signature or timestamp header → 401, nothing stored', async () => {
    const body = JSON.stringify(commandPayload({ name: 'ship', options: [{ name: 'product', type: 3, value: 'Thing v1' }] }));
    const ts = nowSec();
    const sig = sign(web.secretKey, ts, body);
    const before = await launchCount(db.pool);
    const a = await request(web.url, { body, headers: { 'content-type': 'application/json', 'x-signature-timestamp': ts } });
    const b = await request(web.url, { body, headers: { 'content-type': 'application/json', 'x-signature-ed25519': sig } });
    const c = await request(web.url, { body, headers: { 'content-type': 'application/json' } });
    assert.deepEqual([a.status, b.status, c.status], [401, 401, 401]);
    assert.equal(await launchCount(db.pool), before);
  });

  test('4: signatures that are not exactly 128 hex characters → 401', async () => {
    const body = ping();
    const ts = nowSec();
    const good = sign(web.secretKey, ts, body);
    for (const bad of ['zz' + good.slice(2), good.slice(0, 127), good + 'ab', '', good.slice(0, 126) + 'g0', ' ' + good.slice(1), good.toUpperCase().slice(0, 127) + 'G']) {
      const r = await request(web.url, { body, headers: { 'content-type': 'application/json', 'x-signature-ed25519': bad, 'x-signature-timestamp': ts } });
      assert.equal(r.status, 401, `signature ${JSON.stringify(bad.slice(0, 8))}… (${bad.length} chars)`);
    }
    // Upper-case hex is still hex: accepted.
    const upper = await request(web.url, { body, headers: { 'content-type': 'application/json', 'x-signature-ed25519': good.toUpperCase(), 'x-signature-timestamp': ts } });
    assert.equal(upper.status, 200);
  });

  test('5: one changed body byte, or another timestamp with the same signature → 401', async () => {
    const body = ping();
    const ts = nowSec();
    const sig = sign(web.secretKey, ts, body);
    const tampered = body.replace('"type":1', '"type":1 ');
    const headers = { 'content-type': 'application/json', 'x-signature-ed25519': sig };
    assert.equal((await request(web.url, { body: tampered, headers: { ...headers, 'x-signature-timestamp': ts } })).status, 401);
    assert.equal((await request(web.url, { body, headers: { ...headers, 'x-signature-timestamp': String(Number(ts) - 1) } })).status, 401);
    assert.equal((await request(web.url, { body, headers: { ...headers, 'x-signature-timestamp': ts } })).status, 200);
  });

  test('6: verification uses the raw bytes (non-ASCII, odd whitespace, key order); a re-serialised copy → 401', async () => {
    const raw = `{ "version":1,\t"type" : 1 ,"token":"t","application_id":"${APP_ID}",\n "id":"1311111111111111112", "note":"é 🚀 \\u00e9" }`;
    const ts = nowSec();
    const sig = sign(web.secretKey, ts, raw);
    const ok = await request(web.url, { body: Buffer.from(raw, 'utf8'), headers: { 'content-type': 'application/json', 'x-signature-ed25519': sig, 'x-signature-timestamp': ts } });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json, { type: 1 });
    const reserialised = JSON.stringify(JSON.parse(raw));
    const bad = await request(web.url, { body: reserialised, headers: { 'content-type': 'application/json', 'x-signature-ed25519': sig, 'x-signature-timestamp': ts } });
    assert.equal(bad.status, 401);
  });

  test('7: timestamps more than 300 s old or ahead → 401; within ±300 s accepted', async () => {
    const now = Number(nowSec());
    for (const [offset, status] of [[-302, 401], [302, 401], [-3600, 401], [-290, 200], [290, 200], [0, 200]] as const) {
      const r = await signedPost(web, ping(), { timestamp: String(now + offset) });
      assert.equal(r.status, status, `offset ${offset}s`);
    }
    for (const ts of ['', '-5', '1.5', `${now}x`, '1'.repeat(13), ` ${now}`]) {
      const r = await signedPost(web, ping(), { timestamp: ts });
      assert.equal(r.status, 401, `timestamp ${JSON.stringify(ts)}`);
    }
  });
});

describe('body limits and routing', () => {
  test('8a: Content-Length above 128 KiB → 413 before the body is read', async () => {
    const port = new URL(web.base).port;
    const r = await rawExchange(Number(port), [
      `POST /api/discord/interact HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${128 * 1024 + 1}\r\n\r\n`,
    ]);
    assert.match(r.text, /^HTTP\/1\.1 413 /);
    assert.equal(r.closed, true, 'server closes the connection instead of draining the body');
  });

  test('8b: a chunked body passing 128 KiB → 413, readable although the client sent it all first; the server keeps serving', async () => {
    const port = Number(new URL(web.base).port);
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    const parts: (string | Buffer)[] = ['POST /api/discord/interact HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'];
    for (let i = 0; i < 10; i++) parts.push(`${chunk.length.toString(16)}\r\n`, chunk, '\r\n');
    const r = await rawExchange(port, parts);
    assert.match(r.text, /^HTTP\/1\.1 413 /, `got ${JSON.stringify(r.text.slice(0, 40))}`);
    assert.equal(r.closed, true, 'the connection is closed after the answer');
    assert.equal((await signedPost(web, ping())).status, 200);
  });

  test('8c: exactly 128 KiB is allowed through to verification (401 unsigned)', async () => {
    const body = Buffer.alloc(128 * 1024, 0x20);
    const r = await request(web.url, { body, headers: { 'content-type': 'application/json', 'x-signature-ed25519': 'a'.repeat(128), 'x-signature-timestamp': nowSec() } });
    assert.equal(r.status, 401);
  });

  test('9: other methods → 405 with Allow: POST; unknown paths → 404; neither reaches verification', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const r = await request(web.url, { method });
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.allow, 'POST');
    }
    for (const path of ['/', '/api/discord/interact/', '/api/discord', '/interactions', '/healthz/x']) {
      const r = await signedPost({ ...web, url: web.base + path }, ping());
      assert.equal(r.status, 404, path);
    }
    const verifyLogs = web.logs.filter((l) => l.includes('interaction.rejected')).length;
    await request(web.url, { method: 'GET' });
    assert.equal(web.logs.filter((l) => l.includes('interaction.rejected')).length, verifyLogs);
  });

  test('10: verified non-JSON → 400; verified JSON for another application → 400; no writes', async () => {
    const before = await launchCount(db.pool);
    assert.equal((await signedPost(web, '{"type":1,')).status, 400);
    assert.equal((await signedPost(web, '')).status, 400);
    assert.equal((await signedPost(web, '[1,2]')).status, 400);
    assert.equal((await signedPost(web, 'null')).status, 400);
    const other = commandPayload({ name: 'ship', applicationId: '1399999999999999999', options: [{ name: 'product', type: 3, value: 'Other app' }] });
    assert.equal((await signedPost(web, JSON.stringify(other))).status, 400);
    assert.equal(await launchCount(db.pool), before);
  });

  test('verified but not application/json → 415; unsigned with any content type → 401', async () => {
    const body = ping();
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp', 'multipart/form-data']) {
      assert.equal((await signedPost(web, body, { headers: { 'content-type': ct } })).status, 415, ct);
      const unsigned = await request(web.url, { body, headers: { 'content-type': ct, 'x-signature-ed25519': '0'.repeat(128), 'x-signature-timestamp': nowSec() } });
      assert.equal(unsigned.status, 401, ct);
    }
    assert.equal((await signedPost(web, body, { headers: { 'content-type': 'application/json; charset=utf-8' } })).status, 200);
  });

  test('18: unhandled interaction types → 400; an unknown command → 200 ephemeral type 4', async () => {
    for (const type of [3, 5, 99]) {
      const body = JSON.stringify({ ...commandPayload({ name: 'ship' }), type });
      const r = await signedPost(web, body);
      assert.equal(r.status, 400, `type ${type}`);
    }
    // AUTOCOMPLETE (4) is handled (docs/interactions.md §2.7): a command without suggestions gets none.
    const ac = await signedPost(web, JSON.stringify({ ...commandPayload({ name: 'ship' }), type: 4 }));
    assert.equal(ac.status, 200);
    assert.deepEqual(ac.json, { type: 8, data: { choices: [] } });
    const r = await signedPost(web, JSON.stringify(commandPayload({ name: 'deploy' })));
    assert.equal(r.status, 200);
    const body = r.json as { type: number; data: { flags: number; content: string; allowed_mentions: unknown } };
    assert.equal(body.type, 4);
    assert.equal(body.data.flags, 64);
    assert.deepEqual(body.data.allowed_mentions, { parse: [] });
    assert.match(body.data.content, /does not know that command/);
  });

  test('19: every verified 200 is application/json with type 1, 4 or 5', async () => {
    const bodies = [ping(), JSON.stringify(commandPayload({ name: 'leaderboard' })), JSON.stringify(commandPayload({ name: 'nope' })),
      JSON.stringify(commandPayload({ name: 'profile' })), JSON.stringify(commandPayload({ name: 'ship', dm: true }))];
    for (const b of bodies) {
      const r = await signedPost(web, b);
      assert.equal(r.status, 200);
      assert.match(String(r.headers['content-type']), /^application\/json/);
      assert.ok([1, 4, 5].includes((r.json as { type: number }).type));
    }
  });
});

describe('healthz and load', () => {
  test('GET /healthz → 200 {ok, db, version}; POST → 405 Allow: GET, HEAD', async () => {
    const r = await request(web.base + '/healthz', { method: 'GET' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { ok: true, db: 'ok', version: '0.1.0-test' });
    const head = await request(web.base + '/healthz', { method: 'HEAD' });
    assert.equal(head.status, 200);
    const post = await request(web.base + '/healthz', { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
  });

  test('/healthz → 503 when the database does not answer', async (t) => {
    const down = await startWeb({ db: { query: () => Promise.reject(new Error('connect ECONNREFUSED')) } });
    t.after(() => down.close());
    const r = await request(down.base + '/healthz', { method: 'GET' });
    assert.equal(r.status, 503);
    assert.deepEqual(r.json, { ok: false, db: 'unreachable', version: '0.1.0-test' });
    const stalled = await startWeb({ db: { query: () => new Promise(() => {}) } });
    t.after(() => stalled.close());
    const s = await request(stalled.base + '/healthz', { method: 'GET' });
    assert.equal(s.status, 503);
  });

  // Latency under load is measured by test/bench/interactions.ts, never asserted here.
  test('20: 200 concurrent signed requests all answered correctly', async () => {
    const bodies = Array.from({ length: 200 }, (_, n) => n % 2 ? ping() : JSON.stringify(commandPayload({ name: 'leaderboard' })));
    // Sign everything first: tweetnacl takes milliseconds per signature, and the server shares this event loop.
    const ts = nowSec();
    const signed = bodies.map((body) => ({ body, headers: { 'content-type': 'application/json', 'x-signature-ed25519': sign(web.secretKey, ts, body), 'x-signature-timestamp': ts } }));
    // A fresh agent: signing blocks this event loop (the server's too) for seconds on a loaded
    // machine, long enough for keep-alive sockets earlier tests left idle to pass the server's 5 s
    // keep-alive timeout; reusing one as the server closes it is the client-side keep-alive race
    // (ECONNRESET), not the server's answer.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const replies = await Promise.all(signed.map((r) => request(web.url, { ...r, agent }))).finally(() => agent.destroy());
    assert.ok(replies.every((r) => r.status === 200), `statuses ${[...new Set(replies.map((r) => r.status))]}`);
    replies.forEach((r, n) => assert.equal((r.json as { type: number }).type, n % 2 ? 1 : 4, `reply ${n}`));
  });
});
