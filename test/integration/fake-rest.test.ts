// The fake Discord REST API over real HTTP: auth, messages and paging, reactions, nonce dedupe,
// validation errors in Discord's shape, rate-limit headers and scripted 429/5xx, command registration.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../helpers/clock.js';
import { startFakeDiscord } from '../../src/fake-discord/index.js';

async function setup(t: TestContext) {
  const clock = new ManualClock();
  const fake = await startFakeDiscord({ clock });
  t.after(() => fake.close());
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(fake.apiBase + path, {
      method, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      headers: { authorization: `Bot ${fake.botToken}`, 'content-type': 'application/json', 'user-agent': 'DiscordBot (https://x, 1)', ...headers },
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
  return { clock, fake, call };
}

test('auth: missing or wrong bot token is 401 with Discord\'s body; gateway/bot answers with the fake\'s ws URL', async (t) => {
  const { fake, call } = await setup(t);
  assert.deepEqual((await call('GET', '/gateway/bot', undefined, { authorization: '' })).body, { message: '401: Unauthorized', code: 0 });
  const wrong = await call('GET', `/channels/${fake.channels.shipped}`, undefined, { authorization: `Bot nope` });
  assert.equal(wrong.status, 401);
  const gw = await call('GET', '/gateway/bot');
  assert.equal(gw.status, 200);
  assert.deepEqual(gw.body, { url: fake.gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 1000, reset_after: 86400000, max_concurrency: 1 } });
  const ch = await call('GET', `/channels/${fake.channels.shipped}`);
  assert.equal(ch.body.name, 'i-shipped'); assert.equal(ch.body.guild_id, fake.guildId);
  assert.deepEqual((await call('GET', `/channels/1${fake.channels.shipped.slice(1, -1)}9`)).body, { message: 'Unknown Channel', code: 10003 });
});

test('messages: create, get, list newest-first with before/after/limit paging', async (t) => {
  const { fake, call, clock } = await setup(t);
  const ids: string[] = [];
  for (let i = 0; i < 7; i++) { clock.advance(1000); ids.push(fake.postMessage({ channelId: fake.channels.shipped, authorId: fake.members[0]!.id, content: `m${i}` }).id); }
  const c = fake.channels.shipped;
  const all = await call('GET', `/channels/${c}/messages`);
  assert.deepEqual(all.body.map((m: { content: string }) => m.content), ['m6', 'm5', 'm4', 'm3', 'm2', 'm1', 'm0']);
  assert.deepEqual((await call('GET', `/channels/${c}/messages?limit=2`)).body.map((m: { id: string }) => m.id), [ids[6], ids[5]]);
  assert.deepEqual((await call('GET', `/channels/${c}/messages?before=${ids[3]}&limit=2`)).body.map((m: { id: string }) => m.id), [ids[2], ids[1]]);
  // `after` returns the messages right after the id, still newest first: page forward from the first element.
  const p1 = (await call('GET', `/channels/${c}/messages?after=${ids[1]}&limit=3`)).body.map((m: { id: string }) => m.id);
  assert.deepEqual(p1, [ids[4], ids[3], ids[2]]);
  const p2 = (await call('GET', `/channels/${c}/messages?after=${p1[0]}&limit=3`)).body.map((m: { id: string }) => m.id);
  assert.deepEqual(p2, [ids[6], ids[5]]);
  assert.deepEqual((await call('GET', `/channels/${c}/messages?after=${ids[6]}`)).body, []);
  assert.equal((await call('GET', `/channels/${c}/messages?limit=101`)).body.code, 50035);
  const one = await call('GET', `/channels/${c}/messages/${ids[0]}`);
  assert.equal(one.body.content, 'm0');
  const created = await call('POST', `/channels/${c}/messages`, { content: 'digest', allowed_mentions: { parse: [] }, flags: 4 });
  assert.equal(created.status, 200);
  assert.equal(created.body.author.id, fake.botUserId); assert.equal(created.body.author.bot, true); assert.equal(created.body.flags, 4);
  assert.deepEqual(fake.botMessages(c).map((m) => m.id), [created.body.id]);
  assert.deepEqual(fake.messageMeta(created.body.id), { allowedMentions: { parse: [] }, flags: 4, nonce: undefined, enforceNonce: false });
});

test('message validation: > 2000 chars 50035, empty 50006, nonce > 25 chars 50035, bad JSON 50109, wrong content type', async (t) => {
  const { fake, call } = await setup(t);
  const c = fake.channels.announcements;
  const long = await call('POST', `/channels/${c}/messages`, { content: 'x'.repeat(2001) });
  assert.equal(long.status, 400);
  assert.deepEqual(long.body, { message: 'Invalid Form Body', code: 50035, errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } } });
  assert.equal((await call('POST', `/channels/${c}/messages`, { content: 'x'.repeat(2000) })).status, 200);
  assert.deepEqual((await call('POST', `/channels/${c}/messages`, { content: '' })).body, { message: 'Cannot send an empty message', code: 50006 });
  assert.equal((await call('POST', `/channels/${c}/messages`, { content: 'a', nonce: 'n'.repeat(26) })).body.errors.nonce._errors[0].code, 'BASE_TYPE_MAX_LENGTH');
  assert.equal((await call('POST', `/channels/${c}/messages`, '{oops')).body.code, 50109);
  assert.equal((await call('POST', `/channels/${c}/messages`, 'content=hi', { 'content-type': 'application/x-www-form-urlencoded' })).body.code, 50035);
});

