import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewaySession, MAX_FAILED_RESUMES, MAX_UNREACHABLE_RESUMES } from '../../src/discord/gateway/session.js';

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

test('resumeAttemptEnded: a RESUME socket that opened without RESUMED is a failed resume; the second in a row gives the session up', () => {
  const s = readySession(3);
  assert.equal(s.resumeAttemptEnded({ socketOpened: true, resumed: false }), 'failed');
  assert.equal(s.consecutiveFailedResumes, 1);
  assert.deepEqual([s.canResume(), s.reconnectAs()], [true, 'resume']);
  assert.equal(s.resumeAttemptEnded({ socketOpened: true, resumed: false }), 'given-up');
  assert.deepEqual([s.sessionId, s.resumeUrl, s.seq, s.toStored()], [undefined, undefined, null, undefined]);
  assert.deepEqual([s.canResume(), s.reconnectAs(), s.consecutiveFailedResumes], [false, 'identify', 0]);
});

test(`resumeAttemptEnded: a socket that never opened is unreachable, not a failed resume; after ${MAX_UNREACHABLE_RESUMES} the resume URL is suspect`, () => {
  assert.equal(MAX_UNREACHABLE_RESUMES, 3);
  const s = readySession(3);
  for (let i = 1; i <= 5; i++) {
    assert.equal(s.resumeAttemptEnded({ socketOpened: false, resumed: false }), 'unreachable');
    assert.equal(s.consecutiveUnreachableResumes, i);
    assert.equal(s.resumeUrlSuspect, i >= 3, `after ${i} unreachable attempts`);
  }
  assert.equal(s.consecutiveFailedResumes, 0);
  assert.deepEqual([s.sessionId, s.canResume(), s.reconnectAs()], ['sess', true, 'resume'], 'our network being down keeps the session');
});

test('resumeAttemptEnded: an attempt that got RESUMED counts nothing; without a session nothing is counted', () => {
  const s = readySession(3);
  s.resumeAttemptEnded({ socketOpened: true, resumed: false });
  s.resumed();
  assert.equal(s.resumeAttemptEnded({ socketOpened: true, resumed: true }), 'resumed');
  assert.deepEqual([s.consecutiveFailedResumes, s.consecutiveUnreachableResumes, s.canResume()], [0, 0, true]);

  const none = new GatewaySession();
  assert.equal(none.resumeAttemptEnded({ socketOpened: false, resumed: false }), 'no-session');
  assert.equal(none.resumeAttemptEnded({ socketOpened: true, resumed: false }), 'no-session');
  assert.deepEqual([none.consecutiveFailedResumes, none.consecutiveUnreachableResumes], [0, 0]);
});

test('a new session, a restored one and clear() all start the failure counts at zero', () => {
  const fail = (s: GatewaySession) => {
    s.resumeAttemptEnded({ socketOpened: true, resumed: false });
    for (let i = 0; i < 3; i++) s.resumeAttemptEnded({ socketOpened: false, resumed: false });
    assert.deepEqual([s.consecutiveFailedResumes, s.consecutiveUnreachableResumes, s.resumeUrlSuspect], [1, 3, true]);
  };
  const s = readySession(3);
  fail(s);
  s.startNew('sess-2', 'wss://other.test', 1);
  assert.deepEqual([s.consecutiveFailedResumes, s.consecutiveUnreachableResumes, s.resumeUrlSuspect], [0, 0, false]);
  fail(s);
  s.restore({ sessionId: 'a', seq: 3, resumeUrl: 'wss://r' });
  assert.deepEqual([s.consecutiveFailedResumes, s.consecutiveUnreachableResumes, s.resumeUrlSuspect], [0, 0, false]);
  fail(s);
  s.clear();
  assert.deepEqual([s.consecutiveFailedResumes, s.consecutiveUnreachableResumes, s.resumeUrlSuspect], [0, 0, false]);
});

test('reconnectAs: RESUME only while session id, seq and resume URL are all known', () => {
  const s = new GatewaySession();
  assert.equal(s.reconnectAs(), 'identify');
  s.startNew('a', 'wss://r', null);
  assert.equal(s.reconnectAs(), 'identify', 'READY without s: no seq to resume from');
  s.observe(4);
  assert.equal(s.reconnectAs(), 'resume');
  s.clear();
  assert.equal(s.reconnectAs(), 'identify');
  s.restore({ sessionId: 'a', seq: 3, resumeUrl: 'wss://r' });
  assert.equal(s.reconnectAs(), 'resume');
});
