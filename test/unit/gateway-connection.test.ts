import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayConnection } from '../../src/discord/gateway/connection.js';
import { gatewayConnectUrl } from '../../src/discord/gateway/opcodes.js';
import { ManualClock } from '../helpers/clock.js';
import { ScriptedSocket } from './gateway-fake-socket.js';

function open(closeTimeoutMs = 3000) {
  const clock = new ManualClock();
  let sock!: ScriptedSocket;
  const conn = new GatewayConnection({ url: 'wss://x.test/?v=10&encoding=json', clock, closeTimeoutMs, openSocket: (u) => (sock = new ScriptedSocket(u)) });
  conn.open();
  sock.accept();
  return { clock, conn, sock };
}

test('connect URL carries exactly v=10&encoding=json (no compress), replacing any query', () => {
  assert.equal(gatewayConnectUrl('wss://gateway.discord.gg'), 'wss://gateway.discord.gg/?v=10&encoding=json');
  assert.equal(gatewayConnectUrl('ws://127.0.0.1:9/resume?compress=zlib-stream'), 'ws://127.0.0.1:9/resume?v=10&encoding=json');
});

test('parses frames and emits payloads; malformed frames are dropped', () => {
  const { conn, sock } = open();
  const got: unknown[] = [];
  conn.on('payload', (p) => got.push(p));
  sock.emit('message', Buffer.from('not json'));
  sock.deliver(11);
  assert.deepEqual(got, [{ op: 11, d: null, s: null, t: null }]);
});

test('send budget: 200 queued sends → 115 now, the rest after the window; priority frames still pass', () => {
  const { clock, conn, sock } = open();
  for (let i = 0; i < 200; i++) conn.send({ op: 3, d: { i } });
  assert.equal(sock.sent.length, 115);
  assert.equal(conn.queued, 85);
  assert.equal(conn.send({ op: 1, d: null }, { priority: true }), true);
  assert.equal(sock.sent.length, 116, 'heartbeat bypasses the queue');
  clock.advance(59_999);
  assert.equal(sock.sent.length, 116);
  clock.advance(2);
  // the first 115 left the window; the heartbeat (sent at t=0 too) also left it
  assert.equal(sock.sent.length, 201);
  const nonPriority = sock.sent.filter((f) => f.op === 3).map((f) => f.d.i);
  assert.deepEqual(nonPriority, Array.from({ length: 200 }, (_, i) => i), 'order kept');
});

test('no 60 s sliding window ever holds more than 120 frames, nor more than 115 non-priority', () => {
  const { clock, conn, sock } = open();
  const times: { at: number; op: number }[] = [];
  const origSend = sock.send.bind(sock);
  sock.send = (d: string) => { times.push({ at: clock.now(), op: JSON.parse(d).op }); origSend(d); };
  for (let i = 0; i < 300; i++) conn.send({ op: 3, d: i });
  for (let t = 0; t < 200_000; t += 5000) { conn.send({ op: 1, d: null }, { priority: true }); clock.advance(5000); }
  for (const { at } of times) {
    const win = times.filter((x) => x.at > at - 60_000 && x.at <= at);
    assert.ok(win.length <= 120, `window at ${at} has ${win.length}`);
    assert.ok(win.filter((x) => x.op === 3).length <= 115);
  }
  assert.equal(times.filter((x) => x.op === 3).length, 300);
});

test('oversize frames (> 4096 bytes) are refused, not sent', () => {
  const { conn, sock } = open();
  assert.equal(conn.send({ op: 3, d: 'x'.repeat(5000) }), false);
  assert.equal(sock.sent.length, 0);
});

test('close(): resolves when the peer answers; listeners removed; exactly one closed event', async () => {
  const { conn, sock } = open();
  const closed: unknown[] = [];
  conn.on('closed', (c) => closed.push(c));
  await conn.close(4200, 'bye');
  assert.deepEqual(sock.closeCalls, [4200]);
  assert.deepEqual(closed, [{ code: 4200, reason: '', byUs: true }]);
  assert.deepEqual(sock.eventNames(), ['error'], 'only the no-op error guard is left');
  sock.emit('error', new Error('late')); // must not throw
  sock.deliver(0, {}, 1, 'LATE');
  assert.equal(closed.length, 1);
});

test('close(): a peer that never finishes the handshake is terminated after closeTimeoutMs', async () => {
  const { clock, conn, sock } = open(3000);
  sock.echoClose = false;
  let done = false;
  void conn.close(4200).then(() => { done = true; });
  await clock.tick(2999);
  assert.equal(done, false);
  await clock.tick(1);
  assert.equal(sock.terminated, true);
  assert.equal(done, true);
  assert.equal(clock.pending(), 0);
});

test('a server close is reported once with byUs=false and the send queue is dropped', () => {
  const { clock, conn, sock } = open();
  for (let i = 0; i < 130; i++) conn.send({ op: 3, d: i });
  const closed: unknown[] = [];
  conn.on('closed', (c) => closed.push(c));
  sock.serverClose(4000);
  assert.deepEqual(closed, [{ code: 4000, reason: '', byUs: false }]);
  assert.equal(conn.queued, 0);
  assert.equal(clock.pending(), 0, 'drain timer cleared');
});
