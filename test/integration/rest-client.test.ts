// The REST client against the fake Discord API over real sockets (docs/interactions.md §7 items 23-32).
// Waits run on a ManualClock shared with the fake; `settle()` waits for real I/O to go quiet.
import { test as nodeTest, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '../helpers/clock.js';
import { createLogger } from '../../src/log.js';
import { startFakeDiscord } from '../../src/fake-discord/index.js';
import { DiscordApiError, RestClient, type RestClientOptions } from '../../src/discord/rest/client.js';
import { nodeHttpTransport, type Transport } from '../../src/discord/rest/transport.js';
import { addReaction, createMessage, editOriginalResponse, getGatewayBot, listMessagesAfter, putCommands } from '../../src/discord/rest/api.js';

// A bound per test: a regression shows up as a failure within seconds, not as a hung run.
const test = (name: string, fn: (t: TestContext) => Promise<void>) => nodeTest(name, { timeout: 20_000 }, fn);

async function setup(t: TestContext, opts: Partial<RestClientOptions> = {}) {
  const clock = new ManualClock();
  const fake = await startFakeDiscord({ clock });
  t.after(() => fake.close());
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', write: (l) => lines.push(l) });
  let inflight = 0;
  const perPath = new Map<string, number>();
  let maxPerPath = 0;
  const sends: { at: number; method: string; path: string }[] = [];
  // The production transport, wrapped to see what is in flight and when (on the manual clock) it
  // was sent; it resolves only once the whole body has been read.
  const real = nodeHttpTransport();
  t.after(() => real.destroy());
  const transport: Transport = async (url, init) => {
    const path = new URL(url).pathname;
    inflight++;
    perPath.set(path, (perPath.get(path) ?? 0) + 1);
    maxPerPath = Math.max(maxPerPath, perPath.get(path)!);
    sends.push({ at: clock.now(), method: init.method, path });
    try {
      return await real.send(url, init);
    } finally {
      inflight--;
      perPath.set(path, perPath.get(path)! - 1);
    }
  };
  const rest = new RestClient({ baseUrl: fake.apiBase, token: fake.botToken, clock, log, transport, ...opts });
  t.after(() => rest.destroy());
  /** Resolves once nothing is in flight for a few event-loop turns (all further progress needs the clock). */
  const settle = async () => {
    for (let idle = 0; idle < 5;) {
      await new Promise((r) => setImmediate(r));
      idle = inflight === 0 ? idle + 1 : 0;
    }
  };
  /** Settles and advances the clock in `stepMs` steps until `p` is done. */
  const drive = async <T>(p: Promise<T>, stepMs = 50): Promise<T> => {
    let done = false;
    p.then(() => { done = true; }, () => { done = true; });
    for (;;) {
      await settle();
      if (done) return p;
      clock.advance(stepMs);
    }
  };
  /** Asserts that `p` has already settled without any clock movement, then returns it. */
  const settled = async <T>(p: Promise<T>): Promise<T> => {
    let done = false;
    p.then(() => { done = true; }, () => { done = true; });
    await settle();
    assert.ok(done, 'expected the request to have settled without advancing the clock');
    return p;
  };
  const ch = fake.channels;
  const posts = (channelId: string) => fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/channels/${channelId}/messages`));
  return { clock, fake, rest, lines, sends, settle, settled, drive, ch, posts, maxPerPath: () => maxPerPath };
}

test('23: every request uses /api/v10, Bot auth, a DiscordBot UA and JSON content type; allowed_mentions defaults to parse:[]', async (t) => {
  const { fake, rest, ch, drive, sends } = await setup(t);
  const msg = await drive(createMessage(rest, ch.shipped, { content: 'hi <@1100000000000000000>' }));
  await drive(addReaction(rest, ch.shipped, msg.id));
  await drive(listMessagesAfter(rest, ch.shipped, '0', 10));
  await drive(getGatewayBot(rest));
  await drive(putCommands(rest, fake.applicationId, undefined, [{ name: 'leaderboard', type: 1, description: 'Top shippers' }]));
  assert.equal(fake.requests.length, 5);
  assert.deepEqual(sends.map((s) => s.path.slice(0, 8)), Array(5).fill('/api/v10'));
  for (const r of fake.requests) {
    assert.equal(r.headers['authorization'], `Bot ${fake.botToken}`);
    assert.match(String(r.headers['user-agent']), /^DiscordBot \(.+, .+\)$/);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.ok(r.status < 300, `${r.method} ${r.path} → ${r.status}`);
  }
  assert.deepEqual((fake.requests[0]!.body as { allowed_mentions: unknown }).allowed_mentions, { parse: [] });
  assert.deepEqual(fake.reactionPuts().map((p) => p.emoji), ['🚀']);
  assert.equal(rest.stats.requests, 5);
});

test('interaction-token webhook: no Authorization header, token absent from logs and errors, a 404 token is never reused', async (t) => {
  const { fake, rest, lines, drive, settled } = await setup(t);
  const token = 'aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OTpub3RhcmVhbHRva2Vu';
  const err = await drive(editOriginalResponse(rest, fake.applicationId, token, { content: 'done' })).catch((e: unknown) => e);
  assert.ok(err instanceof DiscordApiError, String(err));
  assert.equal(err.status, 404);
  assert.equal(err.route, '/webhooks/:webhook_id/:webhook_token/messages/@original');
  assert.ok(!err.message.includes(token));
  const req = fake.requests.at(-1)!;
  assert.equal(req.headers['authorization'], undefined);
  assert.deepEqual((req.body as { allowed_mentions: unknown }).allowed_mentions, { parse: [] });
  await assert.rejects(settled(editOriginalResponse(rest, fake.applicationId, token, { content: 'again' })), { code: 'REST_TOKEN_REJECTED' });
  assert.equal(fake.requests.length, 1);
  assert.ok(lines.length > 0);
  for (const l of lines) assert.ok(!l.includes(token) && !l.includes(fake.botToken), l);
});

test('25: requests to one channel are sequential; different channels overlap', async (t) => {
  const { rest, ch, drive, maxPerPath } = await setup(t);
  const all = Promise.all([1, 2, 3, 4, 5].map((i) => createMessage(rest, ch.shipped, { content: `part ${i}`, nonce: `n${i}`, enforce_nonce: true })));
  const sent = await drive(all);
  assert.deepEqual(sent.map((m) => m.content), ['part 1', 'part 2', 'part 3', 'part 4', 'part 5']);
  assert.equal(maxPerPath(), 1);
});

test('28: Remaining 0 + Reset-After 1.5 s delays the next request on that bucket only', async (t) => {
  const { clock, fake, rest, ch, settle, posts, lines, settled } = await setup(t);
  fake.rest.setBucket('POST /channels/:id/messages', 1, 1.5);
  await settle();
  const first = createMessage(rest, ch.shipped, { content: 'one' });
  await settled(first);
  const t0 = posts(ch.shipped)[0]!.at;
  const second = createMessage(rest, ch.shipped, { content: 'two' });
  const other = createMessage(rest, ch.announcements, { content: 'elsewhere' });
  await settle();
  assert.equal((await settled(other)).content, 'elsewhere'); // a different channel is not delayed
  assert.equal(posts(ch.shipped).length, 1);
  clock.advance(1499);
  await settle();
  assert.equal(posts(ch.shipped).length, 1, 'sent before Reset-After elapsed');
  clock.advance(51); // reset + the 50 ms offset
  await settle();
  assert.equal((await settled(second)).content, 'two');
  assert.ok(posts(ch.shipped)[1]!.at - t0 >= 1500);
  assert.ok(lines.some((l) => l.includes('rest.waiting') && l.includes('reason=bucket')));
});

test('29: route 429 waits max(Retry-After, retry_after) then retries the same request', async (t) => {
  const { clock, fake, rest, ch, settle, posts, lines, settled } = await setup(t);
  fake.rest.script({ method: 'POST', path: /\/messages$/, status: 429, retryAfterSec: 1.2, headers: { 'retry-after': '2' } });
  const p = createMessage(rest, ch.shipped, { content: 'limited', nonce: 'dg-1', enforce_nonce: true });
  await settle();
  assert.equal(posts(ch.shipped).length, 1);
  clock.advance(1999);
  await settle();
  assert.equal(posts(ch.shipped).length, 1, 'retried before Retry-After');
  clock.advance(51);
  await settle();
  assert.equal((await settled(p)).content, 'limited');
  const [a, b] = posts(ch.shipped);
  assert.equal(a!.status, 429);
  assert.ok(b!.at - a!.at >= 2000);
  assert.equal((b!.body as { nonce: string }).nonce, 'dg-1');
  assert.equal(rest.stats.rateLimited, 1);
  assert.ok(lines.some((l) => /rest\.rate_limited route="POST \/channels\/:channel_id\/messages" retry_after=2 scope=user/.test(l)), lines.join('\n'));
});

test('29: a global 429 pauses other bot routes too (interaction-token routes are exempt)', async (t) => {
  const { clock, fake, rest, ch, settle, posts, lines, settled } = await setup(t);
  fake.rest.script({ method: 'GET', path: /\/gateway\/bot$/, status: 429, retryAfterSec: 1, global: true });
  const gw = getGatewayBot(rest);
  await settle();
  const msg = createMessage(rest, ch.general, { content: 'waits for the global pause' });
  await settle();
  assert.equal(posts(ch.general).length, 0, 'another route was sent during a global pause');
  // Interaction-token routes are not bound by the bot's global limit (rate-limits.mdx), so they go now.
  const token = 'aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OTpub3RhcmVhbHRva2Vu';
  await assert.rejects(settled(editOriginalResponse(rest, fake.applicationId, token, { content: 'x' })), { status: 404 });
  clock.advance(1049);
  await settle();
  assert.equal(posts(ch.general).length, 0);
  clock.advance(1);
  await settle();
  await settled(Promise.all([gw, msg]));
  assert.equal(posts(ch.general).length, 1);
  assert.ok(lines.some((l) => l.includes('rest.rate_limited') && l.includes('scope=global')));
});

test('30: 120 queued bot requests never put more than 50 arrivals into any 1 s window', async (t) => {
  const { clock, fake, rest, ch, drive } = await setup(t);
  fake.rest.setBucket('GET /channels/:id/messages', 1000, 1); // only the global cap may bind
  const ids = [ch.shipped, ch.announcements, ch.general];
  const all = Promise.all(Array.from({ length: 120 }, (_, i) => listMessagesAfter(rest, ids[i % 3]!, '0', 1)));
  await drive(all, 100);
  const at = fake.requests.map((r) => r.at).sort((x, y) => x - y);
  assert.equal(at.length, 120);
  let max = 0;
  for (let i = 0; i < at.length; i++) {
    let j = i;
    while (j < at.length && at[j]! < at[i]! + 1000) j++;
    max = Math.max(max, j - i);
  }
  assert.equal(max, 50); // the cap binds exactly
  assert.ok(clock.now() - at[0]! >= 2000);
});

test('31: 5xx is retried 3 times with increasing delay, then surfaces; the retry keeps the nonce', async (t) => {
  const { fake, rest, ch, drive, posts } = await setup(t);
  fake.rest.script({ method: 'POST', path: /\/messages$/, status: 502, times: 4 });
  const err = await drive(createMessage(rest, ch.shipped, { content: 'x', nonce: 'dg-2024w48-p1', enforce_nonce: true })).catch((e: unknown) => e);
  assert.ok(err instanceof DiscordApiError, String(err));
  assert.equal(err.code, 'REST_HTTP_ERROR');
  assert.equal(err.status, 502);
  assert.equal(err.method, 'POST');
  assert.equal(err.route, '/channels/:channel_id/messages');
  const tries = posts(ch.shipped);
  assert.equal(tries.length, 4);
  const gaps = tries.slice(1).map((r, i) => r.at - tries[i]!.at);
  assert.ok(gaps[0]! >= 500 && gaps[0]! < gaps[1]! && gaps[1]! < gaps[2]!, `gaps ${gaps.join(',')}`);
  assert.ok(tries.every((r) => (r.body as { nonce: string }).nonce === 'dg-2024w48-p1'));
  assert.equal(rest.stats.retries, 3);
  fake.rest.script({ method: 'POST', path: /\/messages$/, status: 503 });
  assert.equal((await drive(createMessage(rest, ch.shipped, { content: 'y', nonce: 'dg-p2', enforce_nonce: true }))).content, 'y');
  assert.equal(fake.botMessages(ch.shipped).length, 1);
});

test('31: 400, 403 and 404 are not retried and carry Discord\'s code', async (t) => {
  const { fake, rest, ch, drive, posts } = await setup(t);
  const cases = [
    { status: 400, body: { code: 50035, message: 'Invalid Form Body', errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } } },
    { status: 403, body: { code: 50013, message: 'Missing Permissions' } },
    { status: 404, body: { code: 10003, message: 'Unknown Channel' } },
  ];
  for (const [i, c] of cases.entries()) {
    fake.rest.script({ method: 'POST', path: /\/messages$/, status: c.status, body: c.body });
    const err = await drive(createMessage(rest, ch.shipped, { content: 'z' })).catch((e: unknown) => e);
    assert.ok(err instanceof DiscordApiError);
    assert.equal(err.status, c.status);
    assert.equal(err.discordCode, c.body.code);
    assert.equal(posts(ch.shipped).length, i + 1, `status ${c.status} was retried`);
  }
  assert.equal(rest.stats.retries, 0);
  assert.equal(rest.stats.invalidRequests, 1); // only the 403
});

test('31: after a 401 the client sends no further bot-authenticated requests', async (t) => {
  const { fake, rest, ch, drive, lines, settled } = await setup(t);
  fake.rest.script({ status: 401, body: { message: '401: Unauthorized', code: 0 } });
  await assert.rejects(drive(getGatewayBot(rest)), { code: 'REST_HTTP_ERROR', status: 401 });
  await assert.rejects(settled(createMessage(rest, ch.shipped, { content: 'never sent' })), { code: 'REST_TOKEN_REJECTED' });
  assert.equal(fake.requests.length, 1);
  assert.ok(lines.some((l) => l.includes('rest.token_rejected')));
});

test('network drop and timeout are retried; a persistent timeout is REST_TIMEOUT', async (t) => {
  const { clock, fake, rest, ch, drive, settle, sends, settled } = await setup(t, { maxRetries: 1, timeoutMs: 5000 });
  fake.rest.script({ method: 'POST', path: /\/messages$/, status: 0 });
  assert.equal((await drive(createMessage(rest, ch.shipped, { content: 'after drop' }))).content, 'after drop');
  assert.equal(rest.stats.retries, 1);
  // The fake's delay is real time (300 ms); the client's 5 s timeout fires first, on the manual clock.
  fake.rest.script({ method: 'GET', path: /\/gateway\/bot$/, status: 200, passThrough: true, delayMs: 300, times: 2 });
  const p = getGatewayBot(rest).catch((e: unknown) => e);
  for (let i = 0; i < 2; i++) {
    while (sends.filter((s) => s.path.endsWith('/gateway/bot')).length < i + 1) await new Promise((r) => setImmediate(r));
    clock.advance(5000); // the client's timeout, on the same manual clock
    await settle();
    clock.advance(2000); // past the backoff
  }
  const err = await settled(p);
  assert.ok(err instanceof Error && (err as { code?: string }).code === 'REST_TIMEOUT', String(err));
});

test('26: a create that timed out is retried with the same nonce, and Discord\'s nonce dedupe leaves one message', async (t) => {
  const { clock, fake, rest, ch, settle, sends, settled } = await setup(t, { timeoutMs: 5000 });
  // The fake answers after 300 ms of real time (creating the message); the client gave up at 5 s manual time.
  fake.rest.script({ method: 'POST', path: /\/messages$/, status: 200, passThrough: true, delayMs: 300 });
  const p = createMessage(rest, ch.shipped, { content: 'part 1', nonce: 'dg-2024w48-p1', enforce_nonce: true });
  while (sends.length < 1) await new Promise((r) => setImmediate(r));
  const served = once(fake.events, 'request');
  clock.advance(5000);
  await settle();
  await served; // the late first attempt has been processed by the fake
  clock.advance(1000); // past the first backoff (500 + jitter)
  const msg = await settled(p);
  const tries = fake.requests.filter((r) => r.method === 'POST');
  assert.equal(tries.length, 2);
  assert.deepEqual(tries.map((r) => (r.body as { nonce: string }).nonce), ['dg-2024w48-p1', 'dg-2024w48-p1']);
  assert.equal(fake.botMessages(ch.shipped).length, 1);
  assert.equal(msg.id, fake.botMessages(ch.shipped)[0]!.id);
});

test('32: 401/403/429 are counted (not shared 429s); past the threshold the client refuses and alerts', async (t) => {
  const { fake, rest, ch, drive, lines, clock, settled } = await setup(t, { invalidRequestLimit: 3 });
  fake.rest.script({ method: 'POST', path: /\/messages$/, status: 429, retryAfterSec: 0.1, headers: { 'x-ratelimit-scope': 'shared' } });
  await drive(createMessage(rest, ch.shipped, { content: 'shared 429 then ok' }));
  assert.equal(rest.stats.invalidRequests, 0);
  fake.rest.script({ method: 'POST', path: /\/messages$/, status: 403, times: 3, body: { code: 50001, message: 'Missing Access' } });
  for (let i = 0; i < 3; i++) await assert.rejects(drive(createMessage(rest, ch.general, { content: 'no' })), { status: 403 });
  assert.equal(rest.stats.invalidRequests, 3);
  const before = fake.requests.length;
  await assert.rejects(settled(createMessage(rest, ch.general, { content: 'refused' })), { code: 'REST_INVALID_REQUEST_GUARD' });
  await assert.rejects(settled(getGatewayBot(rest)), { code: 'REST_INVALID_REQUEST_GUARD' });
  assert.equal(fake.requests.length, before);
  assert.equal(lines.filter((l) => l.includes('rest.invalid_request_guard')).length, 1);
  clock.advance(10 * 60_000); // the window rolls on
  await drive(getGatewayBot(rest));
});

test('destroy() rejects queued waits and lets the process exit', async (t) => {
  const { fake, rest, ch, settle, settled } = await setup(t);
  fake.rest.script({ method: 'POST', path: /\/messages$/, status: 429, retryAfterSec: 30 });
  const p = createMessage(rest, ch.shipped, { content: 'never' }).catch((e: unknown) => e);
  await settle();
  rest.destroy();
  assert.equal(((await settled(p)) as { code?: string }).code, 'REST_CLIENT_DESTROYED');
  await assert.rejects(settled(getGatewayBot(rest)), { code: 'REST_CLIENT_DESTROYED' });
});

/** A bare node:http server that answers with `handler`; counts the TCP connections it accepted. */
async function rawServer(t: TestContext, handler: http.RequestListener) {
  const server = http.createServer(handler);
  let connections = 0;
  server.on('connection', () => { connections++; });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => { server.closeAllConnections(); server.close(); });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v10`, connections: () => connections };
}

