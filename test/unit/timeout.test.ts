// The one timeout race (src/timeout.ts), on the manual clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withTimeout } from '../../src/timeout.js';
import { ManualClock } from '../helpers/clock.js';

test('resolves with the value when the promise wins, and clears its timer', async () => {
  const clock = new ManualClock();
  let resolve!: (v: number) => void;
  const race = withTimeout(new Promise<number>((r) => { resolve = r; }), 1000, clock);
  assert.equal(clock.pending(), 1);
  resolve(7);
  assert.deepEqual(await race, { timedOut: false, value: 7 });
  assert.equal(clock.pending(), 0);
});

test('reports timedOut when ms passes first, not a millisecond earlier', async () => {
  const clock = new ManualClock();
  let result: unknown;
  void withTimeout(new Promise(() => {}), 1000, clock).then((r) => { result = r; });
  await clock.tick(999);
  assert.equal(result, undefined);
  await clock.tick(1);
  assert.deepEqual(result, { timedOut: true });
  assert.equal(clock.pending(), 0);
});

test('rejects when the promise rejects first, and clears its timer', async () => {
  const clock = new ManualClock();
  await assert.rejects(withTimeout(Promise.reject(new Error('down')), 1000, clock), /down/);
  assert.equal(clock.pending(), 0);
});

test('a rejection after the timeout is absorbed, never unhandled', async () => {
  const clock = new ManualClock();
  let reject!: (e: unknown) => void;
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    const race = withTimeout(new Promise((_r, rej) => { reject = rej; }), 10, clock);
    await clock.tick(10);
    assert.deepEqual(await race, { timedOut: true });
    reject(new Error('late'));
    await clock.tick(0);
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
