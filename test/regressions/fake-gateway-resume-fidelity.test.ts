// Regressions in the fake gateway (found by the worker fault suite): (1) a close initiated by the
// SERVER with 1001 ended the session, although Discord only invalidates a session when the
// CLIENT closes with 1000/1001; (2) RESUMED went into the replay buffer, so a later RESUME
// replayed an old RESUMED among the missed events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../helpers/clock.js';
import { RawClient, type Frame } from '../helpers/raw-gateway-client.js';
import { startFakeDiscord } from '../../src/fake-discord/index.js';

const QS = '?v=10&encoding=json';
const identify = (token: string) => ({ op: 2, d: { token, intents: 33281, properties: { os: 'linux', browser: 'x', device: 'x' } } });

async function until(c: RawClient, t: string): Promise<Frame> {
  for (;;) { const f = await c.next(); if (f.t === t) return f; }
}

test('server-sent 1001 keeps the session resumable; RESUMED is never replayed', async (t) => {
  const fake = await startFakeDiscord({ clock: new ManualClock(), heartbeatIntervalMs: 45000 });
  t.after(() => fake.close());
  const clients: RawClient[] = [];
  t.after(() => { for (const c of clients) c.ws.terminate(); });
  const open = async (url: string) => { const c = await RawClient.open(url + QS); clients.push(c); assert.equal((await c.next()).op, 10); return c; };

  const a = await open(fake.gatewayUrl);
  a.send(identify(fake.botToken));
  const ready = await until(a, 'READY');
  const sessionId = (ready.d as { session_id: string }).session_id;
  const guild = await until(a, 'GUILD_CREATE'); // intents 33281 include GUILDS

  fake.gateway.closeAll(1001, 'going away');
  assert.equal((await a.closed).code, 1001);

  // Resume #1 after the server's 1001: the session must still be there.
  const b = await open(fake.resumeGatewayUrl);
  b.send({ op: 6, d: { token: fake.botToken, session_id: sessionId, seq: guild.s } });
  const resumed = await b.next();
  assert.equal(resumed.t, 'RESUMED', `expected RESUMED, got op ${resumed.op} d=${JSON.stringify(resumed.d)}`);

  // A message while connected, then a drop, then a message while away.
  fake.postMessage({ channelId: fake.channels.shipped, authorId: fake.members[0]!.id, content: 'one' });
  const one = await until(b, 'MESSAGE_CREATE');
  fake.gateway.dropAll();
  await b.closed;
  fake.postMessage({ channelId: fake.channels.shipped, authorId: fake.members[0]!.id, content: 'two' });

  // Resume #2 from before RESUMED #1 (a client whose processed seq lags): the missed dispatches in
  // order, then a fresh RESUMED; the earlier connection's RESUMED is not replayed.
  const c = await open(fake.resumeGatewayUrl);
  c.send({ op: 6, d: { token: fake.botToken, session_id: sessionId, seq: guild.s } });
  const frames = [await c.next(), await c.next(), await c.next()];
  assert.deepEqual(frames.map((f) => [f.t, (f.d as { content?: string }).content]), [
    ['MESSAGE_CREATE', 'one'], ['MESSAGE_CREATE', 'two'], ['RESUMED', undefined],
  ]);
  assert.equal(frames[0]!.s, one.s);
  assert.equal(c.pending(), 0);
});
