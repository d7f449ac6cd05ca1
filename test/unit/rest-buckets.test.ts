// Pure bucket bookkeeping on a manual clock: learned hashes, Remaining/Reset-After waits,
// route blocks, the global pause, the sliding 50/s window and the invalid-request counter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../helpers/clock.js';
import { BucketBook, InvalidRequestCounter, SlidingWindow, parseRateLimitHeaders } from '../../src/discord/rest/buckets.js';

const ROUTE = 'POST /channels/:channel_id/messages';
const headers = (h: Record<string, string>) => (name: string) => h[name] ?? null;

test('parseRateLimitHeaders reads Reset-After in ms and ignores junk', () => {
  assert.deepEqual(parseRateLimitHeaders(headers({
    'x-ratelimit-bucket': 'abcd', 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': '1.5',
  })), { bucket: 'abcd', limit: 5, remaining: 0, resetAfterMs: 1500 });
  assert.deepEqual(parseRateLimitHeaders(headers({ 'x-ratelimit-remaining': 'x' })),
    { bucket: undefined, limit: undefined, remaining: undefined, resetAfterMs: undefined });
});

test('placeholder key until a bucket hash is learned, then hash + major parameter', () => {
  const book = new BucketBook(new ManualClock());
  assert.equal(book.keyFor(ROUTE, '1'), `Global(${ROUTE}):1`);
  const key = book.update(ROUTE, '1', { bucket: 'h1', remaining: 4, limit: 5, resetAfterMs: 1000 });
  assert.equal(key, 'h1:1');
  assert.equal(book.keyFor(ROUTE, '2'), 'h1:2');
  assert.equal(book.hashOf(ROUTE), 'h1');
});

test('Remaining 0 + Reset-After 1.5 s: wait until reset + offset, other major params unaffected', () => {
  const clock = new ManualClock();
  const book = new BucketBook(clock, 50);
  const key = book.update(ROUTE, '1', { bucket: 'h1', remaining: 0, limit: 5, resetAfterMs: 1500 });
  assert.equal(book.bucketWaitMs(key), 1550);
  assert.equal(book.bucketWaitMs(book.keyFor(ROUTE, '2')), 0);
  clock.advance(1000);
  assert.equal(book.bucketWaitMs(key), 550);
  clock.advance(550);
  assert.equal(book.bucketWaitMs(key), 0);
});

test('remaining > 0 never waits; absent headers mean no limit', () => {
  const book = new BucketBook(new ManualClock());
  const key = book.update(ROUTE, '1', { bucket: 'h', remaining: 3, resetAfterMs: 5000 });
  assert.equal(book.bucketWaitMs(key), 0);
  const k2 = book.update('GET /gateway/bot', 'global', {});
  assert.equal(book.bucketWaitMs(k2), 0);
});

test('block (route 429) and pauseGlobal (global 429) add the offset and expire', () => {
  const clock = new ManualClock();
  const book = new BucketBook(clock, 50);
  book.block('k', 2000);
  assert.equal(book.bucketWaitMs('k'), 2050);
  assert.equal(book.globalPauseMs(), 0);
  book.pauseGlobal(1200);
  assert.equal(book.globalPauseMs(), 1250);
  clock.advance(1250);
  assert.equal(book.globalPauseMs(), 0);
  assert.equal(book.bucketWaitMs('k'), 800);
});

test('idle expired buckets are swept on update', () => {
  const clock = new ManualClock();
  const book = new BucketBook(clock, 0, 1000);
  book.update(ROUTE, '1', { bucket: 'h', remaining: 0, resetAfterMs: 10 });
  clock.advance(5000);
  book.update(ROUTE, '2', { bucket: 'h', remaining: 1 });
  assert.equal(book.size(), 1);
});

test('sliding window: at most N sends in any window, waits until the oldest leaves', () => {
  const clock = new ManualClock();
  const w = new SlidingWindow(clock, 3, 1000);
  for (let i = 0; i < 3; i++) { assert.equal(w.waitMs(), 0); w.record(); clock.advance(100); }
  assert.equal(w.waitMs(), 700); // first send at t=0 leaves the window at t=1000
  clock.advance(700);
  assert.equal(w.waitMs(), 0);
  w.record();
  assert.equal(w.waitMs(), 100);
});

test('invalid-request counter: rolling 10-minute window and threshold', () => {
  const clock = new ManualClock();
  const c = new InvalidRequestCounter(clock, 3);
  c.record(); clock.advance(60_000); c.record();
  assert.equal(c.tripped(), false);
  c.record();
  assert.equal(c.tripped(), true);
  assert.equal(c.msUntilBelowLimit(), 540_000); // oldest (t=0) leaves at 10 min; now = 1 min
  clock.advance(9 * 60_000);
  assert.equal(c.count(), 2);
  assert.equal(c.tripped(), false);
});
