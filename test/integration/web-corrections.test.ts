// Members correct their launch log through the fake Discord (issue 16): /unship with autocomplete
// (including a stalled database: the answer still comes in time, empty), the message context-menu
// commands "Log as launch" and "Not a launch" with every permission case, the bot's 🚀 added and
// taken off, idempotency, and the worker not logging a removed message again on an edit.
// In-process: the real web server and router against the fake's signed interactions; one clock.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Queryable } from '../../src/db/pool.js';
import { insertLaunch } from '../../src/db/launches.js';
import { RestClient } from '../../src/discord/rest/client.js';
import { addReaction, removeOwnReaction } from '../../src/discord/rest/api.js';
import { AUTOCOMPLETE_MS } from '../../src/discord/interactions/router.js';
import { startFakeDiscord, type FakeDiscord, type InteractionResult } from '../../src/fake-discord/index.js';
import { createLogger } from '../../src/log.js';
import { ManualClock } from '../helpers/clock.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { destroyAgent, startWeb, type Web } from './web-harness.js';

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0); // Wednesday 2 Dec 2026
let db: TestDatabase;
let fake: FakeDiscord;
let web: Web;
let rest: RestClient;
let clock: ManualClock;
/** When set, the autocomplete query waits for it (a stalled database); `stalled` fires when one is waiting. */
let stall: { release: Promise<void>; stalled: () => void } | undefined;
let ada: { id: string }, grace: { id: string }, mod: { id: string };

before(async () => {
  db = await createTestDatabase();
  clock = new ManualClock(NOW);
  fake = await startFakeDiscord({ clock, globalRateLimit: 0 });
  // Reactions are limited to 1 per 250 ms per channel on the fake's clock, which only moves when a
  // test says so: give these tests room instead of advancing time between commands.
  for (const m of ['PUT', 'DELETE']) fake.rest.setBucket(`${m} /channels/:id/messages/:id/reactions/:reaction/@me`, 1000, 1);
  rest = new RestClient({ baseUrl: fake.apiBase, token: fake.botToken, clock, log: createLogger({ level: 'error', write: () => {} }), maxRetries: 0 });
  const slowable: Queryable = {
    query: (text, values) => {
      if (stall && /ILIKE/.test(text)) {
        const s = stall;
        s.stalled();
        return s.release.then(() => db.pool.query(text, values)) as never;
      }
      return db.pool.query(text, values) as never;
    },
  };
  web = await startWeb({
    db: slowable, clock, keys: { publicKeyHex: fake.publicKeyHex }, applicationId: fake.applicationId, guildId: fake.guildId,
    reactions: { add: (c, m) => addReaction(rest, c, m), remove: (c, m) => removeOwnReaction(rest, c, m) },
  });
  fake.setInteractionUrl(web.url);
  [ada, grace] = [fake.members[0]!, fake.members[1]!];
  mod = fake.addMember({ username: 'mo' });
  fake.makeModerator(mod.id);
});
after(async () => {
  await web?.close();
  destroyAgent();
  rest?.destroy();
  await fake?.close();
  await db?.close();
});
beforeEach(async () => { await db.pool.query('DELETE FROM launches'); stall = undefined; });

const content = (r: InteractionResult) => ((r.body as { data?: { content?: string } })?.data?.content ?? '');
function answeredPrivately(r: InteractionResult): string {
  assert.equal(r.status, 200, r.rawBody);
  assert.equal(r.late, false);
  const body = r.body as { type: number; data: { flags?: number; allowed_mentions: unknown } };
  assert.equal(body.type, 4);
  assert.equal(body.data.flags, 64, 'ephemeral');
  assert.deepEqual(body.data.allowed_mentions, { parse: [] });
  return content(r);
}
const rocketOn = (channelId: string, messageId: string) =>
  fake.reactions(channelId, messageId).some((r) => r.emoji === '🚀' && r.userIds.includes(fake.botUserId));
