// The gateway reconnect backoff (src/discord/gateway/backoff.ts); `gateway §4.24` is item 24 of
// docs/gateway.md §4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from '../../src/discord/gateway/backoff.js';
import { ManualClock } from '../helpers/clock.js';

test('doubles from base, with jitter in [cap/2, cap), capped at max', () => {
  const clock = new ManualClock();
  const b = new Backoff({ baseMs: 1000, maxMs: 8000, clock });
  clock.queueRandom(0, 0, 0, 0, 0, 0);
  assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()], [500, 1000, 2000, 4000, 4000, 4000]);
  clock.queueRandom(0.999);
  assert.equal(b.next(), 7996);
  assert.equal(b.attempts, 7);
});

test('jitter: the same attempt yields different delays for different random draws', () => {
  const clock = new ManualClock();
  const a = new Backoff({ clock }); const b = new Backoff({ clock });
  clock.queueRandom(0.1, 0.9);
  assert.notEqual(a.next(), b.next());
});

test('reset() starts again from the base delay', () => {
  const clock = new ManualClock();
  const b = new Backoff({ baseMs: 1000, maxMs: 60_000, clock });
  for (let i = 0; i < 5; i++) b.next();
  b.reset();
  clock.queueRandom(0);
  assert.equal(b.next(), 500);
  assert.equal(b.attempts, 1);
});

test('gateway §4.24: without a reset, 10 minutes of failures make fewer than 30 attempts', () => {
  const clock = new ManualClock();
  const b = new Backoff({ clock }); // defaults 1 s → 60 s
  let t = 0; let attempts = 0;
  clock.queueRandom(...Array.from({ length: 100 }, () => 0)); // worst case: shortest delays
  while (t < 600_000) { t += b.next(); attempts++; }
  assert.ok(attempts < 30, `attempts=${attempts}`);
});
