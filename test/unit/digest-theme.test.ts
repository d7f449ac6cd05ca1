// fetchTheme against a local fake chat-completions endpoint (node:http on 127.0.0.1): good, slow,
// 500, garbage, empty, over-long, headers-then-stall; plus cleanTheme and "not configured". The
// timeout runs on a manual clock: a slow endpoint is given up exactly when the clock reaches
// LLM_TIMEOUT_MS, and the request is aborted (its connection closed unanswered), not completed.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventEmitter, once } from 'node:events';
import { createLogger, type LogLevel } from '../../src/log.js';
import { cleanTheme, fetchTheme, MAX_PROMPT_LAUNCHES, THEME_SYSTEM_PROMPT, type LlmSettings } from '../../src/digest/theme.js';
import { ManualClock } from '../helpers/clock.js';

async function endpoint(t: TestContext, handle: (req: IncomingMessage, body: string, res: ServerResponse) => void) {
  const bodies: string[] = [];
  /** 'request' once a body is in; 'abandoned' when the client closed the connection before the answer ended. */
  const events = new EventEmitter();
  const server = createServer((req, res) => {
    let raw = '';
    res.on('close', () => { if (!res.writableFinished) events.emit('abandoned'); });
    req.setEncoding('utf8').on('data', (c: string) => { raw += c; }).on('end', () => { bodies.push(raw); handle(req, raw, res); events.emit('request'); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { server.closeAllConnections(); return new Promise<void>((r) => server.close(() => r())); });
  const llm: LlmSettings = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`, key: 'sk-unit', model: 'm1', timeoutMs: 10_000 }; // real-clock tests must never reach it; the timeout tests drive a manual clock
  return { llm, bodies, events };
}

function logs() {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: 'debug', write: (l: string, _lvl: LogLevel) => lines.push(l) }) };
}

const reply = (content: unknown) => JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] });

test('a good answer becomes the theme; the request carries model, system prompt, launch texts and a small max_tokens', async (t) => {
  const { llm, bodies } = await endpoint(t, (req, _b, res) => {
    assert.equal(req.headers.authorization, 'Bearer sk-unit');
    res.writeHead(200, { 'content-type': 'application/json' }).end(reply('  "Dev tools\nfor everyone"  '));
  });
  const { log, lines } = logs();
  const r = await fetchTheme(llm, ['shipped A', 'launched\nB'], { log });
  assert.deepEqual({ ok: r.ok, theme: r.ok ? r.theme : undefined }, { ok: true, theme: 'Dev tools for everyone' });
  const body = JSON.parse(bodies[0]!) as { model: string; max_tokens: number; messages: { role: string; content: string }[] };
  assert.equal(body.model, 'm1');
  assert.equal(body.max_tokens, 40);
  assert.deepEqual(body.messages, [
    { role: 'system', content: THEME_SYSTEM_PROMPT },
    { role: 'user', content: 'Launches this week:\n- shipped A\n- launched B' },
  ]);
  assert.ok(lines.some((l) => l.includes('digest.theme ')));
});

test('the prompt is bounded: at most MAX_PROMPT_LAUNCHES texts of at most 200 characters each', async (t) => {
  const { llm, bodies } = await endpoint(t, (_r, _b, res) => res.writeHead(200).end(reply('x theme')));
  await fetchTheme(llm, Array.from({ length: 10_000 }, (_, i) => `launch ${i} ${'z'.repeat(500)}`), { log: logs().log });
  const user = (JSON.parse(bodies[0]!) as { messages: { content: string }[] }).messages[1]!.content;
  const items = user.split('\n').slice(1);
  assert.equal(items.length, MAX_PROMPT_LAUNCHES);
  assert.ok(items.every((l) => l.length <= 202));
});

/** `p`, or a failure naming `what` after `ms` (a safety net for an awaited event, not a timing). */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms); });
  try { return await Promise.race([p, limit]); } finally { clearTimeout(timer); }
}

/** Resolves with whether `p` has settled once pending I/O callbacks and promise jobs have run. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => { done = true; }, () => { done = true; });
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return done;
}

for (const c of [
  { name: 'HTTP 500', reason: 'http_status', detail: '500', handle: (res: ServerResponse) => res.writeHead(500).end('{"error":"x"}') },
  { name: 'not JSON', reason: 'bad_json', handle: (res: ServerResponse) => res.writeHead(200).end('<html>') },
  { name: 'JSON without choices', reason: 'bad_json', handle: (res: ServerResponse) => res.writeHead(200).end('{"id":1}') },
  { name: 'content not a string', reason: 'bad_json', handle: (res: ServerResponse) => res.writeHead(200).end(reply(42)) },
  { name: 'empty content', reason: 'empty', handle: (res: ServerResponse) => res.writeHead(200).end(reply(' "" ')) },
  { name: 'over-long content', reason: 'too_long', handle: (res: ServerResponse) => res.writeHead(200).end(reply('a'.repeat(201))) },
]) {
  test(`${c.name} → no theme, reason ${c.reason}, logged, without waiting for the timeout`, async (t) => {
    const { llm } = await endpoint(t, (_r, _b, res) => c.handle(res));
    const clock = new ManualClock();
    const { log, lines } = logs();
    const r = await fetchTheme(llm, ['shipped A'], { log, clock });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.reason, c.reason);
    if (c.detail) assert.equal(!r.ok && r.detail, c.detail);
    assert.equal(r.ms, 0, 'settled while the clock stood still: not by the timeout');
    assert.equal(clock.pending(), 0, 'the timeout timer is cleared');
    assert.equal(lines.filter((l) => l.includes(`digest.theme_skipped`) && l.includes(`reason=${c.reason}`)).length, 1);
  });
}

for (const c of [
  { name: 'no answer at all', handle: () => {} },
  { name: 'headers, then a stalled body', handle: (res: ServerResponse) => { res.writeHead(200, { 'content-type': 'application/json' }); res.write('{"choices":'); } },
]) {
  test(`${c.name} → given up exactly at LLM_TIMEOUT_MS on the clock, the request aborted, reason timeout`, async (t) => {
    const { llm, events } = await endpoint(t, (_r, _b, res) => c.handle(res));
    const clock = new ManualClock();
    const { log, lines } = logs();
    const arrived = once(events, 'request');
    const abandoned = once(events, 'abandoned');
    const result = fetchTheme(llm, ['shipped A'], { log, clock });
    await arrived;
    clock.advance(llm.timeoutMs - 1);
    assert.equal(await settled(result), false, 'still waiting 1 ms before the timeout');
    clock.advance(1);
    assert.equal(await settled(result), true, 'gave up when the clock reached the timeout');
    const r = await result;
    assert.deepEqual(r, { ok: false, reason: 'timeout', detail: `no answer within ${llm.timeoutMs} ms`, ms: llm.timeoutMs });
    await within(abandoned, 5000, 'close of the unanswered connection at the endpoint');
    assert.equal(clock.pending(), 0);
    assert.equal(lines.filter((l) => l.includes('digest.theme_skipped') && l.includes('reason=timeout')).length, 1);
  });
}

test('a refused connection is reason network; not configured and no launches never call anything', async () => {
  const { log } = logs();
  const refused = await fetchTheme({ url: 'http://127.0.0.1:9/v1/chat/completions', key: '', model: 'm', timeoutMs: 2000 }, ['a'], { log });
  assert.equal(!refused.ok && refused.reason, 'network');
  const none = await fetchTheme(undefined, ['a'], { log });
  assert.equal(!none.ok && none.reason, 'not_configured');
  const empty = await fetchTheme({ url: 'http://127.0.0.1:9/', key: '', model: 'm', timeoutMs: 100 }, [], { log });
  assert.equal(!empty.ok && empty.reason, 'no_launches');
});

test('cleanTheme: one line, wrapping quotes and a "Theme:" prefix removed', () => {
  assert.equal(cleanTheme(' "Quiet\n\tbuilders" '), 'Quiet builders');
  assert.equal(cleanTheme('“AI everywhere”'), 'AI everywhere');
  assert.equal(cleanTheme("**'Theme: shipping fast'**"), 'shipping fast');
  assert.equal(cleanTheme('   '), '');
});
