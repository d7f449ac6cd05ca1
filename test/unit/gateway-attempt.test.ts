// ConnectionAttempt over a scripted socket on a ManualClock: what one connection records, its
// HELLO watchdog and heartbeat, and that a disposed attempt is inert (docs/gateway.md §3.5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionAttempt, type AttemptHandlers, type AttemptMode } from '../../src/discord/gateway/attempt.js';
import { silentLogger } from '../../src/log.js';
import { ManualClock } from '../helpers/clock.js';
import { ScriptedSocket } from './gateway-fake-socket.js';

function attemptHarness(mode: AttemptMode = 'resume') {
  const clock = new ManualClock();
  const calls: string[] = [];
  let socket: ScriptedSocket | undefined;
  let seq: number | null = 7;
  const handlers: AttemptHandlers = {
    opened: () => { calls.push('opened'); },
    payload: (a, p) => { calls.push(`payload op ${p.op}`); assert.equal(a, attempt); },
    closed: (info) => { calls.push(`closed ${info.code}`); },
    helloTimeout: () => { calls.push('helloTimeout'); },
    zombie: () => { calls.push('zombie'); },
    heartbeatAck: (latencyMs) => { calls.push(`ack ${latencyMs}`); },
  };
  const attempt = new ConnectionAttempt({
    mode, url: 'wss://gateway.test/?v=10&encoding=json', clock, log: silentLogger,
    openSocket: (url) => (socket = new ScriptedSocket(url)),
    closeTimeoutMs: 3000, helloTimeoutMs: 30_000, seq: () => seq,
  }, handlers);
  return {
    clock, calls, attempt,
    get socket() { return socket!; },
    setSeq: (s: number | null) => { seq = s; },
  };
}

test('an attempt records its own connection: socket opened, replayed dispatches, RESUMED', () => {
  const h = attemptHarness('resume');
  h.attempt.open();
  assert.deepEqual([h.attempt.mode, h.attempt.socketOpened, h.attempt.resumed, h.attempt.replayed, h.attempt.helloSeen], ['resume', false, false, 0, false]);
  h.socket.accept();
  assert.equal(h.attempt.socketOpened, true);
  h.attempt.noteReplayed();
  h.attempt.noteReplayed();
  h.attempt.noteResumed();
  assert.deepEqual([h.attempt.resumed, h.attempt.replayed], [true, 2]);
  h.socket.deliver(0, {}, 8, 'RESUMED');
  assert.deepEqual(h.calls, ['opened', 'payload op 0']);
});

test('gateway §4.3: no HELLO within the timeout → helloTimeout once; HELLO in time stops the watchdog', () => {
  const late = attemptHarness();
  late.attempt.open();
  late.socket.accept();
  late.clock.advance(29_999);
  assert.deepEqual(late.calls, ['opened']);
  late.clock.advance(1);
  assert.deepEqual(late.calls, ['opened', 'helloTimeout']);
  assert.deepEqual(late.socket.sent, [], 'nothing is sent before HELLO');

  const onTime = attemptHarness();
  onTime.attempt.open();
  onTime.socket.accept();
  onTime.clock.advance(10_000);
  onTime.attempt.startHeartbeat(1000);
  assert.equal(onTime.attempt.helloSeen, true);
  onTime.clock.advance(60_000);
  assert.ok(!onTime.calls.includes('helloTimeout'));
});

test('gateway §4.8, §4.9: beats carry the seq read at send time; a server op 1 is answered before and after HELLO', () => {
  const h = attemptHarness();
  h.attempt.open();
  h.socket.accept();
  h.attempt.heartbeatRequested();
  assert.deepEqual(h.socket.sent, [{ op: 1, d: 7 }], 'answered before HELLO too');
  h.clock.queueRandom(0);
  h.attempt.startHeartbeat(1000);
  h.setSeq(9);
  h.clock.advance(0);
  assert.deepEqual(h.socket.sent.at(-1), { op: 1, d: 9 });
  h.clock.advance(500);
  h.attempt.heartbeatAcked();
  assert.deepEqual(h.calls, ['opened', 'ack 500']);
  assert.equal(h.attempt.latencyMs, 500);
  h.setSeq(null);
  h.attempt.heartbeatRequested();
  assert.deepEqual(h.socket.sent.at(-1), { op: 1, d: null });
});

test('gateway §4.10: a beat falling due un-ACKed reports a zombie once and stops beating', () => {
  const h = attemptHarness();
  h.attempt.open();
  h.socket.accept();
  h.clock.queueRandom(0);
  h.attempt.startHeartbeat(1000);
  h.clock.advance(0);
  assert.equal(h.socket.sent.length, 1);
  h.clock.advance(999);
  assert.deepEqual(h.calls, ['opened']);
  h.clock.advance(1);
  assert.deepEqual(h.calls, ['opened', 'zombie']);
  h.clock.advance(5000);
  assert.deepEqual(h.calls, ['opened', 'zombie']);
  assert.equal(h.socket.sent.length, 1);
});

test('a second HELLO does not start a second heartbeat', () => {
  const h = attemptHarness();
  h.attempt.open();
  h.socket.accept();
  h.clock.queueRandom(0, 0);
  h.attempt.startHeartbeat(1000);
  h.attempt.startHeartbeat(1000);
  h.clock.advance(0);
  assert.equal(h.socket.sent.length, 1);
});

test('gateway §4.26: a disposed attempt is inert: no handler runs, no timer is left, nothing is sent', async () => {
  const h = attemptHarness();
  h.attempt.open();
  h.socket.accept();
  h.attempt.startHeartbeat(1000);
  h.socket.echoClose = false;
  const closed = h.attempt.dispose(4200, 'test');
  assert.deepEqual(h.socket.closeCalls, [4200]);
  h.socket.deliver(9, false);
  h.socket.emit('open');
  assert.equal(h.attempt.send({ op: 3, d: {} }), false);
  h.attempt.heartbeatRequested();
  assert.deepEqual(h.socket.sent, []);
  h.clock.advance(3000); // close budget → terminate → 'close'
  await closed;
  assert.equal(h.socket.terminated, true);
  h.clock.advance(120_000);
  assert.deepEqual(h.calls, ['opened']);
  assert.equal(h.clock.pending(), 0);
  assert.equal(await h.attempt.dispose(4200, 'again'), undefined, 'idempotent');

  const early = attemptHarness(); // disposed before HELLO: the watchdog goes too
  early.attempt.open();
  early.socket.accept();
  await early.attempt.dispose(4200, 'op 7 before hello');
  early.clock.advance(60_000);
  assert.deepEqual(early.calls, ['opened']);
  assert.equal(early.clock.pending(), 0);
});

test('the server closing the socket is reported once, then dispose() resolves at once', async () => {
  const h = attemptHarness();
  h.attempt.open();
  h.socket.accept();
  h.socket.serverClose(4000);
  assert.deepEqual(h.calls, ['opened', 'closed 4000']);
  await h.attempt.dispose(4200, 'after server close');
  assert.deepEqual(h.socket.closeCalls, []);
  assert.equal(h.clock.pending(), 0);
});
