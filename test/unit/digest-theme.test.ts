// fetchTheme against a local fake chat-completions endpoint (node:http on 127.0.0.1): good, slow,
// 500, garbage, empty, over-long, headers-then-stall; plus cleanTheme and "not configured".
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type LogLevel } from '../../src/log.js';
import { cleanTheme, fetchTheme, MAX_PROMPT_LAUNCHES, THEME_SYSTEM_PROMPT, type LlmSettings } from '../../src/digest/theme.js';

async function endpoint(t: TestContext, handle: (req: IncomingMessage, body: string, res: ServerResponse) => void) {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8').on('data', (c: string) => { raw += c; }).on('end', () => { bodies.push(raw); handle(req, raw, res); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { server.closeAllConnections(); return new Promise<void>((r) => server.close(() => r())); });
  const llm: LlmSettings = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`, key: 'sk-unit', model: 'm1', timeoutMs: 300 };
  return { llm, bodies };
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

for (const c of [
  { name: 'HTTP 500', reason: 'http_status', detail: '500', handle: (res: ServerResponse) => res.writeHead(500).end('{"error":"x"}') },
  { name: 'not JSON', reason: 'bad_json', handle: (res: ServerResponse) => res.writeHead(200).end('<html>') },
  { name: 'JSON without choices', reason: 'bad_json', handle: (res: ServerResponse) => res.writeHead(200).end('{"id":1}') },
  { name: 'content not a string', reason: 'bad_json', handle: (res: ServerResponse) => res.writeHead(200).end(reply(42)) },
  { name: 'empty content', reason: 'empty', handle: (res: ServerResponse) => res.writeHead(200).end(reply(' "" ')) },
  { name: 'over-long content', reason: 'too_long', handle: (res: ServerResponse) => res.writeHead(200).end(reply('a'.repeat(201))) },
  { name: 'no answer at all', reason: 'timeout', handle: () => {} },
  { name: 'headers, then a stalled body', reason: 'timeout', handle: (res: ServerResponse) => { res.writeHead(200, { 'content-type': 'application/json' }); res.write('{"choices":'); } },
]) {
  test(`${c.name} → no theme, reason ${c.reason}, logged, within the timeout`, async (t) => {
    const { llm } = await endpoint(t, (_r, _b, res) => c.handle(res));
    const { log, lines } = logs();
    const t0 = Date.now();
    const r = await fetchTheme(llm, ['shipped A'], { log });
    const ms = Date.now() - t0;
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.reason, c.reason);
    if (c.detail) assert.equal(!r.ok && r.detail, c.detail);
    // Generous bound: proves the call does not wait for a server that never answers, not speed.
    assert.ok(ms < llm.timeoutMs + 3000, `took ${ms} ms`);
    if (c.reason === 'timeout') assert.ok(ms >= llm.timeoutMs - 20, `gave up early: ${ms} ms`);
    assert.equal(lines.filter((l) => l.includes(`digest.theme_skipped`) && l.includes(`reason=${c.reason}`)).length, 1);
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
