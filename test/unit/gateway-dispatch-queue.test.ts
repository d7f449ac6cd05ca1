// The shard's dispatch queue: the handler sees every dispatch as it arrives (so the worker can store
// a backlog in batches), while "processed" (what lets the shard persist a seq) is reported strictly
// in order, each only once its own call and every earlier one have settled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DispatchQueue, type QueuedDispatch } from '../../src/discord/gateway/dispatch-queue.js';
import { createLogger } from '../../src/log.js';

function rig() {
  const calls: number[] = [];
  const processed: number[] = [];
  const gates = new Map<number, { resolve(): void; reject(e: Error): void }>();
  const lines: string[] = [];
  const q = new DispatchQueue(
    (d) => { calls.push(d.s); return new Promise<void>((resolve, reject) => { gates.set(d.s, { resolve, reject }); }); },
    (item) => { processed.push(item.s); },
    createLogger({ level: 'debug', write: (l) => lines.push(l) }),
  );
  const push = (s: number) => q.push({ t: 'MESSAGE_CREATE', s, d: {}, sessionId: 'a' } satisfies QueuedDispatch);
  const turn = () => new Promise((r) => setImmediate(r));
  return { q, calls, processed, gates, push, turn, lines };
}

test('dispatch queue: the handler is called for each dispatch on arrival, in order, without waiting for the previous one', () => {
  const r = rig();
  for (const s of [1, 2, 3]) r.push(s);
  assert.deepEqual(r.calls, [1, 2, 3]);
  assert.equal(r.q.length, 2, 'the oldest is in hand, two wait behind it');
});

test('dispatch queue: processed is reported in order, only once every earlier dispatch has settled too', async () => {
  const r = rig();
  for (const s of [1, 2, 3]) r.push(s);
  r.gates.get(3)!.resolve();
  r.gates.get(2)!.resolve();
  await r.turn();
  assert.deepEqual(r.processed, [], 'nothing reported while 1 is in hand');
  r.gates.get(1)!.resolve();
  await r.turn();
  assert.deepEqual(r.processed, [1, 2, 3]);
  await r.q.idle;
  r.push(4);
  const idle = r.q.idle;
  let done = false;
  void idle.then(() => { done = true; });
  await r.turn();
  assert.equal(done, false, 'idle waits for the new dispatch');
  r.gates.get(4)!.resolve();
  await idle;
  assert.deepEqual(r.processed, [1, 2, 3, 4]);
});

test('dispatch queue: a failing handler call is logged and still counts as handled', async () => {
  const r = rig();
  r.push(1);
  r.gates.get(1)!.reject(new Error('boom'));
  await r.q.idle;
  assert.deepEqual(r.processed, [1]);
  assert.equal(r.lines.filter((l) => l.includes('gateway.dispatch_handler_failed')).length, 1);
});

test('dispatch queue: clear() still reports the dispatch in hand, never the ones behind it; later pushes report as usual', async () => {
  const r = rig();
  for (const s of [1, 2, 3]) r.push(s);
  r.q.clear();
  const idle = r.q.idle;
  r.gates.get(2)!.resolve();
  r.gates.get(3)!.resolve();
  await r.turn();
  assert.deepEqual(r.processed, []);
  r.gates.get(1)!.resolve();
  await idle;
  assert.deepEqual(r.processed, [1]);
  r.push(9);
  r.gates.get(9)!.resolve();
  await r.q.idle;
  assert.deepEqual(r.processed, [1, 9]);
});
