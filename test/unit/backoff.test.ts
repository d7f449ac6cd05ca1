// The one backoff formula (src/backoff.ts): equal jitter, delay in [cap/2, cap), cap = min(max, base·2^(n-1)).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from '../../src/backoff.js';

const always = (v: number) => () => v;

test('the cap doubles per attempt from base; the smallest draw gives half of it', () => {
  const policy = { baseMs: 1000, maxMs: 8000 };
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, always(0))), [500, 1000, 2000, 4000, 4000, 4000]);
});

test('the largest draw stays just under the cap; a mid draw lands in between (floored)', () => {
  const policy = { baseMs: 500, maxMs: 15_000 };
  assert.equal(backoffDelay(1, policy, always(0.999)), 499);
  assert.equal(backoffDelay(3, policy, always(0.5)), 1500);
  assert.equal(backoffDelay(10, policy, always(0.999)), 14_992);
  assert.equal(backoffDelay(3, { baseMs: 333 }, always(0.5)), 999);
});

test('no maxMs: the cap keeps doubling; huge attempt numbers stay finite', () => {
  assert.equal(backoffDelay(4, { baseMs: 500 }, always(0)), 2000);
  assert.ok(Number.isFinite(backoffDelay(10_000, { baseMs: 500 }, always(0))));
  assert.equal(backoffDelay(10_000, { baseMs: 500, maxMs: 60_000 }, always(0)), 30_000);
});

test('attempt 0 or below counts as the first attempt', () => {
  assert.equal(backoffDelay(0, { baseMs: 1000 }, always(0)), 500);
});