test('nonce + enforce_nonce: the same nonce within the window returns the original message', async (t) => {
  const { fake, call, clock } = await setup(t);
  const c = fake.channels.announcements;
  const a = await call('POST', `/channels/${c}/messages`, { content: 'part 1', nonce: 'dg-2026w47-p1', enforce_nonce: true });
  const b = await call('POST', `/channels/${c}/messages`, { content: 'part 1', nonce: 'dg-2026w47-p1', enforce_nonce: true });
  assert.equal(b.status, 200);
  assert.equal(b.body.id, a.body.id);
  assert.equal(a.body.nonce, 'dg-2026w47-p1');
  assert.equal(fake.botMessages(c).length, 1);
  const noEnforce = await call('POST', `/channels/${c}/messages`, { content: 'part 1', nonce: 'dg-2026w47-p1' });
  assert.notEqual(noEnforce.body.id, a.body.id);
  clock.advance(6 * 60_000); // past the few-minutes window
  const later = await call('POST', `/channels/${c}/messages`, { content: 'part 1', nonce: 'dg-2026w47-p1', enforce_nonce: true });
  assert.notEqual(later.body.id, a.body.id);
});

test('reactions: URL-encoded emoji → 204 and recorded; every PUT logged; shortcode → 10014', async (t) => {
  const { fake, call, clock } = await setup(t);
  const c = fake.channels.shipped;
  const m = fake.postMessage({ channelId: c, authorId: fake.members[0]!.id, content: 'I shipped' });
  const put = await call('PUT', `/channels/${c}/messages/${m.id}/reactions/%F0%9F%9A%80/@me`);
  assert.equal(put.status, 204); assert.equal(put.body, undefined);
  clock.advance(300);
  assert.equal((await call('PUT', `/channels/${c}/messages/${m.id}/reactions/${encodeURIComponent('🚀')}/@me`)).status, 204);
  assert.deepEqual(fake.reactions(c, m.id), [{ emoji: '🚀', userIds: [fake.botUserId] }]);
  assert.deepEqual(fake.reactionPuts().map((p) => p.emoji), ['🚀', '🚀']);
  clock.advance(300);
  assert.deepEqual((await call('PUT', `/channels/${c}/messages/${m.id}/reactions/:rocket:/@me`)).body, { message: 'Unknown Emoji', code: 10014 });
  clock.advance(300);
  assert.equal((await call('PUT', `/channels/${c}/messages/1${m.id.slice(1, -1)}7/reactions/%F0%9F%9A%80/@me`)).body.code, 10008);
  clock.advance(300);
  assert.equal((await call('DELETE', `/channels/${c}/messages/${m.id}/reactions/%F0%9F%9A%80/@me`)).status, 204);
  assert.deepEqual(fake.reactions(c, m.id), []);
});

test('rate limits: per-route buckets with real headers, 429 when exhausted, separate buckets per channel', async (t) => {
  const { fake, call, clock } = await setup(t);
  fake.rest.setBucket('POST /channels/:id/messages', 2, 1.5);
  const c = fake.channels.announcements;
  const r1 = await call('POST', `/channels/${c}/messages`, { content: 'a' });
  assert.equal(r1.headers.get('x-ratelimit-limit'), '2');
  assert.equal(r1.headers.get('x-ratelimit-remaining'), '1');
  assert.equal(r1.headers.get('x-ratelimit-reset-after'), '1.500');
  assert.equal(r1.headers.get('x-ratelimit-reset'), ((clock.now() + 1500) / 1000).toFixed(3));
  assert.match(r1.headers.get('x-ratelimit-bucket')!, /^[0-9a-f]{32}$/);
  clock.advance(500);
  const r2 = await call('POST', `/channels/${c}/messages`, { content: 'b' });
  assert.equal(r2.headers.get('x-ratelimit-remaining'), '0');
  assert.equal(r2.headers.get('x-ratelimit-reset-after'), '1.000');
  const r3 = await call('POST', `/channels/${c}/messages`, { content: 'c' });
  assert.equal(r3.status, 429);
  assert.equal(r3.headers.get('x-ratelimit-scope'), 'user');
  assert.equal(r3.headers.get('retry-after'), '1');
  assert.deepEqual(r3.body, { message: 'You are being rate limited.', retry_after: 1, global: false });
  assert.equal(fake.botMessages(c).length, 2);
  assert.equal((await call('POST', `/channels/${fake.channels.general}/messages`, { content: 'other channel' })).status, 200);
  clock.advance(1000);
  assert.equal((await call('POST', `/channels/${c}/messages`, { content: 'c' })).status, 200);
});

