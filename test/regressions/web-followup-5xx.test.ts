// Issue 13 ("Nothing fails silently"): a deferred /ship whose PATCH @original met three 5xx (the
// REST client's own tries) stayed on "thinking…" forever although the launch was stored, and the
// only trace was a warning. The router now tries again with backoff while the interaction token
// lives (docs/interactions.md §2.6), gives up at error level, and a shutdown abandons what is still
// pending at its drain deadline instead of waiting out the 15 minutes. The router runs on a
// ManualClock; the fake Discord scripts the 5xx; the REST client's own retries are real (1 ms base).
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { editOriginalResponse } from '../../src/discord/rest/api.js';
import { RestClient } from '../../src/discord/rest/client.js';
import { FOLLOWUP_MAX_AGE_MS } from '../../src/discord/interactions/router.js';
import { startFakeDiscord, type FakeDiscord } from '../../src/fake-discord/index.js';
import { silentLogger } from '../../src/log.js';
import { ManualClock } from '../helpers/clock.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { launchCount, startWeb, type Web, gatedDb } from '../integration/web-harness.js';

let db: TestDatabase;
let fake: FakeDiscord;
let rest: RestClient;
before(async () => {
  db = await createTestDatabase();
  fake = await startFakeDiscord();
  rest = new RestClient({ baseUrl: fake.apiBase, log: silentLogger, retryBaseMs: 1, maxRetries: 2 }); // web.ts: maxRetries 2
});
after(async () => { rest?.destroy(); await fake?.close(); await db?.close(); });
beforeEach(async () => { fake.rest.clearScripts(); await db.pool.query('DELETE FROM launches'); });

const patches = () => fake.requests.filter((r) => r.method === 'PATCH' && r.route.includes('@original'));

/** Lines as they are logged, and a wait for the next one matching (no polling). */
function lineWaiter() {
  const waiting: { re: RegExp; resolve: (line: string) => void }[] = [];
  return {
    onLog(line: string) {
      for (const w of [...waiting]) if (w.re.test(line)) { waiting.splice(waiting.indexOf(w), 1); w.resolve(line); }
    },
    next(re: RegExp): Promise<string> { return new Promise((resolve) => waiting.push({ re, resolve })); },
  };
}

/** A web service on a ManualClock whose /ship insert waits for release(), so the answer is deferred. */
async function deferredShip(t: { after(fn: () => Promise<void>): void }, product: string) {
  const clock = new ManualClock(Date.now());
  const { db: gated, blocked, release } = gatedDb(db.pool);
  const lines = lineWaiter();
  const web: Web = await startWeb({
    db: gated, clock, keys: { publicKeyHex: fake.publicKeyHex }, applicationId: fake.applicationId, guildId: fake.guildId,
    editOriginal: (token, body) => editOriginalResponse(rest, fake.applicationId, token, body), onLog: lines.onLog,
  });
  t.after(async () => { release(); await web.server.close(0); });
  fake.setInteractionUrl(web.url);
  const member = fake.members[0]!;
  const pending = fake.runCommand({ userId: member.id, name: 'ship', options: [{ name: 'product', type: 3, value: product }], timestamp: Math.floor(clock.now() / 1000) });
  await blocked;
  clock.advance(1500); // the defer budget passes: type 5
  const result = await pending;
  assert.deepEqual(result.body, { type: 5 });
  return { clock, web, lines, result, member, release };
}

/** The next retry the router schedules, or 'idle' when it gave up instead (the bug). */
function nextRetryOrIdle(web: Web, lines: ReturnType<typeof lineWaiter>): Promise<string> {
  return Promise.race([lines.next(/^<4>interaction\.followup_retry /), web.router.idle().then(() => 'idle')]);
}

test('three 5xx on the PATCH, then Discord recovers: the edit is retried and the member sees the confirmation', async (t) => {
  const before = patches().length;
  fake.rest.script({ method: 'PATCH', path: /@original/, status: 503, times: 3, body: { message: 'upstream unavailable', code: 0 } });
  const { clock, web, lines, result, member, release } = await deferredShip(t, 'Flaky API launch');
  release();
  const retry = await nextRetryOrIdle(web, lines);
  assert.notEqual(retry, 'idle', 'the router gave up after the REST client\'s three 5xx');
  assert.deepEqual(patches().slice(before).map((p) => p.status), [503, 503, 503]);
  // backoffDelay(1, {baseMs: 2000}) with random() = 0.5: 1000 + 500.
  assert.match(retry, / attempt=2 delay_ms=1500 /);
  assert.equal(await launchCount(db.pool), 1, 'the launch is stored while the answer waits');
  await clock.tick(1499);
  assert.equal(patches().length - before, 3, 'nothing before the delay has passed');
  clock.advance(1);
  await web.router.idle();
  assert.deepEqual(patches().slice(before).map((p) => p.status), [503, 503, 503, 200]);
  assert.equal(result.original?.content, `🚀 Launch logged for ${member.globalName}: Flaky API launch`);
  assert.ok(web.logs.some((l) => /^<6>interaction\.followup_sent .* attempts=2/.test(l)));
  assert.ok(!web.logs.some((l) => l.includes('interaction.followup_failed')));
});

test('5xx every time: attempts until the token would expire, the last at 14 minutes, then followup_failed at error', async (t) => {
  const before = patches().length;
  fake.rest.script({ method: 'PATCH', path: /@original/, status: 502, times: 10_000 });
  const { clock, web, lines, release } = await deferredShip(t, 'Never answered launch');
  const received = clock.now() - 1500;
  release();
  const starts: number[] = [];
  for (;;) {
    const retry = await nextRetryOrIdle(web, lines);
    if (retry === 'idle') break;
    starts.push(clock.now() - received);
    await clock.tick(Number(/ delay_ms=(\d+) /.exec(retry)![1]));
  }
  const line = web.logs.find((l) => l.startsWith('<3>interaction.followup_failed '));
  assert.ok(line, 'giving up is logged at error');
  // Attempts start at 1.5 s (the deferral), then 1.5 s later, the gap doubling until it is 45 s
  // (the 60 s cap · 0.75); the 24th is clipped to exactly 14 minutes. 3 PATCHes per attempt.
  assert.equal(patches().length - before, 24 * 3);
  assert.match(line, / attempts=24 age_ms=840000 reason=token_expiring /);
  assert.equal(starts.length, 23, 'one retry scheduled after each attempt but the last');
  assert.equal(starts.at(-1), 813_000);
  assert.ok(clock.now() - received <= FOLLOWUP_MAX_AGE_MS);
  assert.deepEqual(starts.slice(0, 8), [1500, 3000, 6000, 12000, 24000, 48000, 93000, 138000]);
  assert.equal(await launchCount(db.pool), 1, 'the launch itself is stored');
});

test('a shutdown does not wait for a retrying follow-up: abandoned at the drain deadline, with a count', async (t) => {
  fake.rest.script({ method: 'PATCH', path: /@original/, status: 500, times: 10_000 });
  const { clock, web, lines, release } = await deferredShip(t, 'Shutdown launch');
  release();
  assert.notEqual(await nextRetryOrIdle(web, lines), 'idle');
  const abandoned = lines.next(/^<4>interaction\.followups_abandoned /);
  let closed = false;
  const closing = web.server.close(8000).then(() => { closed = true; });
  await clock.tick(7999);
  assert.equal(closed, false, 'still draining before the deadline');
  await clock.tick(1);
  await closing;
  assert.match(await abandoned, / count=1 after_ms=8000 /);
  assert.equal(web.router.pendingFollowups, 0);
});