test('transport: sequential requests share one keep-alive connection; bodies and headers arrive whole', async (t) => {
  const seen: { method: string; auth: string | undefined; length: string | undefined; body: string }[] = [];
  const srv = await rawServer(t, (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { body += c; });
    req.on('end', () => {
      seen.push({ method: req.method!, auth: req.headers.authorization, length: req.headers['content-length'], body });
      res.writeHead(200, { 'content-type': 'application/json', 'x-ratelimit-remaining': '4', 'x-ratelimit-bucket': 'b1' });
      res.end(JSON.stringify({ id: '1', content: 'é'.repeat(40_000) })); // several chunks, multi-byte
    });
  });
  const rest = new RestClient({ baseUrl: srv.base, token: 'tok', userAgent: 'test', clock: new ManualClock() });
  t.after(() => rest.destroy());
  for (let i = 0; i < 5; i++) {
    const msg = await rest.request<{ content: string }>('POST', '/channels/1/messages', { body: { content: `ü ${i}` } });
    assert.equal(msg.content, 'é'.repeat(40_000));
  }
  assert.equal(srv.connections(), 1);
  assert.deepEqual(seen[4], { method: 'POST', auth: 'Bot tok', length: String(Buffer.byteLength('{"content":"ü 4"}')), body: '{"content":"ü 4"}' });
});

