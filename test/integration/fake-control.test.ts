// The fake Discord's HTTP control API: simulated members, what the bot did, fault injection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../helpers/clock.js';
import { RawClient } from '../helpers/raw-gateway-client.js';
import { startFakeDiscord, type FakeDiscord } from '../../src/fake-discord/index.js';

/** Calls the fake's control API; the answer's JSON body (if any) comes back parsed. */
function controlClient(fake: FakeDiscord) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(fake.controlUrl + path, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}

test('control API: members post/edit/delete, reads bot output, injects REST and gateway faults', async (t) => {
  const fake = await startFakeDiscord({ clock: new ManualClock() });
  t.after(() => fake.close());
  const ctl = controlClient(fake);
  const state = await ctl('GET', '/state');
  assert.deepEqual(state.body.channels, fake.channels);
  const posted = await ctl('POST', '/messages', { channel: 'shipped', author: 'ada', content: 'I shipped v1' });
  assert.equal(posted.status, 200);
  assert.equal(posted.body.author.username, 'ada');
  assert.equal((await ctl('PATCH', `/messages/shipped/${posted.body.id}`, { content: 'I shipped v2' })).body.content, 'I shipped v2');
  assert.deepEqual((await ctl('GET', '/messages?channel=i-shipped')).body.map((m: { content: string }) => m.content), ['I shipped v2']);
  assert.equal((await ctl('DELETE', `/messages/shipped/${posted.body.id}`)).status, 204);
  assert.deepEqual(fake.messages(fake.channels.shipped), []);
  assert.equal((await ctl('POST', '/messages', { channel: 'nope', author: 'ada', content: 'x' })).status, 400);

  await fetch(`${fake.apiBase}/channels/${fake.channels.announcements}/messages`, { method: 'POST',
    headers: { authorization: `Bot ${fake.botToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ content: 'digest', allowed_mentions: { parse: [] } }) });
  const botMsgs = await ctl('GET', '/bot-messages?channel=announcements');
  assert.deepEqual(botMsgs.body.map((m: { content: string; sent: unknown }) => [m.content, m.sent]), [['digest', { allowedMentions: { parse: [] }, flags: 0, enforceNonce: false }]]);

  assert.equal((await ctl('POST', '/faults', { target: 'rest', action: 'script', path: 'messages$', status: 503 })).status, 204);
  const r = await fetch(`${fake.apiBase}/channels/${fake.channels.announcements}/messages`, { headers: { authorization: `Bot ${fake.botToken}` } });
  assert.equal(r.status, 503); await r.text();
  assert.equal((await ctl('POST', '/faults', { target: 'gateway', action: 'refuse' })).status, 204);
  assert.equal((await ctl('POST', '/faults', { target: 'gateway', action: 'explode' })).status, 400);
  const cmd = await ctl('POST', '/commands', { user: 'ada', name: 'leaderboard' });
  assert.equal(cmd.body.error, 'no interaction URL configured');
});

test('control API: expire-nonces ends the enforce_nonce window; a member can reply to the bot; the state shows the application flags', async (t) => {
  const fake = await startFakeDiscord({ clock: new ManualClock() });
  t.after(() => fake.close());
  const ctl = controlClient(fake);
  const post = async () => {
    const res = await fetch(`${fake.apiBase}/channels/${fake.channels.announcements}/messages`, { method: 'POST',
      headers: { authorization: `Bot ${fake.botToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ content: 'digest', nonce: 'dg-1', enforce_nonce: true }) });
    return (await res.json() as { id: string }).id;
  };
  const first = await post();
  assert.equal(await post(), first);
  assert.equal((await ctl('POST', '/faults', { target: 'rest', action: 'expire-nonces' })).status, 204);
  assert.notEqual(await post(), first);

  const reply = await ctl('POST', '/messages', { channel: 'announcements', author: 'ada', content: 'congrats!', replyTo: first });
  assert.equal(reply.status, 200);
  assert.equal(reply.body.type, 19);
  assert.deepEqual(reply.body.message_reference, { type: 0, message_id: first, channel_id: fake.channels.announcements, guild_id: fake.guildId });
  assert.equal(reply.body.referenced_message.id, first);
  assert.equal((await ctl('GET', '/state')).body.applicationFlags, 1 << 19);
});