async function row(messageId: string) {
  const { rows } = await db.pool.query<{ id: string; deleted_at: Date | null; deleted_by: string | null; deleted_reason: string | null; logged_by: string | null; user_id: string; reacted_at: Date | null }>(
    'SELECT id::text, deleted_at, deleted_by::text, deleted_reason, logged_by::text, user_id::text, reacted_at FROM launches WHERE message_id = $1', [messageId]);
  return rows[0];
}
/** A launch of `userId` as the worker stores one from #i-shipped, with the bot's 🚀 on the message. */
async function channelLaunch(userId: string, text: string, at = new Date(NOW - 3600_000)) {
  const msg = fake.postMessage({ channelId: fake.channels.shipped, authorId: userId, content: text });
  const r = await insertLaunch(db.pool, { source: 'channel', guildId: fake.guildId, channelId: fake.channels.shipped, userId, userName: 'x',
    content: text, urls: [], messageId: msg.id, createdAt: at });
  fake.world.addReaction(fake.channels.shipped, msg.id, '🚀', fake.botUserId);
  return { msg, id: r.id };
}

describe('/unship', () => {
  test('autocomplete (type 4 → 8) lists only the member\'s own live launches, newest first, at most 25, filtered by what is typed', async () => {
    for (let k = 0; k < 30; k++) {
      await insertLaunch(db.pool, { source: 'slash', guildId: fake.guildId, channelId: null, userId: ada.id, userName: 'ada',
        content: `Launch number ${k} https://x${k}.example`, urls: [], interactionId: String(1400000000000000000n + BigInt(k)), createdAt: new Date(NOW - (30 - k) * 3600_000) });
    }
    await insertLaunch(db.pool, { source: 'slash', guildId: fake.guildId, channelId: null, userId: grace.id, userName: 'grace',
      content: 'Grace launch', urls: [], interactionId: '1400000000000000100', createdAt: new Date(NOW - 60_000) });
    const r = await fake.autocomplete({ userId: ada.id, name: 'unship', options: [{ name: 'launch', type: 3, value: '', focused: true }] });
    assert.equal(r.status, 200); assert.equal(r.late, false);
    assert.equal((r.body as { type: number }).type, 8);
    assert.equal(r.choices!.length, 25);
    assert.equal(r.choices![0]!.name, '2 Dec 2026 · Launch number 29 https://x29.example');
    assert.ok(r.choices!.every((c) => c.name.length <= 100 && /^\d+$/.test(String(c.value)) && !c.name.includes('Grace')));
    const typed = await fake.autocomplete({ userId: ada.id, name: 'unship', options: [{ name: 'launch', type: 3, value: 'number 1', focused: true }] });
    assert.deepEqual(typed.choices!.map((c) => c.name.replace(/^.* · /, '')).slice(0, 2), ['Launch number 19 https://x19.example', 'Launch number 18 https://x18.example']);
    const none = await fake.autocomplete({ userId: ada.id, name: 'unship', options: [{ name: 'launch', type: 3, value: '100%_\\', focused: true }] });
    assert.deepEqual(none.choices, []);
  });

  test('a stalled database: autocomplete still answers in time, with no choices, and nothing waits for the query', async () => {
    await channelLaunch(ada.id, 'Shipped it https://a.example');
    let release!: () => void;
    let stalled!: () => void;
    const waiting = new Promise<void>((r) => { stalled = r; });
    stall = { release: new Promise<void>((r) => { release = r; }), stalled };
    const pending = fake.autocomplete({ userId: ada.id, name: 'unship', options: [{ name: 'launch', type: 3, value: 'Ship', focused: true }] });
    await waiting; // the query is in the database now and does not come back
    clock.advance(AUTOCOMPLETE_MS);
    const r = await pending;
    assert.equal(r.status, 200); assert.equal(r.late, false); assert.equal(r.outcome, 'ok');
    assert.deepEqual(r.body, { type: 8, data: { choices: [] } });
    assert.ok(web.logs.some((l) => l.includes('interaction.autocomplete_timeout')));
    stall = undefined;
    release();
  });

  test('removes the member\'s own channel launch (ephemeral), takes the bot\'s 🚀 off the message; a second /unship changes nothing', async () => {
    const { msg, id } = await channelLaunch(ada.id, 'Oops, shipped the wrong link https://wrong.example');
    assert.equal(rocketOn(fake.channels.shipped, msg.id), true);
    const r = await fake.runCommand({ userId: ada.id, name: 'unship', options: [{ name: 'launch', type: 3, value: id }] });
    const text = answeredPrivately(r);
    assert.match(text, /^🗑️ Removed your launch from <t:\d+:d>: Oops, shipped the wrong link <https:\/\/wrong\.example>\. /);
    assert.match(text, /Its 🚀 is gone from the message\.$/);
    assert.equal(rocketOn(fake.channels.shipped, msg.id), false);
    const deletes = fake.requests.filter((q) => q.method === 'DELETE' && q.path.includes(`/messages/${msg.id}/reactions/`));
    assert.equal(deletes.length, 1);
    assert.match(deletes[0]!.path, /\/reactions\/%F0%9F%9A%80\/@me$/);
    const stored = await row(msg.id);
    assert.ok(stored?.deleted_at); assert.equal(stored.deleted_by, ada.id); assert.equal(stored.deleted_reason, 'unship');
    // A double click: says so, and changes nothing (no second DELETE, same deleted_at).
    const again = await fake.runCommand({ userId: ada.id, name: 'unship', options: [{ name: 'launch', type: 3, value: id }] });
    assert.match(answeredPrivately(again), /is already removed\. Nothing was changed\.$/);
    assert.equal(fake.requests.filter((q) => q.method === 'DELETE' && q.path.includes(`/messages/${msg.id}/reactions/`)).length, 1);
    assert.deepEqual((await row(msg.id))!.deleted_at, stored.deleted_at);
    // Gone from the member's autocomplete.
    const ac = await fake.autocomplete({ userId: ada.id, name: 'unship', options: [{ name: 'launch', type: 3, value: '', focused: true }] });
    assert.deepEqual(ac.choices, []);
  });

  test('someone else\'s launch, a made-up id and typed text are refused privately; nothing changes', async () => {
    const { msg, id } = await channelLaunch(grace.id, 'Grace shipped https://g.example');
    assert.match(answeredPrivately(await fake.runCommand({ userId: ada.id, name: 'unship', options: [{ name: 'launch', type: 3, value: id }] })), /not one of your launches/);
    assert.match(answeredPrivately(await fake.runCommand({ userId: ada.id, name: 'unship', options: [{ name: 'launch', type: 3, value: '999999' }] })), /not one of your launches/);
    assert.match(answeredPrivately(await fake.runCommand({ userId: ada.id, name: 'unship', options: [{ name: 'launch', type: 3, value: 'Grace shipped' }] })), /^Pick the launch to remove from the list/);
    assert.equal((await row(msg.id))!.deleted_at, null);
    assert.equal(rocketOn(fake.channels.shipped, msg.id), true);
  });

  test('Discord refusing the 🚀 removal (403) still removes the launch, says so, and logs reaction.remove_failed', async () => {
    const { msg, id } = await channelLaunch(ada.id, 'Shipped https://refused.example');
    fake.rest.script({ method: 'DELETE', path: new RegExp(`/messages/${msg.id}/reactions/`), status: 403, code: 50013, times: 1 });
    const r = await fake.runCommand({ userId: ada.id, name: 'unship', options: [{ name: 'launch', type: 3, value: id }] });
    assert.match(answeredPrivately(r), /Its 🚀 could not be taken off the message just now; the launch is removed all the same\.$/);
    assert.ok((await row(msg.id))?.deleted_at);
    assert.ok(web.logs.some((l) => l.startsWith('<4>reaction.remove_failed') && l.includes(`message_id=${msg.id}`)));
    fake.rest.clearScripts();
  });

  test('a /ship launch has no message: it is removed with no reaction call', async () => {
    const ship = await fake.runCommand({ userId: ada.id, name: 'ship', options: [{ name: 'product', type: 3, value: 'Mistake https://m.example' }] });
    assert.equal(ship.status, 200);
    const { rows } = await db.pool.query<{ id: string }>('SELECT id::text FROM launches WHERE interaction_id = $1', [ship.id]);
    const before = fake.requests.length;
    const r = await fake.runCommand({ userId: ada.id, name: 'unship', options: [{ name: 'launch', type: 3, value: rows[0]!.id }] });
    assert.match(answeredPrivately(r), /It no longer counts in \/profile, \/leaderboard or streaks[^🚀]*$/);
    assert.equal(fake.requests.slice(before).filter((q) => q.path.includes('/reactions/')).length, 0);
  });
});