test('transport: an answer cut short mid-body is a network failure (retried), never a parsed half', async (t) => {
  let calls = 0;
  const srv = await rawServer(t, (_req, res) => {
    calls++;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
    res.write('{"id":"1"'); // 9 of 100 bytes, then the connection drops
    setImmediate(() => res.socket?.destroy());
  });
  const rest = new RestClient({ baseUrl: srv.base, token: 'tok', userAgent: 'test', maxRetries: 0, clock: new ManualClock() });
  t.after(() => rest.destroy());
  await assert.rejects(rest.request('GET', '/users/@me'), { code: 'REST_NETWORK_ERROR' });
  assert.equal(calls, 1);
});

test('transport: a redirect is not followed; it fails as REST_HTTP_ERROR with its status', async (t) => {
  const paths: string[] = [];
  const srv = await rawServer(t, (req, res) => {
    paths.push(req.url!);
    res.writeHead(302, { location: '/elsewhere' });
    res.end();
  });
  const rest = new RestClient({ baseUrl: srv.base, token: 'tok', userAgent: 'test', clock: new ManualClock() });
  t.after(() => rest.destroy());
  await assert.rejects(rest.request('GET', '/users/@me'), { code: 'REST_HTTP_ERROR', status: 302 });
  assert.deepEqual(paths, ['/api/v10/users/@me']);
});
