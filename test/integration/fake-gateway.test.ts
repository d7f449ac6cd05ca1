// The fake Discord gateway over real sockets with a raw `ws` client: exact frames for HELLO → IDENTIFY →
// READY → heartbeats → op 7 → RESUME with replay → RESUMED, op 9, close codes, intents and fault hooks.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import WebSocket from 'ws';
import { ManualClock } from '../helpers/clock.js';
import { RawClient } from '../helpers/raw-gateway-client.js';
import { startFakeDiscord, type FakeDiscord } from '../../src/fake-discord/index.js';

const QS = '?v=10&encoding=json';
const identify = (token: string, intents = 33281, extra: Record<string, unknown> = {}) =>
  ({ op: 2, d: { token, intents, properties: { os: 'linux', browser: 'shiptrack', device: 'shiptrack' }, ...extra } });

async function setup(t: TestContext, opts: Parameters<typeof startFakeDiscord>[0] = {}) {
  const clock = new ManualClock();
  // IDENTIFY pacing is off unless a test asks for it: most tests start several sessions at one instant.
  const fake = await startFakeDiscord({ clock, heartbeatIntervalMs: 45000, identifyWindowMs: 0, ...opts });
  t.after(() => fake.close());
  const clients: RawClient[] = [];
  t.after(() => { for (const c of clients) c.ws.terminate(); });
  const connect = async (url = fake.gatewayUrl + QS) => { const c = await RawClient.open(url); clients.push(c); return c; };
  return { clock, fake, connect };
}

async function identified(fake: FakeDiscord, connect: (url?: string) => Promise<RawClient>, intents = 33281) {
  const c = await connect();
  assert.equal((await c.next()).op, 10);
  c.send(identify(fake.botToken, intents));
  const ready = await c.next();
  assert.equal(ready.t, 'READY');
  if (intents & 1) assert.equal((await c.next()).t, 'GUILD_CREATE');
  return { c, ready };
}

