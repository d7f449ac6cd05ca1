// The fake Discord REST API over real HTTP: auth, messages and paging, reactions, nonce dedupe,
// validation errors in Discord's shape, rate-limit headers and scripted 429/5xx, command registration.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../helpers/clock.js';
import { startFakeDiscord } from '../../src/fake-discord/index.js';

async function setup(t: TestContext, opts: Parameters<typeof startFakeDiscord>[0] = {}) {
  const clock = new ManualClock();
  const fake = await startFakeDiscord({ clock, ...opts });
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

test('lookups: GET /users/{id}, /guilds/{id}, /guilds/{id}/members/{id} in Discord\'s shapes; unknown ids 10013/10004/10007; typing 204', async (t) => {
  const { fake, call } = await setup(t);
  const ada = fake.members[0]!;
  const nobody = '1000000000000000000'; // a valid snowflake from 2015: no user, guild or channel of the fake's
  const user = await call('GET', `/users/${ada.id}`);
  assert.equal(user.status, 200);
  assert.deepEqual(user.body, { id: ada.id, username: ada.username, global_name: ada.globalName, discriminator: '0', avatar: null,
    public_flags: 0, flags: 0, banner: null, accent_color: null, avatar_decoration_data: null, primary_guild: null });
  assert.equal((await call('GET', `/users/${fake.botUserId}`)).body.bot, true);
  const unknownUser = await call('GET', `/users/${nobody}`);
  assert.deepEqual([unknownUser.status, unknownUser.body], [404, { message: 'Unknown User', code: 10013 }]);

  const guild = await call('GET', `/guilds/${fake.guildId}`);
  assert.equal(guild.status, 200);
  assert.deepEqual(Object.keys(guild.body).sort(), ['afk_channel_id', 'afk_timeout', 'application_id', 'banner', 'default_message_notifications', 'description',
    'discovery_splash', 'emojis', 'explicit_content_filter', 'features', 'hub_type', 'icon', 'id', 'incidents_data', 'max_members', 'max_video_channel_users',
    'mfa_level', 'name', 'nsfw_level', 'owner_id', 'preferred_locale', 'premium_progress_bar_enabled', 'premium_subscription_count', 'premium_tier',
    'public_updates_channel_id', 'roles', 'rules_channel_id', 'safety_alerts_channel_id', 'splash', 'stickers', 'system_channel_flags', 'system_channel_id',
    'vanity_url_code', 'verification_level']);
  assert.equal(guild.body.id, fake.guildId);
  assert.deepEqual(guild.body.roles.map((r: { id: string; name: string }) => [r.id, r.name]), [[fake.guildId, '@everyone'], [fake.world.botRoleId, 'ShipTrack']],
    '@everyone (id = the guild\'s), then the bot\'s managed role');
  const unknownGuild = await call('GET', `/guilds/${nobody}`);
  assert.deepEqual([unknownGuild.status, unknownGuild.body], [404, { message: 'Unknown Guild', code: 10004 }]);

  const member = await call('GET', `/guilds/${fake.guildId}/members/${ada.id}`);
  assert.equal(member.status, 200);
  assert.deepEqual(Object.keys(member.body).sort(), ['avatar', 'banner', 'communication_disabled_until', 'deaf', 'flags', 'joined_at', 'mute', 'nick', 'pending', 'premium_since', 'roles', 'user']);
  assert.deepEqual(member.body.user, user.body);
  const notMember = await call('GET', `/guilds/${fake.guildId}/members/${nobody}`);
  assert.deepEqual([notMember.status, notMember.body], [404, { message: 'Unknown Member', code: 10007 }]);
  assert.deepEqual((await call('GET', `/guilds/${nobody}/members/${ada.id}`)).body, { message: 'Unknown Guild', code: 10004 });

  const typing = await call('POST', `/channels/${fake.channels.shipped}/typing`);
  assert.deepEqual([typing.status, typing.body], [204, undefined]);
  const typingNowhere = await call('POST', `/channels/${nobody}/typing`);
  assert.deepEqual([typingNowhere.status, typingNowhere.body], [404, { message: 'Unknown Channel', code: 10003 }]);
});

test('replies: message_reference is stored; type 19 with message_reference and referenced_message; unknown reference → 400', async (t) => {
  const { fake, call } = await setup(t);
  fake.rest.setBucket('POST /channels/:id/messages', 50, 5);
  const c = fake.channels.shipped;
  const ada = fake.members[0]!;
  const orig = fake.postMessage({ channelId: c, authorId: ada.id, content: 'I shipped v1 https://example.com' });
  const created: unknown[] = [];
  fake.world.onDispatch((type, d) => { if (type === 'MESSAGE_CREATE') created.push(d); });
  const reply = await call('POST', `/channels/${c}/messages`, { content: 'logged', message_reference: { message_id: orig.id }, allowed_mentions: { parse: [] } });
  assert.equal(reply.status, 200);
  assert.equal(reply.body.type, 19);
  assert.deepEqual(reply.body.message_reference, { type: 0, message_id: orig.id, channel_id: c, guild_id: fake.guildId });
  assert.deepEqual(reply.body.referenced_message, orig);
  assert.deepEqual(reply.body.mentions, []); // allowed_mentions without replied_user: the author is not pinged
  assert.deepEqual((created[0] as { referenced_message: unknown }).referenced_message, orig);
  assert.deepEqual((await call('GET', `/channels/${c}/messages/${reply.body.id}`)).body, reply.body);

  // Without allowed_mentions (or with replied_user: true) the replied-to author is mentioned.
  const pinging = await call('POST', `/channels/${c}/messages`, { content: 'logged', message_reference: { message_id: orig.id, channel_id: c } });
  assert.deepEqual(pinging.body.mentions.map((u: { id: string }) => u.id), [ada.id]);
  const replied = await call('POST', `/channels/${c}/messages`, { content: 'logged', message_reference: { message_id: orig.id }, allowed_mentions: { parse: [], replied_user: true } });
  assert.deepEqual(replied.body.mentions.map((u: { id: string }) => u.id), [ada.id]);

  // The referenced message is resolved when read: null once it is deleted.
  fake.deleteMessage(c, orig.id);
  assert.equal((await call('GET', `/channels/${c}/messages/${reply.body.id}`)).body.referenced_message, null);

  const unknownRef = { message: 'Invalid Form Body', code: 50035, errors: { message_reference: { _errors: [{ code: 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', message: 'Unknown message' }] } } };
  const gone = await call('POST', `/channels/${c}/messages`, { content: 'x', message_reference: { message_id: orig.id } });
  assert.deepEqual([gone.status, gone.body], [400, unknownRef]);
  const elsewhere = fake.postMessage({ channelId: fake.channels.general, authorId: ada.id, content: 'in #general' });
  assert.deepEqual((await call('POST', `/channels/${c}/messages`, { content: 'x', message_reference: { message_id: elsewhere.id } })).body, unknownRef);
  assert.deepEqual((await call('POST', `/channels/${c}/messages`, { content: 'x', message_reference: 'nope' })).body,
    { message: 'Invalid Form Body', code: 50035, errors: { message_reference: { _errors: [{ code: 'MODEL_TYPE_CONVERT', message: 'Expected an object/dictionary.' }] } } });
  // fail_if_not_exists: false sends a plain message instead.
  const plain = await call('POST', `/channels/${c}/messages`, { content: 'plain', message_reference: { message_id: orig.id, fail_if_not_exists: false } });
  assert.equal(plain.status, 200);
  assert.equal(plain.body.type, 0);
  assert.equal('message_reference' in plain.body, false);
  assert.equal('referenced_message' in plain.body, false);
});

test('scripted 429s carry Discord\'s headers: route scope with bucket, limit, remaining 0, reset; global with X-RateLimit-Global', async (t) => {
  const { fake, call, clock } = await setup(t);
  const c = fake.channels.announcements;
  const normal = await call('POST', `/channels/${c}/messages`, { content: 'first' });
  const bucket = normal.headers.get('x-ratelimit-bucket');
  fake.rest.script({ method: 'POST', path: /\/channels\/\d+\/messages$/, status: 429, retryAfterSec: 0.3 });
  const a = await call('POST', `/channels/${c}/messages`, { content: 'x' });
  assert.equal(a.status, 429);
  const rl = (h: Headers) => Object.fromEntries([...h].filter(([k]) => k.startsWith('x-ratelimit-') || k === 'retry-after'));
  assert.deepEqual(rl(a.headers), {
    'retry-after': '1', 'x-ratelimit-bucket': bucket!, 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0',
    'x-ratelimit-reset': ((clock.now() + 300) / 1000).toFixed(3), 'x-ratelimit-reset-after': '0.300', 'x-ratelimit-scope': 'user',
  });
  assert.deepEqual(a.body, { message: 'You are being rate limited.', retry_after: 0.3, global: false });

  fake.rest.script({ status: 429, retryAfterSec: 2.5, global: true });
  const g = await call('GET', `/channels/${c}`);
  assert.deepEqual(rl(g.headers), { 'retry-after': '3', 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' });
  assert.deepEqual(g.body, { message: 'You are being rate limited.', retry_after: 2.5, global: true });

  fake.rest.script({ method: 'POST', status: 429, retryAfterSec: 10, scope: 'shared', code: 20016 });
  const s = await call('POST', `/channels/${c}/messages`, { content: 'x' });
  assert.deepEqual(rl(s.headers), {
    'retry-after': '10', 'x-ratelimit-bucket': bucket!, 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '4',
    'x-ratelimit-reset': ((clock.now() + 5000) / 1000).toFixed(3), 'x-ratelimit-reset-after': '5.000', 'x-ratelimit-scope': 'shared',
  });
  assert.deepEqual(s.body, { message: 'The resource is being rate limited.', retry_after: 10, global: false, code: 20016 });
});

test('global rate limit: the 51st request in a second gets a global 429; interaction routes are exempt; the window follows the clock', async (t) => {
  const { fake, call, clock } = await setup(t);
  const statuses: number[] = [];
  for (let i = 0; i < 25; i++) statuses.push((await call('GET', '/users/@me')).status, (await call('GET', '/gateway/bot')).status);
  assert.deepEqual(new Set(statuses), new Set([200]));
  clock.advance(400);
  const over = await call('GET', `/channels/${fake.channels.shipped}`);
  assert.equal(over.status, 429);
  assert.deepEqual(Object.fromEntries([...over.headers].filter(([k]) => k.startsWith('x-ratelimit-') || k === 'retry-after')),
    { 'retry-after': '1', 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' });
  assert.deepEqual(over.body, { message: 'You are being rate limited.', retry_after: 0.6, global: true });
  // Interaction endpoints are not bound to the global limit: an unknown token still gets its own answer.
  const hook = await call('POST', `/webhooks/${fake.applicationId}/not-a-token`, { content: 'x' });
  assert.deepEqual([hook.status, hook.body], [404, { message: 'Unknown Webhook', code: 10015 }]);
  const cb = await call('POST', `/interactions/${fake.guildId}/not-a-token/callback`, { type: 1 });
  assert.deepEqual([cb.status, cb.body], [404, { message: 'Unknown interaction', code: 10062 }]);
  clock.advance(600);
  assert.equal((await call('GET', `/channels/${fake.channels.shipped}`)).status, 200);

  const tight = await setup(t, { globalRateLimit: 2 });
  assert.deepEqual([await tight.call('GET', '/users/@me'), await tight.call('GET', '/users/@me'), await tight.call('GET', '/users/@me')].map((r) => r.status), [200, 200, 429]);
  const off = await setup(t, { globalRateLimit: 0 });
  const many: number[] = [];
  for (let i = 0; i < 30; i++) many.push((await off.call('GET', '/users/@me')).status, (await off.call('GET', '/gateway/bot')).status);
  assert.deepEqual(new Set(many), new Set([200]));
});

test('nonce window: nonceWindowMs sets the dedupe window; expireNonces() ends every window at once', async (t) => {
  const { fake, call, clock } = await setup(t, { nonceWindowMs: 1000 });
  const c = fake.channels.announcements;
  const post = (nonce: string) => call('POST', `/channels/${c}/messages`, { content: 'part', nonce, enforce_nonce: true });
  const a = await post('n1');
  clock.advance(1000);
  assert.equal((await post('n1')).body.id, a.body.id); // still inside the window
  clock.advance(1);
  const b = await post('n1');
  assert.notEqual(b.body.id, a.body.id); // the window has passed: a new message
  assert.equal((await post('n1')).body.id, b.body.id);
  fake.rest.expireNonces();
  const c2 = await post('n1');
  assert.notEqual(c2.body.id, b.body.id);
  assert.equal(fake.botMessages(c).length, 3);
});
