// Regression: op 9 d:false must clear session id, seq AND resume url together (and the stored
// copy); a half-cleared session made the next attempt RESUME a dead session or beat a stale seq.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shardHarness, GATEWAY_URL } from '../unit/gateway-fake-socket.js';

test('op 9 d:false clears all three, persists the clearing, waits 1-5 s, IDENTIFYs on the /gateway/bot URL', async (t) => {
  const h = shardHarness();
  t.after(() => h.shard.stop());
  await h.shard.start();
  await h.flush();
  const first = h.last();
  first.hello(1000);
  h.ready(1);
  first.deliver(0, { id: 'm1' }, 2, 'MESSAGE_CREATE');
  first.deliver(0, { id: 'm2' }, 3, 'MESSAGE_CREATE');
  for (let i = 0; i < 7; i++) { await h.step(1000); first.deliver(11); } // > 5.5 s since IDENTIFY
  assert.deepEqual(h.stored, { sessionId: 'sess-1', seq: 3, resumeUrl: 'wss://resume.test' });
  h.clock.queueRandom(0.5, 0); // op 9 wait = 1000 + 4000*0.5 = 3000; backoff 500
  const t9 = h.clock.now();
  first.deliver(9, false);
  assert.equal(h.shard.sessionId, undefined);
  assert.equal(h.shard.seq, null);
  await h.flush();
  assert.equal(h.stored, undefined);
  assert.equal(h.saved.at(-1), undefined);
  assert.deepEqual(first.closeCalls, [1000], 'the dead session is closed with 1000');
  await h.step(2999);
  assert.equal(h.sockets.length, 1);
  await h.step(1);
  assert.equal(h.sockets.length, 2);
  assert.equal(h.clock.now() - t9, 3000);
  const second = h.last();
  assert.equal(second.url, `${GATEWAY_URL}/?v=10&encoding=json`);
  second.hello(1000);
  assert.equal(second.sent[0]!.op, 2);
  await h.step(500);
  assert.deepEqual(second.sent[1], { op: 1, d: null }, 'no stale seq in the first heartbeat of the new session');
});