test('HELLO → IDENTIFY → READY → GUILD_CREATE → heartbeat ACK → MESSAGE_CREATE with exact frames', async (t) => {
  const { fake, connect } = await setup(t);
  const c = await connect();
  assert.deepEqual(await c.next(), { op: 10, d: { heartbeat_interval: 45000, _trace: ['["fake-discord",{}]'] }, s: null, t: null });
  c.send({ op: 1, d: null });
  assert.deepEqual(await c.next(), { op: 11, d: null, s: null, t: null });
  c.send(identify(fake.botToken, 33281, { shard: [0, 1] }));
  const ready = await c.next();
  assert.equal(ready.op, 0); assert.equal(ready.t, 'READY'); assert.equal(ready.s, 1);
  assert.equal(ready.d.v, 10);
  assert.equal(ready.d.user.id, fake.botUserId); assert.equal(ready.d.user.bot, true);
  assert.deepEqual(ready.d.guilds, [{ id: fake.guildId, unavailable: true }]);
  assert.deepEqual(ready.d.shard, [0, 1]);
  assert.equal(ready.d.application.id, fake.applicationId);
  assert.equal(ready.d.application.flags, 1 << 19); // GATEWAY_MESSAGE_CONTENT_LIMITED: Message Content on, under 100 servers
  assert.match(ready.d.session_id, /^[0-9a-f]{32}$/);
  assert.equal(ready.d.resume_gateway_url, fake.resumeGatewayUrl);
  assert.notEqual(ready.d.resume_gateway_url, fake.gatewayUrl);
  const guild = await c.next();
  assert.equal(guild.t, 'GUILD_CREATE'); assert.equal(guild.s, 2);
  assert.deepEqual(guild.d.channels.map((ch: { name: string }) => ch.name), ['i-shipped', 'announcements', 'general']);
  c.send({ op: 1, d: 2 });
  assert.deepEqual(await c.next(), { op: 11, d: null, s: null, t: null });

  const ada = fake.members[0]!;
  const posted = fake.postMessage({ channelId: fake.channels.shipped, authorId: ada.id, content: 'I shipped ShipTrack v1' });
  const mc = await c.next();
  assert.equal(mc.op, 0); assert.equal(mc.t, 'MESSAGE_CREATE'); assert.equal(mc.s, 3);
  assert.equal(mc.d.id, posted.id); assert.equal(mc.d.channel_id, fake.channels.shipped); assert.equal(mc.d.guild_id, fake.guildId);
  assert.deepEqual(mc.d.author, { id: ada.id, username: ada.username, global_name: ada.globalName, discriminator: '0', avatar: null,
    public_flags: 0, flags: 0, banner: null, accent_color: null, avatar_decoration_data: null, primary_guild: null });
  assert.deepEqual(Object.keys(mc.d.member).sort(), ['avatar', 'banner', 'communication_disabled_until', 'deaf', 'flags', 'joined_at', 'mute', 'nick', 'pending', 'premium_since', 'roles']);
  assert.equal(mc.d.content, 'I shipped ShipTrack v1');
  assert.match(mc.d.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  for (const [k, v] of Object.entries({ edited_timestamp: null, tts: false, mention_everyone: false, pinned: false, type: 0, flags: 0 })) assert.equal(mc.d[k], v, k);
  for (const k of ['mentions', 'mention_roles', 'attachments', 'embeds']) assert.deepEqual(mc.d[k], [], k);
  assert.equal('webhook_id' in mc.d, false);
  // Snowflake: the timestamp bits decode to the clock's time.
  assert.equal(Number((BigInt(posted.id) >> 22n) + 1420070400000n), Date.parse(posted.timestamp));
  assert.equal(fake.gateway.identifyCount, 1);
  assert.deepEqual(fake.gateway.connectionLog()[0]!.received.map((f) => f.op), [1, 2, 1]);
});

test('op 7 → client closes 4000 → RESUME on resume_gateway_url replays missed dispatches with their s, then RESUMED', async (t) => {
  const { fake, connect } = await setup(t);
  const { c, ready } = await identified(fake, connect);
  fake.gateway.sendReconnect();
  assert.deepEqual(await c.next(), { op: 7, d: null, s: null, t: null });
  const gone = once(fake.events, 'disconnect');
  c.ws.close(4000, 'reconnect requested');
  assert.equal((await gone)[0].code, 4000);
  assert.deepEqual(fake.gateway.sessions().map((s) => [s.connected, s.seq]), [[false, 2]]);

  const ada = fake.members[0]!.id;
  const m1 = fake.postMessage({ channelId: fake.channels.shipped, authorId: ada, content: 'one' });
  const m2 = fake.postMessage({ channelId: fake.channels.shipped, authorId: ada, content: 'two' });
  fake.editMessage(fake.channels.shipped, m1.id, 'one (edited)');
  fake.deleteMessage(fake.channels.shipped, m2.id);

  const r = await connect(ready.d.resume_gateway_url + QS);
  assert.equal((await r.next()).op, 10);
  r.send({ op: 6, d: { token: fake.botToken, session_id: ready.d.session_id, seq: 2 } });
  const replay = [await r.next(), await r.next(), await r.next(), await r.next(), await r.next()];
  assert.deepEqual(replay.map((f) => [f.op, f.t, f.s]), [[0, 'MESSAGE_CREATE', 3], [0, 'MESSAGE_CREATE', 4], [0, 'MESSAGE_UPDATE', 5], [0, 'MESSAGE_DELETE', 6], [0, 'RESUMED', 7]]);
  assert.equal(replay[0]!.d.id, m1.id); assert.equal(replay[1]!.d.id, m2.id);
  assert.equal(replay[2]!.d.content, 'one (edited)'); assert.notEqual(replay[2]!.d.edited_timestamp, null);
  assert.deepEqual(replay[3]!.d, { id: m2.id, channel_id: fake.channels.shipped, guild_id: fake.guildId });
  assert.equal(fake.gateway.resumeCount, 1);
  assert.equal(fake.gateway.identifyCount, 1);
  assert.equal(fake.gateway.connectionLog().at(-1)!.path, '/resume');
  // New events after RESUMED continue the sequence.
  fake.postMessage({ channelId: fake.channels.shipped, authorId: ada, content: 'three' });
  assert.deepEqual([(await r.next()).s], [8]);
});

test('a dropped TCP connection (no close frame) keeps the session resumable; a stale seq replays from there', async (t) => {
  const { fake, connect } = await setup(t);
  const { c, ready } = await identified(fake, connect);
  const gone = once(fake.events, 'disconnect');
  fake.gateway.dropAll();
  await gone;
  await c.closed;
  fake.postMessage({ channelId: fake.channels.general, authorId: fake.members[1]!.id, content: 'while away' });
  const r = await connect(ready.d.resume_gateway_url + QS);
  await r.next();
  r.send({ op: 6, d: { token: fake.botToken, session_id: ready.d.session_id, seq: 1 } });
  assert.deepEqual([await r.next(), await r.next(), await r.next()].map((f) => [f.t, f.s]), [['GUILD_CREATE', 2], ['MESSAGE_CREATE', 3], ['RESUMED', 4]]);
});

test('op 9: d=true keeps the session resumable; d=false invalidates it (RESUME then gets op 9 false)', async (t) => {
  const { fake, connect } = await setup(t);
  const { c, ready } = await identified(fake, connect);
  fake.gateway.invalidateSessions(true);
  assert.deepEqual(await c.next(), { op: 9, d: true, s: null, t: null });
  assert.deepEqual(fake.gateway.sessions().map((s) => [s.invalid, s.connected]), [[false, false]]);
  c.send({ op: 6, d: { token: fake.botToken, session_id: ready.d.session_id, seq: 2 } });
  assert.equal((await c.next()).t, 'RESUMED');
  fake.gateway.invalidateSessions(false);
  assert.deepEqual(await c.next(), { op: 9, d: false, s: null, t: null });
  c.ws.close(4000);
  await c.closed;
  const r = await connect(ready.d.resume_gateway_url + QS);
  await r.next();
  r.send({ op: 6, d: { token: fake.botToken, session_id: ready.d.session_id, seq: 2 } });
  assert.deepEqual(await r.next(), { op: 9, d: false, s: null, t: null });
  assert.equal(fake.gateway.resumeCount, 1);
});

test('close codes: wrong token 4004, before identify 4003, identify twice 4005, decode error 4002, bad seq 4007, unknown op 4001, privileged intent 4014', async (t) => {
  const { fake, connect } = await setup(t, { messageContentIntentEnabled: false });
  const expectClose = async (frames: unknown[], code: number) => {
    const c = await connect();
    await c.next();
    for (const f of frames) c.send(f);
    assert.equal((await c.closed).code, code);
  };
  await expectClose([identify('not-the-token', 512)], 4004);
  await expectClose([{ op: 3, d: { since: null, activities: [], status: 'online', afk: false } }], 4003);
  await expectClose(['{not json'], 4002);
  await expectClose([{ op: 99, d: null }], 4001);
  await expectClose([identify(fake.botToken, 33280)], 4014); // MESSAGE_CONTENT not enabled for this app
  const { c, ready } = await identified(fake, connect, 512);
  c.send(identify(fake.botToken, 512));
  assert.equal((await c.closed).code, 4005);
  await expectClose([{ op: 6, d: { token: fake.botToken, session_id: ready.d.session_id, seq: 99 } }], 4007);
  assert.equal(fake.gateway.identifyCount, 1);
  assert.equal(ready.d.application.flags, 0); // Message Content off: no content flag
});

test('without MESSAGE_CONTENT the content is blanked unless the bot is mentioned; every identified session gets the event', async (t) => {
  const { fake, connect } = await setup(t);
  const { c: a } = await identified(fake, connect, 512); // GUILD_MESSAGES only
  const { c: b } = await identified(fake, connect, 512 | 32768);
  const ada = fake.members[0]!.id;
  fake.postMessage({ channelId: fake.channels.shipped, authorId: ada, content: 'secret launch' });
  const [fa, fb] = [await a.next(), await b.next()];
  assert.equal(fa.d.content, ''); assert.deepEqual(fa.d.embeds, []);
  assert.equal(fb.d.content, 'secret launch');
  assert.equal(fa.d.id, fb.d.id);
  fake.postMessage({ channelId: fake.channels.shipped, authorId: ada, content: `hey <@${fake.botUserId}>` });
  assert.equal((await a.next()).d.content, `hey <@${fake.botUserId}>`);
  // A session without GUILD_MESSAGES gets no message events at all.
  const { c: none } = await identified(fake, connect, 1);
  fake.postMessage({ channelId: fake.channels.shipped, authorId: ada, content: 'x' });
  await b.next(); await b.next();
  assert.equal(none.pending(), 0);
});

test('faults: stopAcking, server heartbeat request, 4009 on missing heartbeats (session kept), 4008 over 120 frames, refused upgrades, closeAll', async (t) => {
  const { fake, connect, clock } = await setup(t);
  const { c } = await identified(fake, connect);
  fake.gateway.stopAcking();
  c.send({ op: 1, d: 2 });
  fake.gateway.requestHeartbeat();
  assert.deepEqual(await c.next(), { op: 1, d: null, s: null, t: null }); // no op 11 in between
  fake.gateway.stopAcking(false);
  c.send({ op: 1, d: 2 });
  assert.equal((await c.next()).op, 11);
  clock.advance(45000 * 2.5);
  assert.equal((await c.closed).code, 4009);
  assert.equal(fake.gateway.sessions()[0]!.invalid, false); // Discord: "you will be forced to Resume"

  const spam = await connect();
  await spam.next();
  for (let i = 0; i < 121; i++) spam.send({ op: 1, d: null });
  assert.equal((await spam.closed).code, 4008);

  fake.gateway.refuseConnections();
  const ws = new WebSocket(fake.gatewayUrl + QS);
  ws.on('error', () => {}); // terminate() after a refused upgrade reports an error we expect
  const [, res] = await once(ws, 'unexpected-response');
  assert.equal(res.statusCode, 503);
  ws.terminate();
  fake.gateway.refuseConnections(false);

  const d = await connect();
  await d.next();
  const gone = once(fake.events, 'disconnect');
  fake.gateway.closeAll(4000, 'bye');
  assert.deepEqual(await d.closed, { code: 4000, reason: 'bye' });
  await gone;
  assert.equal(fake.gateway.connections(), 0);
});

/** Fails the test (instead of hanging) when `p` has not settled within `ms` of real time. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
const resumeFrame = (token: string, sessionId: string, seq: number) => ({ op: 6, d: { token, session_id: sessionId, seq } });

test('op 9 d=true, then RESUME on the same connection: the events since are replayed, then RESUMED', async (t) => {
  const { fake, connect } = await setup(t);
  const { c, ready } = await identified(fake, connect);
  fake.gateway.invalidateSessions(true);
  assert.deepEqual(await c.next(), { op: 9, d: true, s: null, t: null });
  const ada = fake.members[0]!.id;
  const missed = fake.postMessage({ channelId: fake.channels.shipped, authorId: ada, content: 'after op 9' });
  c.send(resumeFrame(fake.botToken, ready.d.session_id, 2));
  const [replayed, resumed] = [await c.next(), await c.next()];
  assert.deepEqual([replayed.op, replayed.t, replayed.s, replayed.d.id], [0, 'MESSAGE_CREATE', 3, missed.id]);
  assert.deepEqual([resumed.op, resumed.t, resumed.s], [0, 'RESUMED', 4]);
  fake.postMessage({ channelId: fake.channels.shipped, authorId: ada, content: 'live again' });
  assert.deepEqual(((f) => [f.t, f.s])(await c.next()), ['MESSAGE_CREATE', 5]);
  assert.equal(fake.gateway.connectionLog().length, 1);
  assert.deepEqual([fake.gateway.identifyCount, fake.gateway.resumeCount], [1, 1]);
});

test('op 9 d=false, then IDENTIFY on the same connection starts a new session', async (t) => {
  const { fake, connect } = await setup(t);
  const { c, ready } = await identified(fake, connect, 512);
  fake.gateway.invalidateSessions(false);
  assert.deepEqual(await c.next(), { op: 9, d: false, s: null, t: null });
  c.send(identify(fake.botToken, 512));
  const again = await c.next();
  assert.deepEqual([again.t, again.s], ['READY', 1]);
  assert.notEqual(again.d.session_id, ready.d.session_id);
  assert.equal(fake.gateway.identifyCount, 2);
});

test('missed heartbeats: the server closes (4009 by default) and the session stays resumable, as Discord documents', async (t) => {
  const { fake, connect, clock } = await setup(t, { heartbeatTimeoutMs: 1000 });
  const { c, ready } = await identified(fake, connect);
  clock.advance(999);
  c.send({ op: 1, d: 2 }); // re-arms the timeout
  assert.equal((await c.next()).op, 11);
  clock.advance(1000);
  assert.deepEqual(await within(c.closed, 1000, 'heartbeat timeout close'), { code: 4009, reason: 'Session timed out' });
  assert.equal(fake.gateway.sessions()[0]!.invalid, false);
  const missed = fake.postMessage({ channelId: fake.channels.shipped, authorId: fake.members[0]!.id, content: 'while timed out' });
  const r = await connect(ready.d.resume_gateway_url + QS);
  await r.next();
  r.send(resumeFrame(fake.botToken, ready.d.session_id, 2));
  assert.deepEqual([await r.next(), await r.next()].map((f) => [f.t, f.s, f.d?.id]), [['MESSAGE_CREATE', 3, missed.id], ['RESUMED', 4, undefined]]);

  // The close code is a fake option; Discord's docs do not name one.
  const other = await setup(t, { heartbeatTimeoutMs: 500, heartbeatTimeoutCloseCode: 4000 });
  const o = await other.connect();
  await o.next();
  other.clock.advance(500);
  assert.equal((await within(o.closed, 1000, 'custom close code')).code, 4000);
});

test('op 7: a client that stays connected is closed by the server with 1001 after reconnectCloseMs; the session stays resumable', async (t) => {
  const { fake, connect, clock } = await setup(t, { reconnectCloseMs: 3000 });
  const { c, ready } = await identified(fake, connect);
  fake.gateway.sendReconnect();
  assert.deepEqual(await c.next(), { op: 7, d: null, s: null, t: null });
  clock.advance(2999);
  c.send({ op: 1, d: 2 });
  assert.deepEqual(await c.next(), { op: 11, d: null, s: null, t: null }); // still open just before the deadline
  clock.advance(1);
  assert.deepEqual(await within(c.closed, 1000, 'close after op 7'), { code: 1001, reason: 'Discord WebSocket requesting client reconnect.' });
  assert.equal(fake.gateway.sessions()[0]!.invalid, false);
  const r = await connect(ready.d.resume_gateway_url + QS);
  await r.next();
  r.send(resumeFrame(fake.botToken, ready.d.session_id, 2));
  assert.deepEqual(((f) => [f.t, f.s])(await r.next()), ['RESUMED', 3]);
});

test('IDENTIFY pacing: more than max_concurrency IDENTIFYs per window get op 9 d=false and start no session', async (t) => {
  const limit = { total: 1000, remaining: 1000, reset_after: 86_400_000, max_concurrency: 1 };
  const { fake, connect, clock } = await setup(t, { identifyWindowMs: undefined, sessionStartLimit: limit }); // the default: Discord's 5 s
  await identified(fake, connect, 512);
  const c = await connect();
  await c.next();
  clock.advance(4999);
  c.send(identify(fake.botToken, 512));
  assert.deepEqual(await c.next(), { op: 9, d: false, s: null, t: null });
  assert.equal(fake.gateway.identifyCount, 1);
  clock.advance(1);
  c.send(identify(fake.botToken, 512)); // the same connection may IDENTIFY again once the window has passed
  assert.equal((await c.next()).t, 'READY');
  assert.equal(fake.gateway.identifyCount, 2);

  // max_concurrency 2: shards 0 and 1 are separate buckets (shard_id % max_concurrency); shard 2 shares shard 0's.
  const two = await setup(t, { identifyWindowMs: 5000, sessionStartLimit: { ...limit, max_concurrency: 2 } });
  const answers: unknown[] = [];
  for (const shard of [[0, 3], [1, 3], [2, 3]]) {
    const s = await two.connect();
    await s.next();
    s.send(identify(two.fake.botToken, 512, { shard }));
    const f = await s.next();
    answers.push(f.op === 0 ? f.t : [f.op, f.d]);
  }
  assert.deepEqual(answers, ['READY', 'READY', [9, false]]);
});

test('application flags: READY and GET /applications/@me report the same flags from the world; the flags decide privileged intents', async (t) => {
  const GATEWAY_MESSAGE_CONTENT = 1 << 18, GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19, GATEWAY_GUILD_MEMBERS_LIMITED = 1 << 15, APPLICATION_COMMAND_BADGE = 1 << 23;
  const appFlags = async (fake: FakeDiscord) => {
    const res = await fetch(`${fake.apiBase}/applications/@me`, { headers: { authorization: `Bot ${fake.botToken}` } });
    const body = await res.json() as { flags: number; flags_new?: string };
    return body.flags;
  };
  // Default: an app in under 100 servers with Message Content switched on in the portal.
  const { fake, connect } = await setup(t);
  const { ready } = await identified(fake, connect, 512 | 32768);
  assert.equal(ready.d.application.flags, GATEWAY_MESSAGE_CONTENT_LIMITED);
  assert.equal(await appFlags(fake), GATEWAY_MESSAGE_CONTENT_LIMITED);
  // Registering global commands earns APPLICATION_COMMAND_BADGE, in both places.
  await fetch(`${fake.apiBase}/applications/${fake.applicationId}/commands`, { method: 'PUT', headers: { authorization: `Bot ${fake.botToken}`, 'content-type': 'application/json' },
    body: JSON.stringify([{ name: 'ship', description: 'Log a launch' }]) }).then((r) => r.text());
  assert.equal(await appFlags(fake), GATEWAY_MESSAGE_CONTENT_LIMITED | APPLICATION_COMMAND_BADGE);
  assert.equal((await identified(fake, connect, 512)).ready.d.application.flags, GATEWAY_MESSAGE_CONTENT_LIMITED | APPLICATION_COMMAND_BADGE);

  // No Message Content: no content flag at all, and the intent is refused with 4014.
  const off = await setup(t, { messageContentIntentEnabled: false });
  const { ready: r2 } = await identified(off.fake, off.connect, 512);
  assert.equal(r2.d.application.flags, 0);
  assert.equal(await appFlags(off.fake), 0);
  const refused = await off.connect();
  await refused.next();
  refused.send(identify(off.fake.botToken, 512 | 32768));
  assert.equal((await refused.closed).code, 4014);

  // Explicit flags (a verified app approved for Message Content and Server Members) open those intents.
  const verified = await setup(t, { applicationFlags: GATEWAY_MESSAGE_CONTENT | GATEWAY_GUILD_MEMBERS_LIMITED });
  const { ready: r3 } = await identified(verified.fake, verified.connect, 512 | 32768 | 2);
  assert.equal(r3.d.application.flags, GATEWAY_MESSAGE_CONTENT | GATEWAY_GUILD_MEMBERS_LIMITED);
  assert.equal(await appFlags(verified.fake), GATEWAY_MESSAGE_CONTENT | GATEWAY_GUILD_MEMBERS_LIMITED);
});
