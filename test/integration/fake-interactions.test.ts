// The fake's interaction sender against a tiny node:http endpoint in the test: Ed25519 signatures
// (checked with tweetnacl), payload shapes, inline answers, the 3 s deadline, validation, @original, token lifetime.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import nacl from 'tweetnacl';
import { ManualClock } from '../helpers/clock.js';
import { startFakeDiscord, type FakeDiscord } from '../../src/fake-discord/index.js';

interface Received { headers: http.IncomingHttpHeaders; raw: string; body: any; verified: boolean }
type Answer = (r: Received) => Promise<{ status: number; body?: unknown; contentType?: string }> | { status: number; body?: unknown; contentType?: string };

/** An interactions endpoint that verifies like a correct bot would and answers via `answer`. */
async function endpoint(t: TestContext, fake: () => FakeDiscord, answer: Answer) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const sig = String(req.headers['x-signature-ed25519'] ?? '');
      const ts = String(req.headers['x-signature-timestamp'] ?? '');
      const verified = /^[0-9a-f]{128}$/.test(sig) && nacl.sign.detached.verify(Buffer.from(ts + raw), Buffer.from(sig, 'hex'), Buffer.from(fake().publicKeyHex, 'hex'));
      const r: Received = { headers: req.headers, raw, body: JSON.parse(raw), verified };
      received.push(r);
      const out = await answer(r);
      res.writeHead(out.status, out.body === undefined ? {} : { 'content-type': out.contentType ?? 'application/json' });
      res.end(out.body === undefined ? undefined : JSON.stringify(out.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { server.closeAllConnections(); server.close(); });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/interactions`, received };
}

const verifying: Answer = (r) => (!r.verified ? { status: 401, body: 'bad signature', contentType: 'text/plain' } : r.body.type === 1 ? { status: 200, body: { type: 1 } } : { status: 200, body: { type: 4, data: { content: 'Logged!', allowed_mentions: { parse: [] } } } });

async function setup(t: TestContext, answer: Answer, opts: Parameters<typeof startFakeDiscord>[0] = {}) {
  const clock = new ManualClock();
  let fake!: FakeDiscord;
  const ep = await endpoint(t, () => fake, answer);
  fake = await startFakeDiscord({ clock, interactionUrl: ep.url, ...opts });
  t.after(() => fake.close());
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(fake.apiBase + path, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return { clock, fake, ep, call };
}

test('guild /ship: signed timestamp+body verifies, payload has the guild shape, inline type 4 becomes the original message', async (t) => {
  const { fake, ep, clock } = await setup(t, verifying);
  const ada = fake.members[0]!;
  const r = await fake.runCommand({ userId: ada.id, name: 'ship', options: [{ name: 'product', type: 3, value: 'ShipTrack v1' }] });
  assert.equal(ep.received.length, 1);
  const { body: p, headers, verified } = ep.received[0]!;
  assert.equal(verified, true);
  assert.equal(headers['x-signature-timestamp'], String(Math.floor(clock.now() / 1000)));
  assert.equal(headers['content-type'], 'application/json');
  assert.equal(p.type, 2); assert.equal(p.version, 1); assert.equal(p.application_id, fake.applicationId);
  assert.match(p.id, /^\d{17,20}$/); assert.match(p.token, /^aW50ZXJhY3Rpb246/);
  assert.equal(p.guild_id, fake.guildId); assert.equal(p.channel_id, fake.channels.shipped); assert.equal(p.channel.id, fake.channels.shipped);
  assert.equal(p.member.user.id, ada.id); assert.equal(p.member.user.global_name, ada.globalName); assert.equal(typeof p.member.permissions, 'string');
  assert.equal('user' in p, false);
  assert.deepEqual(p.data, { id: p.data.id, name: 'ship', type: 1, options: [{ name: 'product', type: 3, value: 'ShipTrack v1' }], guild_id: fake.guildId });
  assert.equal(typeof p.app_permissions, 'string'); assert.deepEqual(p.entitlements, []);
  assert.deepEqual(p.authorizing_integration_owners, { 0: fake.guildId }); assert.equal(p.context, 0); assert.equal(p.locale, 'en-US');
  assert.equal(r.status, 200); assert.deepEqual(r.body, { type: 4, data: { content: 'Logged!', allowed_mentions: { parse: [] } } });
  assert.equal(r.late, false); assert.equal(r.outcome, 'ok'); assert.ok(r.latencyMs >= 0);
  assert.equal(r.original?.content, 'Logged!'); assert.equal(r.original?.webhook_id, fake.applicationId); assert.equal(r.original?.type, 20);
  assert.deepEqual(fake.messages(fake.channels.shipped).map((m) => m.id), [r.original!.id]);
  assert.deepEqual(fake.interactions, [r]);
});

test('DM shape has user, no member/guild_id; USER options come with resolved users and members', async (t) => {
  const { fake, ep } = await setup(t, verifying);
  const [ada, grace] = [fake.members[0]!, fake.members[1]!];
  await fake.runCommand({ userId: ada.id, name: 'profile', dm: true });
  const dm = ep.received[0]!.body;
  assert.equal(dm.user.id, ada.id);
  for (const k of ['member', 'guild_id', 'guild', 'guild_locale']) assert.equal(k in dm, false, k);
  assert.equal(dm.context, 1); assert.equal(dm.channel.type, 1); assert.deepEqual(dm.authorizing_integration_owners, { 0: '0' });
  await fake.runCommand({ userId: ada.id, name: 'profile', options: [{ name: 'user', type: 6, value: grace.id }] });
  const g = ep.received[1]!.body;
  assert.deepEqual(g.data.options, [{ name: 'user', type: 6, value: grace.id }]);
  assert.equal(g.data.resolved.users[grace.id].username, grace.username);
  assert.equal('user' in g.data.resolved.members[grace.id], false);
  assert.equal(typeof g.data.resolved.members[grace.id].permissions, 'string');
  await fake.runCommand({ userId: ada.id, name: 'leaderboard' });
  assert.equal('options' in ep.received[2]!.body.data, false);
});

test('deadline: an answer after the deadline counts as "did not respond" and the token is dead', async (t) => {
  const { fake, call } = await setup(t, async () => { await new Promise((r) => setTimeout(r, 150)); return { status: 200, body: { type: 4, data: { content: 'too late' } } }; }, { interactionDeadlineMs: 100 });
  const r = await fake.runCommand({ userId: fake.members[0]!.id, name: 'ship', options: [{ name: 'product', type: 3, value: 'x' }] });
  assert.equal(r.late, true); assert.equal(r.outcome, 'did-not-respond'); assert.equal(r.original, undefined);
  assert.deepEqual((await call('POST', `/interactions/${r.id}/${r.token}/callback`, { type: 4, data: { content: 'now?' } })).body, { message: 'Unknown interaction', code: 10062 });
  assert.deepEqual((await call('PATCH', `/webhooks/${fake.applicationId}/${r.token}/messages/@original`, { content: 'x' })).body, { message: 'Unknown Webhook', code: 10015 });
  assert.equal(fake.messages(fake.channels.shipped).length, 0);
});

test('validateEndpoint: passes a verifying endpoint, fails one that PONGs bad signatures', async (t) => {
  const good = await setup(t, verifying);
  assert.deepEqual(await good.fake.validateEndpoint(), { ok: true, details: ['valid PING answered 200 {"type":1}', 'bad signature answered 401'] });
  assert.deepEqual(good.ep.received.map((r) => [r.body.type, r.verified]), [[1, true], [1, false]]);
  const lax = await setup(t, () => ({ status: 200, body: { type: 1 } }));
  const v = await lax.fake.validateEndpoint();
  assert.equal(v.ok, false);
  assert.deepEqual(v.details, ['valid PING answered 200 {"type":1}', 'bad signature: expected 401, got 200']);
  const bad = await lax.fake.runCommand({ userId: lax.fake.members[0]!.id, name: 'ship', signature: 'bad' });
  assert.equal(lax.ep.received.at(-1)!.verified, false);
  assert.equal(bad.original, undefined); // answers to unsigned deliveries are never taken as the response
});

test('type 5 defer: a loading original that PATCH @original fills; GET returns it; a second ack is 40060', async (t) => {
  const { fake, call } = await setup(t, () => ({ status: 200, body: { type: 5 } }));
  const r = await fake.runCommand({ userId: fake.members[0]!.id, name: 'ship', options: [{ name: 'product', type: 3, value: 'x' }] });
  assert.equal(r.outcome, 'ok');
  assert.equal(r.original?.flags, 128); assert.equal(r.original?.content, '');
  const patched = await call('PATCH', `/webhooks/${fake.applicationId}/${r.token}/messages/@original`, { content: 'Logged x', allowed_mentions: { parse: [] } });
  assert.equal(patched.status, 200); assert.equal(patched.body.content, 'Logged x'); assert.equal(patched.body.flags, 0);
  assert.notEqual(patched.body.edited_timestamp, null);
  assert.equal((await call('GET', `/webhooks/${fake.applicationId}/${r.token}/messages/@original`)).body.content, 'Logged x');
  assert.equal(r.original?.content, 'Logged x');
  assert.deepEqual(fake.messages(fake.channels.shipped).map((m) => m.content), ['Logged x']);
  const again = await call('POST', `/interactions/${r.id}/${r.token}/callback`, { type: 4, data: { content: 'dup' } });
  assert.deepEqual([again.status, again.body], [400, { message: 'Interaction has already been acknowledged.', code: 40060 }]);
  const follow = await call('POST', `/webhooks/${fake.applicationId}/${r.token}`, { content: 'and another thing', flags: 64 });
  assert.equal(follow.status, 200); assert.deepEqual(r.followups.map((m) => m.content), ['and another thing']);
});

test('202 then /callback: acknowledged once; the token lives 15 minutes on the injected clock', async (t) => {
  const { fake, call, clock } = await setup(t, () => ({ status: 202 }));
  const r = await fake.runCommand({ userId: fake.members[0]!.id, name: 'leaderboard' });
  assert.equal(r.status, 202); assert.equal(r.original, undefined);
  const cb = await call('POST', `/interactions/${r.id}/${r.token}/callback`, { type: 4, data: { content: 'Top shippers', flags: 64 } });
  assert.equal(cb.status, 204);
  const original = fake.interactions[0]!.original; // read again: the callback filled it in
  assert.equal(original?.content, 'Top shippers'); assert.equal(original?.flags, 64);
  assert.equal(fake.messages(fake.channels.shipped).length, 0); // ephemeral: not in the channel
  clock.advance(14 * 60_000);
  assert.equal((await call('PATCH', `/webhooks/${fake.applicationId}/${r.token}/messages/@original`, { content: 'still ok' })).status, 200);
  clock.advance(60_000 + 1);
  assert.deepEqual((await call('PATCH', `/webhooks/${fake.applicationId}/${r.token}/messages/@original`, { content: 'expired' })).body, { message: 'Unknown Webhook', code: 10015 });
  assert.deepEqual((await call('POST', `/webhooks/${fake.applicationId}/unknown-token`, { content: 'x' })).body, { message: 'Unknown Webhook', code: 10015 });
});

test('autocomplete: type 4 with the focused option; only type 8 with at most 25 valid choices is accepted, and no message is created', async (t) => {
  const answers: unknown[] = [];
  const { fake, ep } = await setup(t, (r) => (!r.verified ? { status: 401 } : { status: 200, body: answers.shift() }));
  const ada = fake.members[0]!;
  answers.push({ type: 8, data: { choices: [{ name: '1 Dec 2026 · Pocket Ledger', value: '42' }] } });
  const ok = await fake.autocomplete({ userId: ada.id, name: 'unship', options: [{ name: 'launch', type: 3, value: 'Poc', focused: true }] });
  const p = ep.received[0]!.body;
  assert.equal(p.type, 4); assert.equal(p.data.type, 1); assert.equal(p.data.name, 'unship');
  assert.deepEqual(p.data.options, [{ name: 'launch', type: 3, value: 'Poc', focused: true }]);
  assert.equal(p.member.user.id, ada.id); assert.equal(typeof p.member.permissions, 'string');
  assert.equal(ok.outcome, 'ok'); assert.deepEqual(ok.choices, [{ name: '1 Dec 2026 · Pocket Ledger', value: '42' }]);
  assert.equal(ok.original, undefined);
  answers.push({ type: 8, data: { choices: Array.from({ length: 26 }, (_, k) => ({ name: `n${k}`, value: String(k) })) } });
  const tooMany = await fake.autocomplete({ userId: ada.id, name: 'unship', options: [{ name: 'launch', type: 3, value: '', focused: true }] });
  assert.equal(tooMany.outcome, 'failed'); assert.match(tooMany.error ?? '', /invalid response/);
  answers.push({ type: 4, data: { content: 'not for autocomplete' } });
  assert.equal((await fake.autocomplete({ userId: ada.id, name: 'unship', options: [{ name: 'launch', type: 3, value: '', focused: true }] })).outcome, 'failed');
  assert.deepEqual(fake.messages(fake.channels.shipped), []);
});

test('message command: data.type 3, target_id and resolved.messages in Discord\'s shape; member.permissions from roles or given', async (t) => {
  const { fake, ep } = await setup(t, (r) => (!r.verified ? { status: 401 } : { status: 200, body: { type: 4, data: { content: 'ok', flags: 64 } } }));
  const [ada, grace] = [fake.members[0]!, fake.members[1]!];
  const msg = fake.postMessage({ channelId: fake.channels.general, authorId: grace.id, content: 'Pocket Ledger 2 is out' });
  const r = await fake.runMessageCommand({ userId: ada.id, name: 'Log as launch', channelId: fake.channels.general, messageId: msg.id });
  const p = ep.received[0]!.body;
  assert.equal(p.type, 2); assert.equal(p.data.type, 3); assert.equal(p.data.name, 'Log as launch');
  assert.equal(p.data.target_id, msg.id); assert.equal('options' in p.data, false);
  assert.equal(p.data.resolved.messages[msg.id].author.id, grace.id);
  assert.equal(p.data.resolved.messages[msg.id].content, 'Pocket Ledger 2 is out');
  assert.equal(p.data.resolved.messages[msg.id].channel_id, fake.channels.general);
  assert.equal(p.channel_id, fake.channels.general); assert.equal(p.guild_id, fake.guildId);
  const everyone = BigInt(p.member.permissions);
  assert.equal(everyone & (1n << 13n), 0n, 'no MANAGE_MESSAGES by default');
  assert.equal(r.ephemeral, true); assert.deepEqual(fake.messages(fake.channels.general).map((m) => m.id), [msg.id], 'an ephemeral answer is not in the channel');
  fake.makeModerator(ada.id);
  await fake.runMessageCommand({ userId: ada.id, name: 'Log as launch', channelId: fake.channels.general, messageId: msg.id });
  assert.notEqual(BigInt(ep.received[1]!.body.member.permissions) & (1n << 13n), 0n, 'the Moderator role grants MANAGE_MESSAGES');
  await fake.runMessageCommand({ userId: ada.id, name: 'Log as launch', channelId: fake.channels.general, messageId: msg.id, permissions: '0' });
  assert.equal(ep.received[2]!.body.member.permissions, '0');
});

test('context-menu commands register with capitals and spaces and an empty description; a description on them is refused', async (t) => {
  const { fake, call } = await setup(t, () => ({ status: 200 }));
  const path = `/applications/${fake.applicationId}/guilds/${fake.guildId}/commands`;
  const auth = { authorization: `Bot ${fake.botToken}` };
  const put = async (body: unknown) => {
    const res = await fetch(fake.apiBase + path, { method: 'PUT', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...auth } });
    return { status: res.status, body: await res.json() as any };
  };
  const good = await put([{ name: 'Log as launch', type: 3, description: '' }, { name: 'ship', type: 1, description: 'Log a product launch' }]);
  assert.equal(good.status, 200); assert.deepEqual(good.body.map((c: { name: string }) => c.name), ['Log as launch', 'ship']);
  assert.equal((await put([{ name: 'Log as launch', type: 3, description: 'no' }])).status, 400);
  assert.equal((await put([{ name: 'Log as launch', type: 1, description: 'slash names are lowercase words' }])).status, 400);
  void call;
});
