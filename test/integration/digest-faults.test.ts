// The digest process when Discord or the LLM misbehave: 429 and 5xx while posting (same nonce on
// the retry, each part once), a part that finally fails (exit non-zero, claim released, the next
// run resumes at once), and an LLM endpoint that is slow, failing, garbage or good.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestDatabase } from '../helpers/db.js';
import { THEME_SYSTEM_PROMPT } from '../../src/digest/theme.js';
import {
  ON_TIME, WINDOW, arrivalTripwire, nonces, partNonceOf, completion, digestEnv, eventsNamed, messagesPath, openDb, startFakeLlm, within, startKilledAtPart,
} from './digest-harness.js';

let db: TestDatabase;
before(async () => { db = await openDb(); });
after(async () => { await db?.close(); });

const p = partNonceOf;

test('429 on part 2: the same request (same nonce) is retried after Retry-After and every part is posted once', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(30);
  const expected = await env.expectedParts();
  env.fake.rest.script({ method: 'POST', path: arrivalTripwire(messagesPath(env), 2), status: 429, retryAfterSec: 1 });
  const r = await env.run(['--now', ON_TIME]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const posts = env.posts();
  assert.deepEqual(nonces(posts), [`${p(1)}:200`, `${p(2)}:429`, `${p(2)}:200`, `${p(3)}:200`]);
  assert.ok(posts[2]!.at - posts[1]!.at >= 1000, `retried after ${posts[2]!.at - posts[1]!.at} ms`);
  assert.deepEqual(posts[1]!.body, posts[2]!.body, 'the retry is byte-for-byte the same request');
  assert.deepEqual(env.fake.botMessages(env.fake.channels.announcements).map((m) => m.content), expected);
  for (const b of env.bodies()) assert.deepEqual(b.allowed_mentions, { parse: [] });
});

test('502 twice on part 3: retried with the same nonce, then posted; exactly 3 messages', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(30);
  const expected = await env.expectedParts();
  env.fake.rest.script({ method: 'POST', path: arrivalTripwire(messagesPath(env), 3, () => {}, 2), status: 502, times: 2 });
  const r = await env.run(['--now', ON_TIME]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(nonces(env.posts()), [`${p(1)}:200`, `${p(2)}:200`, `${p(3)}:502`, `${p(3)}:502`, `${p(3)}:200`]);
  assert.deepEqual(env.fake.botMessages(env.fake.channels.announcements).map((m) => m.content), expected);
  assert.equal((await env.digestRow())!.status, 'done');
});

test('part 2 keeps failing (500 x4): exit 1, row stays posting with the claim released; the next run posts parts 2-3 at once', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(30);
  const expected = await env.expectedParts();
  env.fake.rest.script({ method: 'POST', path: arrivalTripwire(messagesPath(env), 2, () => {}, 4), status: 500, times: 4 });
  const failed = await env.run(['--now', ON_TIME]);
  assert.equal(failed.code, 1, failed.stdout + failed.stderr);
  assert.equal(eventsNamed(failed, 'digest.exit_forced').length, 0);
  assert.match(failed.stderr, /digest\.failed .*claim_released=true/);
  assert.deepEqual(nonces(env.posts()), [`${p(1)}:200`, `${p(2)}:500`, `${p(2)}:500`, `${p(2)}:500`, `${p(2)}:500`]);
  const row = await env.digestRow();
  assert.deepEqual([row!.status, row!.claimed_by, row!.lease_until], ['posting', null, null]);

  const resumed = await env.run(['--now', ON_TIME]);
  assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
  assert.deepEqual(eventsNamed(resumed, 'digest.part_posted').map((f) => f.part), ['2/3', '3/3']);
  assert.deepEqual(env.fake.botMessages(env.fake.channels.announcements).map((m) => m.content), expected);
  assert.equal((await env.digestRow())!.status, 'done');
});

const llmEnv = (url: string, timeoutMs = 1500) => ({ LLM_API_URL: url, LLM_MODEL: 'test-model', LLM_API_KEY: 'sk-test-secret-key-123', LLM_TIMEOUT_MS: String(timeoutMs) });

