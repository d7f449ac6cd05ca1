import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewaySession, MAX_FAILED_RESUMES } from '../../src/discord/gateway/session.js';

function readySession(seq = 1) {
  const s = new GatewaySession();
  s.startNew('sess', 'wss://resume.test', seq);
  return s;
}

test('only a non-null s higher than the current seq advances it', () => {
  const s = readySession(1);
  assert.equal(s.observe(5), true);
  assert.equal(s.observe(null), false);
  assert.equal(s.observe(undefined), false);
  assert.equal(s.observe(3), false, 'a replayed lower s never moves seq back');
  assert.equal(s.observe(5), false);
  assert.equal(s.seq, 5);
  assert.equal(s.observe(10), true);
  assert.equal(s.seq, 10);
});

test('a new session (READY) restarts seq at READY\'s s, even below the old value', () => {
  const s = readySession(1);
  s.observe(50);
  s.startNew('sess-2', 'wss://other.test', 1);
  assert.deepEqual([s.sessionId, s.resumeUrl, s.seq], ['sess-2', 'wss://other.test', 1]);
});

test('canResume needs all three facts', () => {
  const s = new GatewaySession();
  assert.equal(s.canResume(), false);
  s.restore({ sessionId: 'a', seq: 3, resumeUrl: 'wss://r' });
  assert.equal(s.canResume(), true);
  assert.deepEqual(s.toStored(), { sessionId: 'a', seq: 3, resumeUrl: 'wss://r' });
  assert.deepEqual(s.toStored(2), { sessionId: 'a', seq: 2, resumeUrl: 'wss://r' }, 'persist the processed seq');
});

test('clear() drops session id, seq and resume url together', () => {
  const s = readySession(7);
  s.clear();
  assert.deepEqual([s.sessionId, s.resumeUrl, s.seq, s.canResume(), s.toStored()], [undefined, undefined, null, false, undefined]);
});

test(`after ${MAX_FAILED_RESUMES} failed resumes in a row the session is given up`, () => {
  assert.equal(MAX_FAILED_RESUMES, 2);
  const s = readySession(3);
  assert.equal(s.resumeFailed(), false);
  assert.equal(s.canResume(), true);
  assert.equal(s.resumeFailed(), true);
  assert.equal(s.canResume(), false);
  assert.equal(s.sessionId, undefined);
});

test('a successful RESUMED resets the failure count', () => {
  const s = readySession(3);
  s.resumeFailed();
  s.resumed();
  assert.equal(s.resumeFailed(), false);
  assert.equal(s.canResume(), true);
});
