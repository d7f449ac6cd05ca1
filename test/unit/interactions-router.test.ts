// router.ts with a manual clock: exactly one initial answer, the deferral at deferMs, one follow-up,
// apologies instead of failures, the 14-minute drop, which edit failures are retried, abandoning
// at a shutdown deadline, and payload validation (retries against the fake Discord:
// test/regressions/web-followup-5xx.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, silentLogger } from '../../src/log.js';
import { isTransientDbError } from '../../src/db/transient.js';
import { HttpError, message, type InteractionResponse } from '../../src/discord/interactions/respond.js';
import { createRouter, isRetryableEditError, validateInteraction, type CommandHandler } from '../../src/discord/interactions/router.js';
import { ManualClock } from '../helpers/clock.js';

const APP = '1300000000000000001';
const interaction = (name = 'slow') => ({ id: '1311111111111111111', application_id: APP, type: 2, token: 'secret-token', guild_id: '1', data: { name } });

function setup(handle: CommandHandler['handle']) {
  const clock = new ManualClock();
  const edits: { token: string; body: unknown }[] = [];
  const router = createRouter({
    clock, log: silentLogger, applicationId: APP, deferMs: 1500,
    editOriginal: async (token, body) => { edits.push({ token, body }); },
    commands: [{ name: 'slow', handle, apology: 'sorry' }], retryable: isTransientDbError,
  });
  return { clock, edits, router };
}

function deferredWork() {
  let resolve!: (v: ReturnType<typeof message>) => void;
  let reject!: (e: unknown) => void;
  const p = new Promise<ReturnType<typeof message>>((res, rej) => { resolve = res; reject = rej; });
  return { p, resolve, reject };
}

async function settled<T>(p: Promise<T>): Promise<T | 'pending'> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return Promise.race([p, Promise.resolve('pending' as const)]);
}

test('a handler that finishes before deferMs is answered inline, and the timer is cleared', async () => {
  const w = deferredWork();
  const { clock, router, edits } = setup(() => w.p);
  const answer = router.handle(interaction());
  await clock.tick(1499);
  assert.equal(await settled(answer), 'pending');
  w.resolve(message('done'));
  assert.deepEqual(await answer, { type: 4, data: { content: 'done', allowed_mentions: { parse: [] } } });
  assert.equal(clock.pending(), 0);
  await clock.tick(5000);
  await router.idle();
  assert.equal(edits.length, 0);
});

test('at deferMs the answer is type 5, then exactly one edit when the handler settles', async () => {
  const w = deferredWork();
  const { clock, router, edits } = setup(() => w.p);
  const answer = router.handle(interaction());
  await clock.tick(1500);
  assert.deepEqual(await settled(answer), { type: 5 } satisfies InteractionResponse);
  assert.equal(router.pendingFollowups, 1);
  w.resolve(message('late', { ephemeral: true }));
  await router.idle();
  assert.deepEqual(edits, [{ token: 'secret-token', body: { content: 'late', allowed_mentions: { parse: [] } } }]);
  assert.equal(router.pendingFollowups, 0);
});

test('a throwing handler becomes an ephemeral apology inline, or one edited apology after a deferral', async () => {
  const quick = setup(async () => { throw 'not even an Error'; });
  assert.deepEqual(await quick.router.handle(interaction()), { type: 4, data: { content: 'sorry', allowed_mentions: { parse: [] }, flags: 64 } });
  const w = deferredWork();
  const slow = setup(() => w.p);
  const answer = slow.router.handle(interaction());
  await slow.clock.tick(1500);
  assert.deepEqual(await answer, { type: 5 });
  w.reject(new Error('db down'));
  await slow.router.idle();
  assert.deepEqual(slow.edits.map((e) => e.body), [{ content: 'sorry', allowed_mentions: { parse: [] } }]);
});

test('a follow-up more than 14 minutes after receipt is dropped', async () => {
  const w = deferredWork();
  const { clock, router, edits } = setup(() => w.p);
  void router.handle(interaction());
  await clock.tick(14 * 60_000 + 1);
  w.resolve(message('too late'));
  await router.idle();
  assert.equal(edits.length, 0);
});

test('a follow-up just inside 14 minutes is sent; a failing edit is logged, not thrown', async () => {
  const w = deferredWork();
  const { clock, router, edits } = setup(() => w.p);
  void router.handle(interaction());
  await clock.tick(14 * 60_000);
  w.resolve(message('just in time'));
  await router.idle();
  assert.equal(edits.length, 1);
  const failing = createRouter({ clock, log: silentLogger, applicationId: APP, deferMs: 0,
    editOriginal: async () => { throw new Error('404'); }, commands: [{ name: 'slow', handle: async () => message('x'), apology: '' }], retryable: isTransientDbError });
  const a = failing.handle(interaction());
  await clock.tick(0);
  await a;
  await failing.idle();
});