describe('"Log as launch"', () => {
  test('the author logs their own message in another channel: stored as theirs, 🚀 added, reacted_at set; a second time says already logged', async () => {
    const msg = fake.postMessage({ channelId: fake.channels.general, authorId: ada.id, content: 'Pocket Ledger 2 is out, no link yet' });
    const r = await fake.runMessageCommand({ userId: ada.id, name: 'Log as launch', channelId: fake.channels.general, messageId: msg.id });
    assert.match(answeredPrivately(r), /^🚀 Logged your message as a launch and reacted 🚀: Pocket Ledger 2 is out, no link yet$/);
    assert.equal(rocketOn(fake.channels.general, msg.id), true);
    const stored = await row(msg.id);
    assert.equal(stored?.user_id, ada.id); assert.equal(stored.logged_by, ada.id); assert.ok(stored.reacted_at); assert.equal(stored.deleted_at, null);
    const again = await fake.runMessageCommand({ userId: ada.id, name: 'Log as launch', channelId: fake.channels.general, messageId: msg.id });
    assert.match(answeredPrivately(again), /already logged as a launch of .*Nothing was changed\.$/);
    assert.equal(fake.reactionPuts().filter((p) => p.messageId === msg.id).length, 1);
  });

  test('a moderator (Manage Messages in member.permissions) logs someone else\'s message as the author\'s launch', async () => {
    const msg = fake.postMessage({ channelId: fake.channels.shipped, authorId: grace.id, content: 'Finally out: Tiny Forms (no link, sorry) @everyone' });
    const r = await fake.runMessageCommand({ userId: mod.id, name: 'Log as launch', channelId: fake.channels.shipped, messageId: msg.id });
    const text = answeredPrivately(r);
    assert.match(text, /^🚀 Logged Grace's message as a launch and reacted 🚀: Finally out: Tiny Forms \(no link, sorry\) @\u200beveryone$/);
    const stored = await row(msg.id);
    assert.equal(stored?.user_id, grace.id); assert.equal(stored.logged_by, mod.id);
    assert.equal(rocketOn(fake.channels.shipped, msg.id), true);
  });

  test('an explicit MANAGE_MESSAGES or ADMINISTRATOR bit counts; a member without it gets a private explanation and nothing is stored', async () => {
    const msg = fake.postMessage({ channelId: fake.channels.general, authorId: grace.id, content: 'Launched something nice' });
    const denied = await fake.runMessageCommand({ userId: ada.id, name: 'Log as launch', channelId: fake.channels.general, messageId: msg.id });
    assert.match(answeredPrivately(denied), /^Only the message's author or a moderator .* can log it as a launch\. Nothing was changed\.$/);
    assert.equal(await row(msg.id), undefined);
    assert.equal(rocketOn(fake.channels.general, msg.id), false);
    const admin = await fake.runMessageCommand({ userId: ada.id, name: 'Log as launch', channelId: fake.channels.general, messageId: msg.id, permissions: String(1n << 3n) });
    assert.match(answeredPrivately(admin), /^🚀 Logged Grace's message/);
    await db.pool.query('DELETE FROM launches');
    const manage = await fake.runMessageCommand({ userId: ada.id, name: 'Log as launch', channelId: fake.channels.general, messageId: msg.id, permissions: String(1n << 13n) });
    assert.match(answeredPrivately(manage), /^🚀 Logged Grace's message/);
    const none = await fake.runMessageCommand({ userId: grace.id, name: 'Log as launch', channelId: fake.channels.general, messageId: msg.id, permissions: '0' });
    assert.match(answeredPrivately(none), /already logged/, 'the author may, whatever their permissions');
  });

  test('a 🚀 Discord refuses (403) leaves the launch logged with its reaction still owed, and logs reaction.add_failed', async () => {
    const msg = fake.postMessage({ channelId: fake.channels.general, authorId: ada.id, content: 'Released the API' });
    fake.rest.script({ method: 'PUT', path: new RegExp(`/messages/${msg.id}/reactions/`), status: 403, code: 50013, times: 1 });
    const r = await fake.runMessageCommand({ userId: ada.id, name: 'Log as launch', channelId: fake.channels.general, messageId: msg.id });
    assert.match(answeredPrivately(r), /^🚀 Logged your message as a launch \(its 🚀 could not be added just now; ShipTrack tries again when the worker next starts\): Released the API$/);
    const stored = await row(msg.id);
    assert.equal(stored?.deleted_at, null); assert.equal(stored.reacted_at, null, 'still owed: the worker pays it at its next start');
    assert.ok(web.logs.some((l) => l.startsWith('<4>reaction.add_failed') && l.includes(`message_id=${msg.id}`)));
    fake.rest.clearScripts();
  });

  test('bot and webhook messages and a message without text are refused', async () => {
    const hook = fake.postMessage({ channelId: fake.channels.shipped, authorId: ada.id, content: 'v2 released https://ci.example', webhookId: '1100000000000000001' });
    assert.match(answeredPrivately(await fake.runMessageCommand({ userId: mod.id, name: 'Log as launch', channelId: fake.channels.shipped, messageId: hook.id })), /bots and webhooks/);
    const bot = fake.postMessage({ channelId: fake.channels.shipped, authorId: fake.botUserId, content: 'I am the bot' });
    assert.match(answeredPrivately(await fake.runMessageCommand({ userId: mod.id, name: 'Log as launch', channelId: fake.channels.shipped, messageId: bot.id })), /bots and webhooks/);
    const blank = fake.postMessage({ channelId: fake.channels.shipped, authorId: ada.id, content: '\u200b' });
    assert.match(answeredPrivately(await fake.runMessageCommand({ userId: ada.id, name: 'Log as launch', channelId: fake.channels.shipped, messageId: blank.id })), /no text/);
    assert.equal((await db.pool.query('SELECT 1 FROM launches')).rowCount, 0);
  });
});

describe('"Not a launch"', () => {
  test('the author removes the launch from their message and the 🚀 goes; an edit afterwards is not logged again by the worker', async () => {
    const { msg } = await channelLaunch(ada.id, 'Shipped v1 https://v1.example');
    const r = await fake.runMessageCommand({ userId: ada.id, name: 'Not a launch', channelId: fake.channels.shipped, messageId: msg.id });
    assert.match(answeredPrivately(r), /^🗑️ Removed the launch from that message: Shipped v1 <https:\/\/v1\.example>\..* Its 🚀 is gone\.$/);
    assert.equal(rocketOn(fake.channels.shipped, msg.id), false);
    const stored = await row(msg.id);
    assert.equal(stored?.deleted_reason, 'not-a-launch'); assert.equal(stored.deleted_by, ada.id);
    const again = await fake.runMessageCommand({ userId: ada.id, name: 'Not a launch', channelId: fake.channels.shipped, messageId: msg.id });
    assert.match(answeredPrivately(again), /already removed\. Nothing was changed\.$/);
    assert.equal(fake.requests.filter((q) => q.method === 'DELETE' && q.path.includes(`/messages/${msg.id}/reactions/`)).length, 1);
  });

  test('a moderator removes someone else\'s; a member who is neither author nor moderator is refused and nothing changes', async () => {
    const { msg } = await channelLaunch(grace.id, 'Launched the beta https://beta.example');
    const denied = await fake.runMessageCommand({ userId: ada.id, name: 'Not a launch', channelId: fake.channels.shipped, messageId: msg.id });
    assert.match(answeredPrivately(denied), /^Only the message's author or a moderator .* can say it is not a launch\. Nothing was changed\.$/);
    assert.equal((await row(msg.id))!.deleted_at, null);
    assert.equal(rocketOn(fake.channels.shipped, msg.id), true);
    const r = await fake.runMessageCommand({ userId: mod.id, name: 'Not a launch', channelId: fake.channels.shipped, messageId: msg.id });
    assert.match(answeredPrivately(r), /^🗑️ Removed the launch/);
    assert.equal((await row(msg.id))!.deleted_by, mod.id);
    assert.equal(rocketOn(fake.channels.shipped, msg.id), false);
  });

  test('a message never logged is stored as removed, so no later insert (an edit, a replay, a backfill) logs it; "Log as launch" brings it back', async () => {
    const msg = fake.postMessage({ channelId: fake.channels.shipped, authorId: ada.id, content: 'thinking about a launch' });
    const r = await fake.runMessageCommand({ userId: ada.id, name: 'Not a launch', channelId: fake.channels.shipped, messageId: msg.id });
    assert.match(answeredPrivately(r), /was not logged as a launch, and ShipTrack will not log it later either/);
    // What the worker does on MESSAGE_UPDATE / CREATE / backfill: an idempotent INSERT on the message id.
    const insert = await insertLaunch(db.pool, { source: 'channel', guildId: fake.guildId, channelId: fake.channels.shipped, userId: ada.id, userName: 'ada',
      content: 'Launched it https://l.example', urls: ['https://l.example'], messageId: msg.id, createdAt: new Date(NOW) });
    assert.deepEqual(insert, { created: false, id: insert.id, reactionOwed: false });
    const back = await fake.runMessageCommand({ userId: ada.id, name: 'Log as launch', channelId: fake.channels.shipped, messageId: msg.id });
    assert.match(answeredPrivately(back), /^🚀 Logged your message as a launch and reacted 🚀/);
    const stored = await row(msg.id);
    assert.equal(stored?.deleted_at, null); assert.equal(stored.deleted_reason, null);
  });
});

describe('commands outside the community', () => {
  test('/unship in a DM gets the not-in-server notice', async () => {
    await channelLaunch(ada.id, 'Shipped https://a.example');
    const dm = await fake.runCommand({ userId: ada.id, name: 'unship', dm: true, options: [{ name: 'launch', type: 3, value: '1' }] });
    assert.match(answeredPrivately(dm), /use it in a channel there/);
  });
});

describe('streaks and periods through the fake Discord', () => {
  const slash = (userId: string, at: string, k: number) => insertLaunch(db.pool, { source: 'slash', guildId: fake.guildId, channelId: null, userId, userName: 'x',
    content: `Launch ${k}`, urls: [], interactionId: String(1450000000000000000n + BigInt(k)), createdAt: new Date(at) });

  test('/profile shows the current and best weekly streak across the year boundary; removed launches do not count', async () => {
    // NOW is Wed 2 Dec 2026: this digest week began Mon 30 Nov 09:00 UTC.
    let k = 0;
    for (const at of ['2025-12-24T10:00:00Z', '2025-12-31T10:00:00Z', '2026-01-06T10:00:00Z']) await slash(ada.id, at, k++); // 3 weeks across New Year
    for (const at of ['2026-11-17T10:00:00Z', '2026-11-24T10:00:00Z', '2026-12-01T10:00:00Z']) await slash(ada.id, at, k++); // 3 weeks up to now
    const ship = await slash(ada.id, '2026-11-10T10:00:00Z', k++); // would make the run 4
    await db.pool.query(`UPDATE launches SET deleted_at = now(), deleted_reason = 'unship' WHERE id = $1`, [ship.id]);
    const r = await fake.runCommand({ userId: ada.id, name: 'profile' });
    assert.equal(content(r).split('\n')[1], '🔥 Weekly streak: 3 weeks · best 3 weeks');
    // This week has none yet for Grace: her streak up to last week still runs.
    await slash(grace.id, '2026-11-24T10:00:00Z', k++);
    const g = await fake.runCommand({ userId: grace.id, name: 'profile' });
    assert.equal(content(g).split('\n')[1], '🔥 Weekly streak: 1 week · best 1 week');
  });

  test('/leaderboard period: week, month, quarter (default), year, all; the reply names it; ties share a rank', async () => {
    let k = 0;
    await slash(ada.id, '2026-11-30T09:00:00Z', k++); // this week (since Mon 30 Nov 09:00) and November
    await slash(grace.id, '2026-12-01T10:00:00Z', k++); // this week, December
    await slash(grace.id, '2026-11-30T08:59:59Z', k++); // last week, November
    await slash(mod.id, '2026-02-01T10:00:00Z', k++); // this year, Q1
    await slash(mod.id, '2025-06-01T10:00:00Z', k++); // all time only
    const board = async (period?: string) => content(await fake.runCommand({ userId: ada.id, name: 'leaderboard', ...(period ? { options: [{ name: 'period', type: 3, value: period }] } : {}) }));
    assert.equal(await board('week'), `🏆 Top shippers of this week (since Mon 30 Nov, 09:00 UTC)\n1. <@${ada.id}> · 1 launch\n1. <@${grace.id}> · 1 launch`);
    assert.equal(await board('month'), `🏆 Top shippers of December 2026\n1. <@${grace.id}> · 1 launch`);
    assert.equal(await board(), `🏆 Top shippers of Q4 2026\n1. <@${grace.id}> · 2 launches\n2. <@${ada.id}> · 1 launch`);
    assert.equal(await board('quarter'), await board());
    // Within a tie, whoever reached the count first comes first (mo in February, Ada on 30 Nov).
    assert.equal(await board('year'), `🏆 Top shippers of 2026\n1. <@${grace.id}> · 2 launches\n2. <@${mod.id}> · 1 launch\n2. <@${ada.id}> · 1 launch`);
    assert.equal(await board('all'), `🏆 Top shippers of all time\n1. <@${mod.id}> · 2 launches\n1. <@${grace.id}> · 2 launches\n3. <@${ada.id}> · 1 launch`);
    await db.pool.query('DELETE FROM launches');
    assert.equal(await board('week'), '🏆 No launches logged yet in this week (since Mon 30 Nov, 09:00 UTC). Be the first: /ship');
    assert.equal(await board('all'), '🏆 No launches logged yet. Be the first: /ship');
  });
});
