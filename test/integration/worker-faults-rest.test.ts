// REST faults for the REAL worker: reactions answered 429 and then 503 until the REST client gives
// up and the worker's own retry takes over (each launch still gets one 🚀, later), and a token
// that GET /gateway/bot rejects at start-up (exit 79 announced as why=token_rejected, no IDENTIFY,
// not restarted). Production timing waited out here, with no setting to shorten it: the REST
// client's backoff between the 503s (about 0.5, 1 and 2 s, jittered) and the worker's retry
// (about 0.5 s); the 429s cost what their Retry-After says. Posting is slow meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { POST_EVERY_MS, runFault, runningFixture, verdict } from './worker-faults-harness.js';
import { Supervisor } from './worker-harness.js';

test('REST faults', { timeout: 120_000 }, async (t) => {
  const f = await runningFixture(t, 'rest');

  await t.test('reactions-429-5xx: every launch stored once and reacted once', () => runFault(f, 'reactions-429-5xx', async () => {
    f.fake.rest.script({ method: 'PUT', path: /reactions/, status: 429, retryAfterSec: 0.2, times: 2 });
    // One more 503 than the REST client's own retries, so the worker's retry has to take over.
    f.fake.rest.script({ method: 'PUT', path: /reactions/, status: 503, times: 4 });
    await f.sup.waitForLine('worker.retry', { match: (l) => l.includes('what=reaction.put'), timeoutMs: 20_000 });
  }, { postEveryMs: POST_EVERY_MS.slow }));

  await t.test('a bad token at start-up: exits 79 naming the 401, no IDENTIFY, not restarted', async () => {
    assert.equal(await f.sup.stop('SIGTERM'), 0); // so the next worker does not wait as standby
    // A first start: no stored session to RESUME, so the token meets GET /gateway/bot first.
    await f.db.pool.query('DELETE FROM gateway_sessions');
    const identifies = f.fake.gateway.identifyCount;
    const sup = new Supervisor({ ...f.env, DISCORD_BOT_TOKEN: 'MTIzNDU2Nzg5MDEyMzQ1Njc4.bad.not-the-real-token-at-all' }, 'bad-token', 300);
    t.after(() => sup.stop('SIGKILL'));
    const decision = sup.waitForDecision(20_000);
    const w = sup.start();
    assert.equal(await w.exited, 79);
    assert.deepEqual(verdict(w), { why: 'token_rejected', announced: 79, exit: 79 });
    assert.ok(w.lines.some((l) => l.startsWith('worker.stopping') && l.includes('HTTP 401 on GET /gateway/bot')), w.lines.join('\n'));
    // The restart delay has passed: any other exit code would have been restarted at this moment.
    assert.deepEqual(await decision, { code: 79, restarted: false });
    assert.equal(sup.generation, 1);
    assert.equal(f.fake.gateway.identifyCount, identifies);
  });
});