test('validateInteraction: 400 for anything that is not one of our interactions', () => {
  const ok = { id: '1311111111111111111', application_id: APP, type: 1 };
  assert.equal(validateInteraction(ok, APP).type, 1);
  for (const bad of [null, [], 'x', 1, {}, { ...ok, type: '1' }, { ...ok, type: 1.5 }, { ...ok, id: 12 }, { ...ok, id: 'abc' },
    { ...ok, application_id: '1' }, { ...ok, type: 2 }, { ...ok, type: 2, token: '' }]) {
    assert.throws(() => validateInteraction(bad, APP), (e: unknown) => e instanceof HttpError && e.status === 400, JSON.stringify(bad));
  }
});

test('PING → PONG; unknown type → 400; unknown command → ephemeral', async () => {
  const { router } = setup(async () => message('x'));
  assert.deepEqual(await router.handle({ id: '1311111111111111111', application_id: APP, type: 1 }), { type: 1 });
  await assert.rejects(router.handle({ ...interaction(), type: 3 }), (e: unknown) => e instanceof HttpError && e.status === 400);
  const unknown = await router.handle(interaction('nope'));
  assert.equal(unknown.type, 4);
  assert.equal((unknown as { data: { flags: number } }).data.flags, 64);
});

test('transient database errors are retried (idempotent handlers); other errors are not', async () => {
  let calls = 0;
  const { clock, router } = setup(async () => {
    calls++;
    if (calls < 3) throw Object.assign(new Error('timeout exceeded when trying to connect'), {});
    return message('third time lucky');
  });
  const answer = router.handle(interaction());
  await clock.tick(0); // let the first attempt fail and the retry timer be set
  assert.equal(calls, 1);
  await clock.tick(250);
  assert.equal(calls, 2);
  await clock.tick(1000);
  assert.equal(calls, 3);
  // 1250 ms: still inside the 1500 ms budget, so the answer is inline.
  assert.deepEqual(await answer, { type: 4, data: { content: 'third time lucky', allowed_mentions: { parse: [] } } });

  let bad = 0;
  const other = setup(async () => { bad++; throw Object.assign(new Error('value out of range for type bigint'), { code: '22003' }); });
  assert.equal((await other.router.handle(interaction())).type, 4);
  assert.equal(bad, 1);
});

test('isTransientDbError', async () => {
  const e = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});
  for (const yes of [e('timeout exceeded when trying to connect'), e('Connection terminated unexpectedly'), e('x', 'ECONNREFUSED'),
    e('x', '57P01'), e('x', '08006'), e('x', '40001'), e('x', '53300')]) assert.equal(isTransientDbError(yes), true, yes.message);
  for (const no of [e('x', '22003'), e('x', '23505'), e('syntax', '42601'), 'string', undefined, e('boom')]) assert.equal(isTransientDbError(no), false, String(no));
});

function loggedSetup(handle: CommandHandler['handle'], editOriginal: (token: string) => Promise<unknown>) {
  const clock = new ManualClock();
  const lines: string[] = [];
  const router = createRouter({
    clock, log: createLogger({ level: 'debug', write: (l) => lines.push(l) }), applicationId: APP, deferMs: 1500,
    editOriginal, commands: [{ name: 'slow', handle, apology: 'sorry' }], retryable: isTransientDbError,
  });
  return { clock, lines, router };
}

test('isRetryableEditError: 5xx, 429, timeouts and network failures only', () => {
  for (const e of [{ status: 500 }, { status: 503 }, { status: 429 }, { code: 'REST_TIMEOUT' }, { code: 'REST_NETWORK_ERROR' }]) assert.equal(isRetryableEditError(e), true, JSON.stringify(e));
  for (const e of [{ status: 400 }, { status: 401 }, { status: 404, code: 'REST_HTTP_ERROR' }, { code: 'REST_TOKEN_REJECTED' }, { code: 'REST_CLIENT_DESTROYED' }, new Error('x'), 'x', null, undefined]) {
    assert.equal(isRetryableEditError(e), false, String(JSON.stringify(e)));
  }
});

