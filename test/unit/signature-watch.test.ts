// The one warning a wrong DISCORD_PUBLIC_KEY or a wrong clock gets (src/discord/interactions/signature-watch.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSignatureWatch } from '../../src/discord/interactions/signature-watch.js';
import type { VerifyResult } from '../../src/discord/interactions/verify.js';
import { createLogger } from '../../src/log.js';
import { ManualClock } from '../helpers/clock.js';

const BAD: VerifyResult = { ok: false, reason: 'bad-signature' };
const STALE: VerifyResult = { ok: false, reason: 'stale-timestamp' };
const OK: VerifyResult = { ok: true };

function watch(clock = new ManualClock()) {
  const lines: string[] = [];
  const w = createSignatureWatch({ clock, log: createLogger({ level: 'debug', write: (l) => lines.push(l) }) });
  return { w, lines, clock };
}

test('10 bad signatures and nothing verified: one warning naming DISCORD_PUBLIC_KEY, not repeated within the window', () => {
  const { w, lines } = watch();
  for (let i = 0; i < 9; i++) w.record(BAD);
  assert.deepEqual(lines, [], 'nine are not yet a pattern');
  w.record(BAD);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^<4>interaction\.signatures_failing reason=bad-signature failed=10 verified=0 window_s=600 likely_cause="DISCORD_PUBLIC_KEY does not match/);
  for (let i = 0; i < 50; i++) w.record(BAD);
  assert.equal(lines.length, 1);
});

test('the warning comes back in the next window; counts start over', () => {
  const { w, lines, clock } = watch();
  for (let i = 0; i < 10; i++) w.record(BAD);
  clock.advance(10 * 60_000);
  for (let i = 0; i < 9; i++) w.record(BAD);
  assert.equal(lines.length, 1);
  w.record(BAD);
  assert.equal(lines.length, 2);
  assert.match(lines[1]!, / failed=10 verified=0 /);
});

test('failures among mostly verified traffic are not dominant: no warning', () => {
  const { w, lines } = watch();
  for (let i = 0; i < 10; i++) w.record(OK);
  for (let i = 0; i < 39; i++) w.record(BAD);
  assert.deepEqual(lines, []);
  w.record(BAD); // 40 = 4 × 10
  assert.match(lines[0]!, / failed=40 verified=10 /);
});

test('missing or malformed headers (scanners) never count; stale/future timestamps warn about the clock', () => {
  const { w, lines } = watch();
  for (let i = 0; i < 100; i++) {
    w.record({ ok: false, reason: 'missing-signature' });
    w.record({ ok: false, reason: 'malformed-signature' });
    w.record({ ok: false, reason: 'malformed-timestamp' });
  }
  assert.deepEqual(lines, []);
  for (let i = 0; i < 5; i++) { w.record(STALE); w.record({ ok: false, reason: 'future-timestamp' }); }
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^<4>interaction\.signatures_failing reason=timestamp-out-of-window failed=10 verified=0 .*clock is off/);
});
