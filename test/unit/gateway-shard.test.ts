// GatewayShard driven frame by frame over a scripted socket on a ManualClock: the cases the fake
// cannot stage (no HELLO, replayed lower seq, late frames from a discarded socket, timer teardown).
// Test names cite the numbered items of docs/gateway.md §4 as `gateway §4.N`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shardHarness, GATEWAY_URL, RESUME_URL } from './gateway-fake-socket.js';
import type { StoredSession } from '../../src/discord/gateway/session.js';
import { createLogger } from '../../src/log.js';

test('gateway §4.3: nothing is sent before HELLO; no HELLO within the timeout → close non-1000 and reconnect', async (t) => {
  const h = shardHarness({ timing: { helloTimeoutMs: 30_000 } });
  t.after(() => h.shard.stop());
  await h.shard.start();
  await h.flush();
  const first = h.last();
  first.accept();
  await h.step(29_999);
  assert.deepEqual(first.sent, []);
  assert.deepEqual(first.closeCalls, []);
  await h.step(1);
  assert.deepEqual(first.closeCalls, [4200]);
  await h.step(2000);
  assert.equal(h.sockets.length, 2);
  assert.deepEqual(h.states.slice(0, 6), ['idle→waiting', 'waiting→connecting', 'connecting→closing', 'closing→waiting', 'waiting→connecting']);
});

test('gateway §4.14: a replayed lower s never moves the heartbeat seq back; op 10/11 never change it', async (t) => {
  const h = shardHarness();
  t.after(() => h.shard.stop());
  await h.shard.start();
  await h.flush();
  const s = h.last();
  s.hello(1000);
  h.ready(1);
  s.deliver(0, { id: 'a' }, 10, 'MESSAGE_CREATE');
  s.deliver(0, { id: 'b' }, 7, 'MESSAGE_CREATE');
  s.deliver(11);
  await h.step(500);
  assert.deepEqual(s.sent.at(-1), { op: 1, d: 10 });
  assert.deepEqual(h.dispatches.map((d) => d.s), [1, 10, 7], 'every dispatch is still handed over, in order');
});

test('seq is persisted only after onDispatch resolved, so a crash mid-handler replays the event', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const h = shardHarness({ onDispatch: async (d) => { if (d.t === 'MESSAGE_CREATE') await gate; } });
  t.after(() => { release(); return h.shard.stop(); });
  await h.shard.start();
  await h.flush();
  h.last().hello(1000);
  h.ready(1);
  h.last().deliver(0, { id: 'slow' }, 2, 'MESSAGE_CREATE');
  await h.flush();
  assert.equal(h.stored?.seq, 1, 'READY persisted, the event in hand is not');
  assert.equal(h.shard.seq, 2, 'received seq (for heartbeats) is already 2');
  release();
  await h.flush();
  assert.equal(h.stored?.seq, 2);
});

test('a stored session RESUMEs on its URL without calling /gateway/bot', async (t) => {
  const h = shardHarness({ stored: { sessionId: 'old', seq: 41, resumeUrl: RESUME_URL } });
  t.after(() => h.shard.stop());
  await h.shard.start();
  await h.flush();
  assert.equal(h.gatewayBotCalls, 0);
  assert.equal(h.last().url, `${RESUME_URL}/?v=10&encoding=json`);
  h.last().hello(1000);
  assert.deepEqual(h.last().sent[0], { op: 6, d: { token: 'test-token', session_id: 'old', seq: 41 } });
  assert.equal(h.shard.state, 'resuming');
});