test('a 4xx edit is final: one attempt, interaction.followup_failed at error with the reason', async () => {
  let attempts = 0;
  const w = deferredWork();
  const r = loggedSetup(() => w.p, async () => { attempts++; throw Object.assign(new Error('HTTP 404'), { status: 404 }); });
  const answer = r.router.handle(interaction());
  await r.clock.tick(1500);
  assert.deepEqual(await answer, { type: 5 });
  w.resolve(message('late'));
  await r.router.idle();
  assert.equal(attempts, 1);
  assert.equal(r.lines.filter((l) => l.includes('interaction.followup_')).length, 1);
  assert.match(r.lines.find((l) => l.includes('interaction.followup_failed'))!, /^<3>interaction\.followup_failed .*attempts=1 .*reason=rejected /);
  assert.equal(r.clock.pending(), 0);
});

test('idle(deadline) abandons a follow-up whose handler is still running; its late answer is never sent', async () => {
  const w = deferredWork();
  let attempts = 0;
  const { clock, lines, router } = loggedSetup(() => w.p, async () => { attempts++; });
  const answer = router.handle(interaction());
  await clock.tick(1500);
  assert.deepEqual(await answer, { type: 5 });
  let done = false;
  const idle = router.idle(8000).then(() => { done = true; });
  await clock.tick(7999);
  assert.equal(done, false);
  await clock.tick(1);
  await idle;
  assert.equal(router.pendingFollowups, 0);
  assert.match(lines.find((l) => l.includes('interaction.followups_abandoned'))!, /^<4>interaction\.followups_abandoned count=1 after_ms=8000 /);
  w.resolve(message('after shutdown'));
  await clock.tick(0);
  assert.equal(attempts, 0);
  assert.equal(clock.pending(), 0);
});

test('an ephemeral command is deferred ephemerally (type 5 with flags 64), then edited once', async () => {
  const w = deferredWork();
  const clock = new ManualClock();
  const edits: { token: string; body: unknown }[] = [];
  const router = createRouter({
    clock, log: silentLogger, applicationId: APP, deferMs: 1500,
    editOriginal: async (token, body) => { edits.push({ token, body }); },
    commands: [{ name: 'slow', handle: () => w.p, apology: 'sorry', ephemeral: true }], retryable: isTransientDbError,
  });
  const answer = router.handle(interaction());
  await clock.tick(1500);
  assert.deepEqual(await settled(answer), { type: 5, data: { flags: 64 } } satisfies InteractionResponse);
  w.resolve(message('removed', { ephemeral: true }));
  await router.idle();
  assert.deepEqual(edits, [{ token: 'secret-token', body: { content: 'removed', allowed_mentions: { parse: [] } } }]);
});

test('autocomplete (type 4): the handler\'s choices as type 8, at most 25, names cut to 100; none when it is slow, fails, or has no autocomplete', async () => {
  const clock = new ManualClock();
  const lines: string[] = [];
  let suggest: () => Promise<{ name: string; value: string }[]> = async () => [];
  const router = createRouter({
    clock, log: createLogger({ level: 'debug', write: (l) => { lines.push(l); } }), applicationId: APP, deferMs: 1500, autocompleteMs: 1000,
    editOriginal: async () => {},
    commands: [
      { name: 'pick', handle: async () => message('x'), apology: 'sorry', autocomplete: () => suggest() },
      { name: 'plain', handle: async () => message('x'), apology: 'sorry' },
    ], retryable: isTransientDbError,
  });
  const ac = (name: string) => ({ ...interaction(name), type: 4 });
  suggest = async () => Array.from({ length: 30 }, (_, k) => ({ name: `${k} ${'x'.repeat(120)}`, value: String(k) }));
  const full = await router.handle(ac('pick')) as { type: 8; data: { choices: { name: string; value: string }[] } };
  assert.equal(full.type, 8);
  assert.equal(full.data.choices.length, 25);
  assert.ok(full.data.choices.every((c) => c.name.length === 100));
  // Slow: answered with no choices when autocompleteMs passes, whatever the query does later.
  let release!: () => void;
  suggest = () => new Promise((r) => { release = () => r([{ name: 'late', value: '1' }]); });
  const slow = router.handle(ac('pick'));
  await clock.tick(999);
  assert.equal(await settled(slow), 'pending');
  await clock.tick(1);
  assert.deepEqual(await slow, { type: 8, data: { choices: [] } });
  assert.ok(lines.some((l) => l.startsWith('<4>interaction.autocomplete_timeout')));
  release();
  suggest = async () => { throw new Error('db down'); };
  assert.deepEqual(await router.handle(ac('pick')), { type: 8, data: { choices: [] } });
  assert.ok(lines.some((l) => l.startsWith('<4>interaction.autocomplete_failed')));
  assert.deepEqual(await router.handle(ac('plain')), { type: 8, data: { choices: [] } });
  assert.deepEqual(await router.handle(ac('unknown')), { type: 8, data: { choices: [] } });
});