test('control API: rotate-token ends the gateway session with 4004, REST and IDENTIFY/RESUME refuse the old token, the new one works', async (t) => {
  const fake = await startFakeDiscord({ clock: new ManualClock(), heartbeatIntervalMs: 45000, identifyWindowMs: 0 });
  t.after(() => fake.close());
  const ctl = controlClient(fake);
  const identify = (token: string) => ({ op: 2, d: { token, intents: 512, properties: { os: 'linux', browser: 'shiptrack', device: 'shiptrack' } } });
  const me = (token: string) => fetch(`${fake.apiBase}/users/@me`, { headers: { authorization: `Bot ${token}` } }).then(async (r) => { await r.text(); return r.status; });
  const oldToken = fake.botToken;
  const c = await RawClient.open(`${fake.gatewayUrl}?v=10&encoding=json`);
  t.after(() => c.ws.terminate());
  assert.equal((await c.next()).op, 10);
  c.send(identify(oldToken));
  const ready = await c.next();
  assert.equal(ready.t, 'READY');
  assert.equal(await me(oldToken), 200);

  const rotated = await ctl('POST', '/rotate-token');
  assert.equal(rotated.status, 200);
  const newToken = rotated.body.botToken as string;
  assert.notEqual(newToken, oldToken);
  assert.ok(newToken.startsWith(oldToken.split('.')[0]! + '.'), 'same shape: the bot user id comes first');
  assert.equal(fake.botToken, newToken);
  assert.equal((await c.closed).code, 4004);
  assert.equal(await me(oldToken), 401);
  assert.equal(await me(newToken), 200);

  const resume = await RawClient.open(`${fake.resumeGatewayUrl}?v=10&encoding=json`);
  t.after(() => resume.ws.terminate());
  assert.equal((await resume.next()).op, 10);
  resume.send({ op: 6, d: { token: oldToken, session_id: ready.d.session_id, seq: 1 } });
  assert.equal((await resume.closed).code, 4004);
  const fresh = await RawClient.open(`${fake.gatewayUrl}?v=10&encoding=json`);
  t.after(() => fresh.ws.terminate());
  assert.equal((await fresh.next()).op, 10);
  fresh.send(identify(newToken));
  assert.equal((await fresh.next()).t, 'READY');

  assert.equal((await ctl('POST', '/rotate-token', { token: 'chosen.token.value' })).body.botToken, 'chosen.token.value');
  assert.equal(await me('chosen.token.value'), 200);
});

test('control API: moderators, autocomplete and message commands reach the interaction URL in Discord\'s shapes', async (t) => {
  const fake = await startFakeDiscord({ clock: new ManualClock() });
  t.after(() => fake.close());
  const received: any[] = [];
  const server = (await import('node:http')).createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const p = JSON.parse(raw);
      received.push(p);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(p.type === 4 ? { type: 8, data: { choices: [{ name: 'first', value: '1' }] } } : { type: 4, data: { content: 'ok', flags: 64 } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { server.closeAllConnections(); server.close(); });
  fake.setInteractionUrl(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
  const ctl = controlClient(fake);
  const mo = await ctl('POST', '/members', { username: 'mo', moderator: true });
  assert.equal(mo.status, 200);
  const ac = await ctl('POST', '/autocomplete', { user: 'ada', name: 'unship', options: [{ name: 'launch', type: 3, value: 'Po', focused: true }] });
  assert.deepEqual(ac.body.choices, [{ name: 'first', value: '1' }]);
  assert.equal(received[0].type, 4); assert.equal(received[0].data.options[0].focused, true);
  const msg = await ctl('POST', '/messages', { channel: 'general', author: 'ada', content: 'Pocket Ledger 2 is out' });
  const mc = await ctl('POST', '/message-commands', { user: 'mo', name: 'Log as launch', channel: 'general', message: msg.body.id });
  assert.equal(mc.body.outcome, 'ok'); assert.equal(mc.body.ephemeral, true);
  assert.equal(received[1].data.type, 3); assert.equal(received[1].data.target_id, msg.body.id);
  assert.equal(received[1].data.resolved.messages[msg.body.id].content, 'Pocket Ledger 2 is out');
  assert.notEqual(BigInt(received[1].member.permissions) & (1n << 13n), 0n, 'mo has MANAGE_MESSAGES');
  assert.equal((await ctl('POST', '/members/grace/moderator')).status, 204);
  await ctl('POST', '/message-commands', { user: 'grace', name: 'Not a launch', channel: 'general', message: msg.body.id });
  assert.notEqual(BigInt(received[2].member.permissions) & (1n << 13n), 0n);
});
