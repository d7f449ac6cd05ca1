import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdentifyLimiter } from '../../src/discord/gateway/identify-limiter.js';
import { ManualClock } from '../helpers/clock.js';

const limit = (over: Partial<{ total: number; remaining: number; reset_after: number; max_concurrency: number }> = {}) =>
  ({ total: 1000, remaining: 1000, reset_after: 60_000, max_concurrency: 1, ...over });

test('never identifies with remaining 0: waits reset_after, then asks for fresh numbers', async () => {
  const clock = new ManualClock();
  const lim = new IdentifyLimiter({ clock });
  let verdict: string | undefined;
  void lim.acquire(limit({ remaining: 0, reset_after: 30_000 }), 0).then((v) => { verdict = v; });
  await clock.tick(29_999);
  assert.equal(verdict, undefined);
  await clock.tick(1);
  assert.equal(verdict, 'quota-reset');
});

test('IDENTIFYs in one bucket are spaced at least 5 s apart and count against remaining', async () => {
  const clock = new ManualClock();
  const lim = new IdentifyLimiter({ clock });
  const l = limit({ remaining: 10 });
  const times: number[] = [];
  const t0 = clock.now();
  for (let i = 0; i < 3; i++) void lim.acquire(l, 0).then(() => times.push(clock.now() - t0));
  await clock.tick(0);
  assert.deepEqual(times, [0]);
  await clock.tick(5499);
  assert.deepEqual(times, [0]);
  await clock.tick(1);
  assert.deepEqual(times, [0, 5500]);
  await clock.tick(5500);
  assert.deepEqual(times, [0, 5500, 11_000]);
  assert.equal(l.remaining, 7);
});

test('different buckets (shard_id % max_concurrency) do not wait for each other', async () => {
  const clock = new ManualClock();
  const lim = new IdentifyLimiter({ clock });
  const l = limit({ max_concurrency: 2 });
  const done: number[] = [];
  void lim.acquire(l, 0).then(() => done.push(0));
  void lim.acquire(l, 1).then(() => done.push(1));
  void lim.acquire(l, 2).then(() => done.push(2)); // bucket 0 again
  await clock.tick(0);
  assert.deepEqual(done.sort(), [0, 1]);
  await clock.tick(5500);
  assert.deepEqual(done.sort(), [0, 1, 2]);
});

test('an aborted wait rejects and leaves no timer behind', async () => {
  const clock = new ManualClock();
  const lim = new IdentifyLimiter({ clock });
  await lim.acquire(limit(), 0);
  const ac = new AbortController();
  const p = lim.acquire(limit(), 0, ac.signal);
  await clock.tick(0);
  ac.abort(new Error('stop'));
  await assert.rejects(p, /stop/);
  assert.equal(clock.pending(), 0);
});

test('a used-up quota is announced with the time the wait ends (onQuotaWait), before sleeping', async () => {
  const clock = new ManualClock();
  const waits: number[] = [];
  const lim = new IdentifyLimiter({ clock, onQuotaWait: (until) => waits.push(until) });
  const t0 = clock.now();
  void lim.acquire(limit({ remaining: 0, reset_after: 3_600_000 }), 0);
  assert.deepEqual(waits, [t0 + 3_600_000]);
  void lim.acquire(limit({ remaining: 5 }), 0);
  assert.equal(waits.length, 1, 'no announcement when IDENTIFY may go');
});
