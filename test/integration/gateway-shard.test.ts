// docs/gateway.md §4 against the fake Discord over real sockets: startup, heartbeating, sequence,
// resume/replay, shutdown. Recovery paths (close codes, op 9, backoff) are in gateway-shard-recovery.
// Test names cite the numbered items of docs/gateway.md §4 as `gateway §4.N`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rig, startReady, waitFor, type Frame } from './gateway-harness.js';
import { ManualClock } from '../helpers/clock.js';
import { openWebSocket, type WebSocketLike } from '../../src/discord/gateway/connection.js';

test('gateway §4.1, §4.4, §4.13: /gateway/bot with auth+UA, connect v=10&encoding=json, one IDENTIFY after HELLO, READY persisted', async (t) => {
  const r = await rig(t);
  await startReady(r);
  const gw = r.fake.requests.filter((q) => q.path === '/gateway/bot');
  assert.equal(gw.length, 1);
  assert.equal(gw[0]!.headers.authorization, `Bot ${r.fake.botToken}`);
  assert.match(String(gw[0]!.headers['user-agent']), /^DiscordBot \(/);
  const [conn] = r.conns();
  assert.equal(conn!.path, '/gateway');
  assert.equal(conn!.query, 'v=10&encoding=json');
  assert.equal(conn!.sent[0]!.op, 10, 'HELLO came first');
  const identify = conn!.received[0] as Frame;
  assert.equal(identify.op, 2);
  assert.deepEqual(Object.keys(identify.d).sort(), ['intents', 'properties', 'token']);
  assert.equal(identify.d.token, r.fake.botToken);
  assert.equal(identify.d.intents, 33281);
  assert.deepEqual(Object.keys(identify.d.properties).sort(), ['browser', 'device', 'os']);
  assert.ok(Buffer.byteLength(JSON.stringify(identify)) <= 4096);
  assert.equal(conn!.received.filter((f) => f.op === 2).length, 1);
  assert.deepEqual(r.states, ['idle→waiting', 'waiting→connecting', 'connecting→identifying', 'identifying→ready']);
  assert.equal(r.shard.user?.id, r.fake.botUserId);
  assert.ok(!r.logs.some((l) => l.includes(r.fake.botToken)), 'token never logged');
  // READY (s=1) and GUILD_CREATE (s=2) processed → persisted
  await r.store.seqReaches(2);
  const session = r.fake.gateway.sessions()[0]!;
  assert.deepEqual(r.store.value, { sessionId: session.sessionId, seq: 2, resumeUrl: r.fake.resumeGatewayUrl });
  assert.deepEqual(r.dispatches.map((d) => d.t), ['READY', 'GUILD_CREATE']);
});

test('gateway §4.6, §4.7, §4.8: first beat within one interval, then every interval; beat carries the latest seq', async (t) => {
  // The shard's clock is manual and HELLO says 30 s, so the fake's own heartbeat timeout (75 s of
  // real time) never runs out: the beats are checked at exact times, whatever the machine's load.
  const clock = new ManualClock();
  clock.queueRandom(0.25); // the first beat's jitter: 0.25 of the interval
  const beats: Array<{ at: number; d: unknown }> = [];
  const r = await rig(t, { heartbeatIntervalMs: 30_000 }, {
    clock,
    openSocket: (url) => {
      const ws = openWebSocket(url);
      const send = ws.send.bind(ws);
      ws.send = (data: string) => {
        const frame = JSON.parse(data) as Frame;
        if (frame.op === 1) beats.push({ at: clock.now(), d: frame.d });
        send(data);
      };
      return ws;
    },
  });
  await startReady(r);
  const t0 = clock.now();
  const acked = () => waitFor(r.shard, 'heartbeatAck');
  clock.advance(7499);
  assert.equal(beats.length, 0, 'no beat before interval x jitter');
  let ack = acked();
  clock.advance(1);
  assert.deepEqual(beats.map((b) => b.at - t0), [7500], 'first beat at interval x jitter');
  for (let i = 1; i <= 3; i++) {
    await ack;
    clock.advance(29_999);
    assert.equal(beats.length, i, `no beat 1 ms before beat ${i + 1}`);
    ack = acked();
    clock.advance(1);
  }
  assert.deepEqual(beats.map((b) => b.at - t0), [7500, 37_500, 67_500, 97_500], 'then one beat per interval');
  await ack;
  for (let i = 0; i < 5; i++) r.fake.postMessage({ channelId: r.fake.channels.shipped, authorId: r.fake.members[0]!.id, content: `m${i}` });
  await r.store.seqReaches(7); // READY, GUILD_CREATE and the five MESSAGE_CREATEs, handled
  clock.advance(30_000);
  assert.equal(beats.at(-1)!.d, r.fake.gateway.sessions()[0]!.seq);
  assert.equal(beats.at(-1)!.d, 7);
});

test('gateway §4.9: server op 1 answered at once with the current seq, and never treated as a zombie', async (t) => {
  // The shard's clock is manual and HELLO says 30 s: no periodic beat can go out while the clock
  // stands still, so an op 1 that arrives after the server's request is the answer to it. (This
  // was a real-time bound of 100 ms, which a loaded machine can miss.)
  const clock = new ManualClock();
  clock.queueRandom(0.25);
  const r = await rig(t, { heartbeatIntervalMs: 30_000 }, { clock });
  await startReady(r);
  const periodic = r.nextFrame(1);
  clock.advance(7500); // the first periodic beat (interval x jitter), ACKed
  await periodic;
  await waitFor(r.shard, 'heartbeatAck');
  r.fake.gateway.stopAcking();
  let disconnected = false;
  r.fake.events.once('disconnect', () => { disconnected = true; });
  const reply = r.nextFrame(1, () => true, 10_000); // without an answer no beat comes at all
  r.fake.gateway.requestHeartbeat();
  assert.equal((await reply).d, r.fake.gateway.sessions()[0]!.seq);
  // The answer is not a periodic beat: its ACK is not awaited, so the next periodic beat (ACKed
  // again) finds no missing ACK and the connection stays.
  r.fake.gateway.stopAcking(false);
  const next = r.nextFrame(1);
  clock.advance(30_000);
  await next;
  await waitFor(r.shard, 'heartbeatAck');
  assert.equal(disconnected, false);
  assert.equal(r.shard.state, 'ready');
  assert.equal(r.conns().length, 1, 'one connection throughout');
});

test('gateway §4.10, §4.12: missing ACK → close non-1000, RESUME on resume_gateway_url with old session+seq; fresh socket not a zombie', async (t) => {
  const r = await rig(t);
  await startReady(r);
  const sessionId = r.fake.gateway.sessions()[0]!.sessionId;
  r.fake.gateway.stopAcking();
  const unacked = await r.nextFrame(1);
  const unackedAt = Date.now();
  const disc = await waitFor<{ code: number }>(r.fake.events, 'disconnect');
  assert.ok(Date.now() - unackedAt <= 250 * 1.5, 'closed about one interval after the un-ACKed beat');
  assert.ok(disc.code !== 1000 && disc.code !== 1001, `close code ${disc.code}`);
  r.fake.gateway.stopAcking(false);
  const resumed = await waitFor<{ replayed: number }>(r.shard, 'resumed');
  assert.equal(resumed.replayed, 0);
  const conn = r.conns().at(-1)!;
  assert.equal(conn.path, '/resume');
  assert.equal(conn.query, 'v=10&encoding=json');
  assert.deepEqual(conn.received[0], { op: 6, d: { token: r.fake.botToken, session_id: sessionId, seq: unacked.d } });
  assert.equal(r.fake.gateway.identifyCount, 1);
  // gateway §4.12: the new socket survives several ticks
  for (let i = 0; i < 3; i++) await r.nextFrame(1);
  assert.equal(r.conns().length, 2);
  assert.equal(r.shard.state, 'ready');
});

test('gateway §4.11: a close handshake that never completes is cut short; reconnect well within 5 s', async (t) => {
  const r = await rig(t);
  r.shard = r.makeShard({
    openSocket: (url) => {
      const ws = openWebSocket(url) as WebSocketLike & { close: (c?: number) => void };
      ws.close = () => {}; // the close frame is "lost": the peer never answers
      return ws;
    },
  });
  await startReady(r);
  const t0 = Date.now();
  r.fake.gateway.sendReconnect();
  await waitFor(r.shard, 'resumed');
  assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  assert.equal(r.conns()[0]!.closeCode, 1006, 'old socket was terminated, not closed cleanly');
  assert.ok(r.logs.some((l) => l.includes('gateway.close_timeout')));
});

test('gateway §4.13: a restarted process RESUMEs its stored session instead of IDENTIFYing', async (t) => {
  const r = await rig(t);
  await startReady(r);
  r.fake.postMessage({ channelId: r.fake.channels.shipped, authorId: r.fake.members[0]!.id, content: 'before restart' });
  await r.store.seqReaches(3);
  const disc = waitFor<{ code: number }>(r.fake.events, 'disconnect');
  await r.shard.stop(); // deploy: resumable
  assert.equal((await disc).code, 4200);
  assert.equal(r.store.value?.seq, 3);
  const second = r.makeShard();
  const resumed = waitFor(second, 'resumed');
  await second.start();
  await resumed;
  const conn = r.conns().at(-1)!;
  assert.equal(conn.path, '/resume');
  assert.equal(conn.received[0]!.op, 6);
  assert.equal((conn.received[0]!.d as { seq: number }).seq, 3);
  assert.equal(r.fake.gateway.identifyCount, 1);
  assert.equal(r.fake.requests.filter((q) => q.path === '/gateway/bot').length, 1, 'no /gateway/bot needed to resume');
});

test('gateway §4.18: missed events are replayed once, in order, then RESUMED; next beat carries the last seq', async (t) => {
  const r = await rig(t);
  await startReady(r);
  r.fake.gateway.dropAll();
  const ids = [1, 2, 3, 4].map((i) => r.fake.postMessage({ channelId: r.fake.channels.shipped, authorId: r.fake.members[0]!.id, content: `while away ${i}` }).id);
  const resumed = await waitFor<{ replayed: number }>(r.shard, 'resumed');
  assert.equal(resumed.replayed, 4);
  const beat = await r.nextFrame(1);
  assert.equal(beat.d, 7);
  const created = r.dispatches.filter((d) => d.t === 'MESSAGE_CREATE').map((d) => d.d.id);
  assert.deepEqual(created, ids);
  assert.deepEqual(r.dispatches.map((d) => d.s), [1, 2, 3, 4, 5, 6, 7]);
});

test('gateway §4.28: deploy stop closes 4200 and keeps the session; decommission closes 1000 and forgets it; both < 5 s', async (t) => {
  const r = await rig(t);
  await startReady(r);
  let t0 = Date.now();
  let disc = waitFor<{ code: number }>(r.fake.events, 'disconnect');
  await r.shard.stop({ resumable: true });
  assert.ok(Date.now() - t0 < 5000);
  assert.equal(r.shard.state, 'idle');
  assert.equal((await disc).code, 4200);
  assert.ok(r.store.value?.sessionId);
  const beatsAfter = r.conns()[0]!.received.length;
  await new Promise((res) => setTimeout(res, 600));
  assert.equal(r.conns()[0]!.received.length, beatsAfter, 'no heartbeats after stop');
  const second = r.makeShard();
  const resumed = waitFor(second, 'resumed');
  await second.start();
  await resumed;
  t0 = Date.now();
  disc = waitFor<{ code: number }>(r.fake.events, 'disconnect');
  await second.stop({ resumable: false });
  assert.ok(Date.now() - t0 < 5000);
  assert.equal((await disc).code, 1000);
  assert.equal(r.store.value, undefined);
});

test('gateway §4.29: 20 reconnect cycles leave no listeners on discarded sockets and one live socket at a time', async (t) => {
  const r = await rig(t);
  await startReady(r);
  for (let i = 0; i < 20; i++) {
    const resumed = waitFor(r.shard, 'resumed');
    r.fake.gateway.sendReconnect();
    await resumed;
  }
  assert.equal(r.sockets.length, 21);
  for (const ws of r.sockets.slice(0, -1)) {
    const w = ws as unknown as { listenerCount(e: string): number };
    assert.deepEqual(['open', 'message', 'close', 'error'].map((e) => w.listenerCount(e)), [0, 0, 0, 1]);
  }
  assert.equal(r.maxLiveSockets, 1);
  assert.equal(r.fake.gateway.identifyCount, 1);
  assert.equal(r.fake.gateway.resumeCount, 20);
});
