// Issue 14: the shard's session saves (timing.sessionSaveMs) and the ingest's cursor writes
// (src/worker/cursor-writer.ts) are coalesced while events flow. On a manual clock: a new session
// is saved at once; later seqs at most once per interval, carrying the last processed seq; stop()
// saves the last processed seq at once. The cursor: one write per interval with the newest id, a
// failed write kept and retried, close() writes what is pending. (SIGKILL: the regression
// worker-sigkill-coalesced-state.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CursorWriter } from '../../src/worker/cursor-writer.js';
import { silentLogger } from '../../src/log.js';
import type { Queryable } from '../../src/db/pool.js';
import { ManualClock } from '../helpers/clock.js';
import { RESUME_URL, shardHarness } from './gateway-fake-socket.js';

test('shard: a new session is saved at once, later seqs at most once per sessionSaveMs with the last processed seq, stop() saves at once', async () => {
  const h = shardHarness({ timing: { sessionSaveMs: 500 } });
  await h.shard.start();
  await h.flush();
  h.last().hello(1000);
  h.ready(1);
  await h.flush();
  assert.deepEqual(h.saved, [{ sessionId: 'sess-1', seq: 1, resumeUrl: RESUME_URL }], 'READY: saved at once');
  for (let s = 2; s <= 6; s++) h.last().deliver(0, { id: String(s) }, s, 'MESSAGE_CREATE');
  await h.flush();
  assert.equal(h.dispatches.length, 6);
  assert.equal(h.saved.length, 1, 'no save per event');
  await h.step(499);
  assert.equal(h.saved.length, 1);
  await h.step(1);
  assert.deepEqual(h.saved.at(-1), { sessionId: 'sess-1', seq: 6, resumeUrl: RESUME_URL }, 'one save, the last processed seq');
  assert.equal(h.saved.length, 2);
  h.last().deliver(0, { id: '7' }, 7, 'MESSAGE_CREATE');
  await h.flush();
  assert.equal(h.saved.length, 2, 'seq 7 waits for the next interval');
  await h.shard.stop();
  assert.deepEqual(h.saved.at(-1), { sessionId: 'sess-1', seq: 7, resumeUrl: RESUME_URL }, 'stop(): saved at once');
  assert.equal(h.saved.length, 3);
  await h.step(1000);
  assert.equal(h.saved.length, 3, 'no coalesced save after stop()');
});

test('shard: without sessionSaveMs every processed event is saved (the default)', async () => {
  const h = shardHarness();
  await h.shard.start();
  await h.flush();
  h.last().hello(1000);
  h.ready(1);
  for (let s = 2; s <= 4; s++) h.last().deliver(0, { id: String(s) }, s, 'MESSAGE_CREATE');
  await h.flush();
  assert.deepEqual(h.saved.map((s) => s?.seq), [1, 2, 3, 4]);
  await h.shard.stop();
});

function cursorDb() {
  const writes: string[] = [];
  let failNext = 0;
  const db: Queryable = {
    query: (async (_text: string, values?: unknown[]) => {
      if (failNext > 0) { failNext--; throw new Error('connection reset'); }
      writes.push(String(values?.[1]));
      return { rows: [], rowCount: 1, command: 'INSERT', oid: 0, fields: [] };
    }) as Queryable['query'],
  };
  return { db, writes, failOnce: () => { failNext = 1; } };
}

test('cursor writer: one write per interval with the newest id; flush() writes at once; a failed write is retried; close() writes what is pending', async () => {
  const clock = new ManualClock();
  const c = cursorDb();
  const w = new CursorWriter({ db: c.db, clock, log: silentLogger, channelId: '1', intervalMs: 500 });
  for (const id of ['100', '101', '102']) w.advance(id);
  await clock.tick(0);
  assert.deepEqual(c.writes, [], 'nothing written per message');
  await clock.tick(500);
  assert.deepEqual(c.writes, ['102'], 'one write, the newest id');

  w.advance('103');
  w.advance('99'); // never backwards
  await w.flush();
  assert.deepEqual(c.writes, ['102', '103']);

  c.failOnce();
  w.advance('104');
  await clock.tick(500);
  assert.deepEqual(c.writes, ['102', '103'], 'the write failed');
  w.advance('105');
  await clock.tick(1000); // retried at the next write, with the newer id
  assert.deepEqual(c.writes, ['102', '103', '105']);

  w.advance('106');
  await w.close();
  assert.deepEqual(c.writes, ['102', '103', '105', '106'], 'close() writes what is pending');
  w.advance('107');
  await clock.tick(5000);
  assert.equal(c.writes.length, 4, 'no timed write after close()');
  assert.equal(clock.pending(), 0);
});