test('LLM good: one request (system prompt + launch texts, small max_tokens, bearer key); the theme line is in part 1; the key is never logged', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(30);
  const llm = await startFakeLlm(t, (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(completion('"Small tools, big polish"')));
  const r = await env.run(['--now', ON_TIME], llmEnv(llm.url));
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(llm.requests.length, 1);
  const req = llm.requests[0]!;
  assert.equal(req.headers.authorization, 'Bearer sk-test-secret-key-123');
  const body = req.body as { model: string; max_tokens: number; messages: { role: string; content: string }[] };
  assert.equal(body.model, 'test-model');
  assert.ok(body.max_tokens <= 60);
  assert.deepEqual(body.messages.map((m) => m.role), ['system', 'user']);
  assert.equal(body.messages[0]!.content, THEME_SYSTEM_PROMPT);
  assert.match(body.messages[1]!.content, /Launched product number 29 today/);
  const expected = await env.expectedParts(WINDOW, { theme: 'Small tools, big polish' });
  assert.deepEqual(env.bodies().map((b) => b.content), expected);
  assert.ok(expected[0]!.includes('Theme: Small tools, big polish'));
  assert.ok(!(r.stdout + r.stderr).includes('sk-test-secret-key-123'));
});

for (const c of [
  { name: 'slow (no answer within LLM_TIMEOUT_MS)', reason: 'timeout', handle: () => { /* never answers */ } },
  { name: 'HTTP 500', reason: 'http_status', handle: (res: import('node:http').ServerResponse) => res.writeHead(500).end('{"error":"boom"}') },
  { name: 'garbage body', reason: 'bad_json', handle: (res: import('node:http').ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end('<html>oops') },
  { name: 'empty answer', reason: 'empty', handle: (res: import('node:http').ServerResponse) => res.writeHead(200).end(completion('  ')) },
  { name: 'over-long answer', reason: 'too_long', handle: (res: import('node:http').ServerResponse) => res.writeHead(200).end(completion('word '.repeat(80))) },
]) {
  test(`LLM ${c.name}: posts without a theme line and logs reason=${c.reason}`, async (t) => {
    const env = await digestEnv(t, db);
    await env.seed(30);
    // When the LLM's connection closed without an answer having been sent (the digest gave up).
    let abandonedAt: number | undefined;
    const llm = await startFakeLlm(t, (res) => {
      res.on('close', () => { if (!res.writableFinished) abandonedAt ??= Date.now(); });
      c.handle(res);
    });
    const r = await env.run(['--now', ON_TIME], llmEnv(llm.url, 800));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(llm.requests.length, 1);
    assert.equal(eventsNamed(r, 'digest.theme_skipped')[0]?.reason, c.reason, r.stdout);
    assert.deepEqual(env.bodies().map((b) => b.content), await env.expectedParts());
    assert.ok(!env.bodies()[0]!.content.includes('Theme:'));
    if (c.reason === 'timeout') {
      // Given up by the 800 ms timer (the abort path names it), and the request aborted before
      // anything was posted, not left hanging until the process exited.
      assert.equal(eventsNamed(r, 'digest.theme_skipped')[0]?.detail, 'no answer within 800 ms');
      assert.ok(abandonedAt !== undefined && abandonedAt <= env.posts()[0]!.at, 'the LLM request was aborted before the first post');
    } else {
      assert.equal(abandonedAt, undefined, 'an answered request is not aborted');
    }
  });
}

test('the LLM is asked only when building: a resumed run posts the frozen parts (with the theme) without asking again', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(30);
  const llm = await startFakeLlm(t, (res) => res.writeHead(200).end(completion('Launch week energy')));
  const proc = startKilledAtPart(env, 2, { status: 503, delayMs: 100 }, ['--now', ON_TIME], llmEnv(llm.url));
  assert.equal((await within(proc.done, 20_000, 'the killed run to end')).signal, 'SIGKILL');
  await env.expireLease();
  const resumed = await env.run(['--now', ON_TIME], llmEnv(llm.url));
  assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
  assert.equal(llm.requests.length, 1);
  assert.deepEqual(env.fake.botMessages(env.fake.channels.announcements).map((m) => m.content),
    await env.expectedParts(WINDOW, { theme: 'Launch week energy' }));
});
