// The one serial job queue (src/serial-queue.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SerialQueue } from '../../src/serial-queue.js';

function deferred<T = void>() {
  let resolve!: (v: T) => void; let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}
const flush = async () => { for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); };

test('runs jobs one at a time, in the order added; each caller gets its own result', async () => {
  const q = new SerialQueue();
  const log: string[] = [];
  const gates = [deferred(), deferred(), deferred()];
  const results = gates.map((g, i) => q.add(async () => { log.push(`start ${i}`); await g.promise; log.push(`end ${i}`); return i * 10; }));
  assert.deepEqual(log, ['start 0'], 'the first job starts at once, the others wait');
  assert.equal(q.size, 2);
  assert.equal(q.pending, 3);
  gates[2]!.resolve(); gates[1]!.resolve();
  await flush();
  assert.deepEqual(log, ['start 0'], 'later jobs finishing their work early changes nothing');
  gates[0]!.resolve();
  assert.deepEqual(await Promise.all(results), [0, 10, 20]);
  assert.deepEqual(log, ['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
  assert.equal(q.pending, 0);
});

test('a failing job rejects only its own promise; the next job still runs', async () => {
  const q = new SerialQueue();
  const first = q.add(async () => { throw new Error('boom'); });
  const sync = q.add(() => { throw new Error('sync boom'); });
  const third = q.add(() => 'ok');
  await assert.rejects(first, /boom/);
  await assert.rejects(sync, /sync boom/);
  assert.equal(await third, 'ok');
});

test('a job that adds another job does not start a second runner', async () => {
  const q = new SerialQueue();
  const log: string[] = [];
  let inner: Promise<void> | undefined;
  await q.add(() => {
    inner = q.add(() => { log.push('inner'); });
    log.push('outer');
  });
  await inner;
  assert.deepEqual(log, ['outer', 'inner']);
});

test('idle resolves once nothing is waiting or running, and at once when already idle', async () => {
  const q = new SerialQueue();
  let idle = false;
  await q.idle;
  const gate = deferred();
  void q.add(() => gate.promise);
  void q.add(() => undefined);
  void q.idle.then(() => { idle = true; });
  await flush();
  assert.equal(idle, false);
  gate.resolve();
  await flush();
  assert.equal(idle, true);
  assert.equal(q.pending, 0);
});

test('clear() drops jobs not started (calling onDrop, their promises never settle); the running one finishes', async () => {
  const q = new SerialQueue();
  const gate = deferred();
  const ran: string[] = [];
  const dropped: string[] = [];
  const running = q.add(async () => { await gate.promise; ran.push('a'); return 'a'; });
  let settled = false;
  void q.add(() => { ran.push('b'); }, () => dropped.push('b')).finally(() => { settled = true; });
  void q.add(() => { ran.push('c'); });
  assert.equal(q.clear(), 2);
  assert.deepEqual(dropped, ['b']);
  assert.equal(q.size, 0);
  assert.equal(q.pending, 1);
  gate.resolve();
  assert.equal(await running, 'a');
  await q.idle;
  await flush();
  assert.deepEqual(ran, ['a']);
  assert.equal(settled, false);
  assert.equal(await q.add(() => 'after'), 'after', 'the queue keeps working after clear()');
});