test('scripted answers: route 429, global 429, 5xx, delay, then normal service', async (t) => {
  const { fake, call } = await setup(t);
  const c = fake.channels.announcements;
  fake.rest.script({ method: 'POST', path: /\/channels\/\d+\/messages$/, status: 429, retryAfterSec: 0.3 });
  const a = await call('POST', `/channels/${c}/messages`, { content: 'x' });
  assert.equal(a.status, 429);
  assert.equal(a.headers.get('x-ratelimit-scope'), 'user'); assert.equal(a.headers.get('retry-after'), '1'); assert.equal(a.headers.get('x-ratelimit-global'), null);
  assert.deepEqual(a.body, { message: 'You are being rate limited.', retry_after: 0.3, global: false });
  fake.rest.script({ status: 429, retryAfterSec: 2, global: true });
  const g = await call('GET', `/channels/${c}`);
  assert.equal(g.headers.get('x-ratelimit-global'), 'true'); assert.equal(g.headers.get('x-ratelimit-scope'), 'global');
  assert.deepEqual(g.body, { message: 'You are being rate limited.', retry_after: 2, global: true });
  fake.rest.script({ path: /messages$/, status: 502, times: 2 });
  assert.equal((await call('POST', `/channels/${c}/messages`, { content: 'x' })).status, 502);
  assert.equal((await call('POST', `/channels/${c}/messages`, { content: 'x' })).status, 502);
  fake.rest.script({ path: /messages$/, status: 200, delayMs: 50, passThrough: true });
  const started = performance.now();
  const ok = await call('POST', `/channels/${c}/messages`, { content: 'x' });
  assert.ok(performance.now() - started >= 45);
  assert.equal(ok.status, 200); assert.equal(ok.body.content, 'x');
  assert.equal(fake.botMessages(c).length, 1);
  assert.deepEqual(fake.requests.map((r) => r.status), [429, 429, 502, 502, 200]);
  assert.equal(fake.requests[0]!.route, 'POST /channels/:id/messages');
});

test('commands: guild and global PUT are bulk overwrites; GET returns them with ids', async (t) => {
  const { fake, call } = await setup(t);
  const cmds = [
    { name: 'ship', type: 1, description: 'Log a product launch', options: [{ type: 3, name: 'product', description: 'What?', required: true, min_length: 2, max_length: 100 }], integration_types: [0], contexts: [0] },
    { name: 'leaderboard', type: 1, description: 'Top shippers', integration_types: [0], contexts: [0] },
  ];
  const put = await call('PUT', `/applications/${fake.applicationId}/guilds/${fake.guildId}/commands`, cmds);
  assert.equal(put.status, 200);
  assert.deepEqual(put.body.map((c: { name: string }) => c.name), ['ship', 'leaderboard']);
  const shipId = put.body[0].id;
  assert.match(shipId, /^\d{17,20}$/);
  const again = await call('PUT', `/applications/${fake.applicationId}/guilds/${fake.guildId}/commands`, [cmds[0]]);
  assert.equal(again.body[0].id, shipId); // same name keeps its id
  assert.deepEqual((await call('GET', `/applications/${fake.applicationId}/guilds/${fake.guildId}/commands`)).body.map((c: { name: string }) => c.name), ['ship']);
  assert.equal(fake.registeredCommands(fake.guildId).length, 1);
  assert.deepEqual((await call('GET', `/applications/${fake.applicationId}/commands`)).body, []);
  await call('PUT', `/applications/${fake.applicationId}/commands`, cmds);
  assert.equal(fake.registeredCommands().length, 2);
  assert.equal((await call('PUT', `/applications/${fake.applicationId}/commands`, [{ name: 'Bad Name', description: 'x' }])).body.code, 50035);
});
