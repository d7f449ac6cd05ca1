// Regression (Psycheros#42): the "not ACKed" flag of a dead connection must not carry into the
// next one, or the fresh socket is declared a zombie on its first tick, forever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shardHarness, RESUME_URL } from '../unit/gateway-fake-socket.js';

test('after a zombie close, a fresh socket that is ACKed normally is not declared a zombie', async (t) => {
  const h = shardHarness();
  t.after(() => h.shard.stop());
  await h.shard.start();
  await h.flush();
  const first = h.last();
  first.hello(1000); // first beat at 1000 * 0.5
  h.ready(1);
  await h.step(500);
  assert.deepEqual(first.ops(), [2, 1]);
  await h.step(1000); // beat due, previous un-ACKed → zombie
  assert.deepEqual(first.closeCalls, [4200]);
  await h.step(1000); // backoff (750 ms at random 0.5)
  assert.equal(h.sockets.length, 2);
  const second = h.last();
  assert.equal(second.url, `${RESUME_URL}/?v=10&encoding=json`);
  second.hello(1000);
  assert.deepEqual(second.sent[0], { op: 6, d: { token: 'test-token', session_id: 'sess-1', seq: 1 } });
  second.deliver(0, {}, 2, 'RESUMED');
  for (let i = 0; i < 5; i++) {
    await h.step(i === 0 ? 500 : 1000);
    second.deliver(11);
  }
  assert.deepEqual(second.closeCalls, [], 'the fresh socket was never closed');
  assert.deepEqual(second.ops(), [6, 1, 1, 1, 1, 1]);
  assert.equal(h.shard.state, 'ready');
});

test('a reconnect (op 7) right after an un-ACKed beat does not poison the next connection', async (t) => {
  const h = shardHarness();
  t.after(() => h.shard.stop());
  await h.shard.start();
  await h.flush();
  h.last().hello(1000);
  h.ready(1);
  await h.step(500); // beat sent, no ACK
  h.last().deliver(7);
  await h.step(1000);
  const second = h.last();
  assert.equal(h.sockets.length, 2);
  second.hello(1000);
  second.deliver(0, {}, 2, 'RESUMED');
  await h.step(500); second.deliver(11);
  await h.step(1000); second.deliver(11);
  assert.deepEqual(second.closeCalls, []);
  assert.deepEqual(second.ops(), [6, 1, 1]);
});