test('gateway §4.26: late frames and a late close from a discarded socket never touch the current one', async (t) => {
  const h = shardHarness();
  t.after(() => h.shard.stop());
  await h.shard.start();
  await h.flush();
  const old = h.last();
  old.hello(1000);
  h.ready(1);
  old.echoClose = false;
  old.deliver(7);
  await h.step(3000); // close timeout (3 s) → terminate → reconnect
  assert.equal(old.terminated, true);
  await h.step(1000);
  assert.equal(h.sockets.length, 2);
  const current = h.last();
  current.hello(1000);
  old.emit('message', Buffer.from(JSON.stringify({ op: 9, d: false, s: null, t: null })));
  old.emit('close', 1000, Buffer.from(''));
  current.deliver(0, {}, 2, 'RESUMED');
  assert.equal(h.shard.state, 'ready');
  assert.equal(h.shard.sessionId, 'sess-1');
  assert.deepEqual(current.ops(), [6]);
});

test('stop() during a backoff wait and after fatal leaves no timers behind', async (t) => {
  const h = shardHarness();
  await h.shard.start();
  await h.flush();
  h.last().hello(1000);
  h.ready(1);
  h.last().serverClose(4000);
  await h.flush();
  assert.equal(h.shard.state, 'waiting');
  await h.shard.stop();
  assert.equal(h.shard.state, 'idle');
  assert.equal(h.clock.pending(), 0);
  assert.deepEqual(h.stored, { sessionId: 'sess-1', seq: 1, resumeUrl: RESUME_URL });

  const f = shardHarness();
  t.after(() => f.shard.stop());
  const fatal: unknown[] = [];
  f.shard.on('fatal', (e) => fatal.push(e));
  await f.shard.start();
  await f.flush();
  f.last().hello(1000);
  f.last().serverClose(4004);
  await f.step(120_000);
  assert.equal(fatal.length, 1);
  assert.equal(f.sockets.length, 1);
  assert.equal(f.shard.state, 'idle');
  assert.equal(f.clock.pending(), 0);
  assert.equal(f.last().url, `${GATEWAY_URL}/?v=10&encoding=json`);
});

test('illegal state changes are refused', async () => {
  const h = shardHarness();
  const transition = (h.shard as unknown as { transition(to: string, why: string): void }).transition.bind(h.shard);
  assert.throws(() => transition('ready', 'test'), /illegal gateway state change idle→ready/);
});

test('session saves run one at a time in call order; a failed save is logged and the next still runs; stop() waits for the last at most stopGraceMs', async (t) => {
  const calls: { s: StoredSession | undefined; resolve: () => void; reject: (e: Error) => void }[] = [];
  const logs: string[] = [];
  const h = shardHarness({
    sessionStore: {
      load: async () => undefined,
      save: (s) => new Promise<void>((resolve, reject) => { calls.push({ s, resolve, reject }); }),
    },
    log: createLogger({ level: 'debug', write: (l) => logs.push(l) }),
    timing: { stopGraceMs: 500 },
  });
  t.after(() => { for (const c of calls) c.resolve(); });
  await h.shard.start();
  await h.flush();
  h.last().hello(1000);
  h.ready(1);
  await h.flush();
  h.last().deliver(0, { id: 'a' }, 2, 'MESSAGE_CREATE');
  await h.flush();
  assert.deepEqual(calls.map((c) => c.s?.seq), [1], 'the second save waits for the first');
  calls[0]!.reject(new Error('db down'));
  await h.flush();
  assert.ok(logs.some((l) => l.startsWith('<4>gateway.session_save_failed ')), logs.join('\n'));
  assert.deepEqual(calls.map((c) => c.s?.seq), [1, 2]);
  calls[1]!.resolve();
  let stopped = false;
  const stop = h.shard.stop().then(() => { stopped = true; });
  await h.step(0);
  assert.deepEqual(calls.map((c) => c.s), [calls[0]!.s, calls[1]!.s, { sessionId: 'sess-1', seq: 2, resumeUrl: RESUME_URL }], 'the final save is on its way');
  await h.step(499);
  assert.equal(stopped, false);
  await h.step(1);
  await stop;
  assert.equal(h.shard.state, 'idle');
  assert.equal(h.clock.pending(), 0);
});
