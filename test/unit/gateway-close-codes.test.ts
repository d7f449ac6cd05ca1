import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLOSE_CODES, closeRule } from '../../src/discord/gateway/close-codes.js';

const byAction = (a: string) => Object.entries(CLOSE_CODES).filter(([, r]) => r.action === a).map(([c]) => Number(c)).sort();

test('every RFC 6455 code 1000-1015 and gateway code 4000-4014 has a rule with a reason', () => {
  for (let c = 1000; c <= 1015; c++) assert.ok(CLOSE_CODES[c]?.why, `missing ${c}`);
  for (let c = 4000; c <= 4014; c++) assert.ok(CLOSE_CODES[c]?.why, `missing ${c}`);
});

test('fatal codes are exactly 4004 and 4010-4014 (docs: reconnect=false)', () => {
  assert.deepEqual(byAction('fatal'), [4004, 4010, 4011, 4012, 4013, 4014]);
});

test('new-session codes are 4003, 4006, 4007, 4009', () => {
  assert.deepEqual(byAction('reconnect'), [4003, 4006, 4007, 4009]);
});

test('resumable codes include 1000/1001 received, 1005/1006, 4000-4002, 4005, 4008', () => {
  for (const c of [1000, 1001, 1005, 1006, 4000, 4001, 4002, 4005, 4008]) assert.equal(closeRule(c).action, 'resume', String(c));
});

test('4008 waits at least 5 s and is flagged as our bug; so are 4001, 4002, 4005', () => {
  assert.ok((closeRule(4008).minDelayMs ?? 0) >= 5000);
  for (const c of [4001, 4002, 4005, 4008]) assert.equal(closeRule(c).bug, true, String(c));
  assert.equal(closeRule(4000).bug, undefined);
});

test('unknown codes (including our own 4200 and 3000-range) resume', () => {
  for (const c of [4200, 3000, 4999, 1016]) assert.equal(closeRule(c).action, 'resume', String(c));
});
