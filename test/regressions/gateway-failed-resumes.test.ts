// Regression (carbon#350): a stale session must not be resumed forever. Two RESUME attempts in a
// row that end without RESUMED → forget the session and IDENTIFY.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shardHarness, GATEWAY_URL, RESUME_URL } from '../unit/gateway-fake-socket.js';

test('two failed resumes in a row → the third attempt IDENTIFYs on the /gateway/bot URL', async (t) => {
  const h = shardHarness();
  t.after(() => h.shard.stop());
  await h.shard.start();
  await h.flush();
  h.last().hello(1000);
  h.ready(5);
  await h.step(100);
  h.last().serverClose(4000);
  for (let attempt = 1; attempt <= 2; attempt++) {
    await h.step(10_000);
    assert.equal(h.sockets.length, attempt + 1);
    const s = h.last();
    assert.equal(s.url, `${RESUME_URL}/?v=10&encoding=json`);
    s.hello(1000);
    assert.deepEqual(s.sent[0], { op: 6, d: { token: 'test-token', session_id: 'sess-1', seq: 5 } });
    s.serverClose(4000); // resume attempt ends without RESUMED
  }
  await h.flush();
  assert.equal(h.stored, undefined, 'the given-up session is cleared from the store too');
  await h.step(10_000);
  assert.equal(h.sockets.length, 4);
  const s = h.last();
  assert.equal(s.url, `${GATEWAY_URL}/?v=10&encoding=json`);
  s.hello(1000);
  assert.equal(s.sent[0]!.op, 2);
});

test('a RESUMED in between resets the count (one failure, success, one failure → still resumes)', async (t) => {
  const h = shardHarness();
  t.after(() => h.shard.stop());
  await h.shard.start();
  await h.flush();
  h.last().hello(1000);
  h.ready(5);
  h.last().serverClose(4000);
  await h.step(10_000);
  h.last().hello(1000); h.last().serverClose(4000); // failure 1
  await h.step(10_000);
  h.last().hello(1000); h.last().deliver(0, {}, 6, 'RESUMED'); // success
  h.last().serverClose(4000);
  await h.step(10_000);
  h.last().hello(1000); h.last().serverClose(4000); // failure 1 again
  await h.step(10_000);
  assert.equal(h.last().url, `${RESUME_URL}/?v=10&encoding=json`);
  h.last().hello(1000);
  assert.equal(h.last().sent[0]!.op, 6);
});
