// The worker's ingest path without a gateway: MESSAGE_* payloads from the fake Discord go straight
// into Ingest against a real test database and the fake REST API (reactions, history, fetches).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { findByMessageId, insertLaunch } from '../../src/db/launches.js';
import { getCursor } from '../../src/db/gateway-state.js';
import type { Queryable } from '../../src/db/pool.js';
import { ingestRig, tripwire, type IngestRig } from './worker-harness.js';

type Ctx = IngestRig;
const setup = ingestRig;

async function deliver(c: Ctx, t: string, d: unknown): Promise<void> {
  c.ingest.dispatch(t, d);
  await c.ingest.idle();
}

const post = (c: Ctx, content: string, authorId = c.ada, channelId = c.fake.channels.shipped) =>
  c.fake.world.messageEvent(c.fake.postMessage({ channelId, authorId, content }));

const count = async (c: Ctx) => Number((await c.db.pool.query('SELECT count(*) FROM launches')).rows[0].count);
const putsFor = (c: Ctx, id: string) => c.fake.reactionPuts().filter((p) => p.messageId === id).length;

test('a launch-shaped post is stored once, reacted to once, and moves the cursor', async (t) => {
  const c = await setup(t);
  const m = post(c, 'shipped my new app https://example.com/app');
  await deliver(c, 'MESSAGE_CREATE', m);
  const row = await findByMessageId(c.db.pool, m.id);
  assert.equal(row?.userName, 'Ada');
  assert.deepEqual(row?.urls, ['https://example.com/app']);
  assert.ok(row?.reactedAt, 'reacted_at set');
  assert.equal(putsFor(c, m.id), 1);
  assert.deepEqual(c.fake.reactions(c.fake.channels.shipped, m.id), [{ emoji: '🚀', userIds: [c.fake.botUserId] }]);
  assert.equal(await getCursor(c.db.pool, c.fake.channels.shipped), m.id);
  assert.ok(c.lines.some((l) => l.startsWith('launch.logged') && l.includes(`message_id=${m.id}`) && l.includes('reason=launch')));
});

test('a non-launch is not stored or reacted to, but the cursor moves past it', async (t) => {
  const c = await setup(t);
  const m = post(c, 'good morning everyone, how are you all');
  await deliver(c, 'MESSAGE_CREATE', m);
  assert.equal(await count(c), 0);
  assert.equal(c.fake.reactionPuts().length, 0);
  assert.equal(await getCursor(c.db.pool, c.fake.channels.shipped), m.id);
  assert.ok(c.lines.some((l) => l.startsWith('launch.ignored') && l.includes('reason=no-url')));
});

test('duplicate delivery (replay, redelivery) stores one row and sends one reaction', async (t) => {
  const c = await setup(t);
  const m = post(c, 'launched https://example.com/dup today');
  for (let i = 0; i < 3; i++) c.ingest.dispatch('MESSAGE_CREATE', m);
  await c.ingest.idle();
  await deliver(c, 'MESSAGE_CREATE', m);
  assert.equal(await count(c), 1);
  assert.equal(putsFor(c, m.id), 1);
  assert.equal(c.lines.filter((l) => l.startsWith('launch.ignored') && l.includes('reason=duplicate')).length, 3);
});

test('bots, webhooks, the bot itself and other channels are ignored with their reason', async (t) => {
  const c = await setup(t);
  const bot = c.fake.addMember({ username: 'otherbot', bot: true });
  const text = 'shipped https://example.com/x for everyone';
  await deliver(c, 'MESSAGE_CREATE', post(c, text, bot.id));
  await deliver(c, 'MESSAGE_CREATE', c.fake.world.messageEvent(c.fake.postMessage({ channelId: c.fake.channels.shipped, authorId: c.ada, content: text, webhookId: '123456789012345678' })));
  await deliver(c, 'MESSAGE_CREATE', post(c, text, c.fake.botUserId));
  const other = post(c, text, c.ada, c.fake.channels.general);
  await deliver(c, 'MESSAGE_CREATE', other);
  assert.equal(await count(c), 0);
  assert.equal(c.fake.reactionPuts().length, 0);
  for (const reason of ['bot-author', 'webhook', 'own-message']) assert.ok(c.lines.some((l) => l.includes(`reason=${reason}`)), reason);
  assert.notEqual(await getCursor(c.db.pool, c.fake.channels.shipped), other.id);
});

test('edits: a logged launch gets its new text; an edit that makes a launch logs and reacts', async (t) => {
  const c = await setup(t);
  const a = post(c, 'shipped https://example.com/v1 today');
  await deliver(c, 'MESSAGE_CREATE', a);
  const editedA = c.fake.world.messageEvent(c.fake.editMessage(c.fake.channels.shipped, a.id, 'shipped https://example.com/v2 today!'));
  await deliver(c, 'MESSAGE_UPDATE', editedA);
  const rowA = await findByMessageId(c.db.pool, a.id);
  assert.equal(rowA?.content, 'shipped https://example.com/v2 today!');
  assert.deepEqual(rowA?.urls, ['https://example.com/v2']);
  assert.ok(rowA?.editedAt);
  await deliver(c, 'MESSAGE_UPDATE', editedA); // unchanged text (embed unfurl): no change, no reaction
  assert.equal(putsFor(c, a.id), 1);

  const b = post(c, 'working on something cool');
  await deliver(c, 'MESSAGE_CREATE', b);
  assert.equal(await findByMessageId(c.db.pool, b.id), undefined);
  c.fake.editMessage(c.fake.channels.shipped, b.id, 'it is live now https://example.com/b');
  // A partial update (no author): the worker fetches the message before deciding.
  await deliver(c, 'MESSAGE_UPDATE', { id: b.id, channel_id: b.channel_id, guild_id: c.fake.guildId });
  const rowB = await findByMessageId(c.db.pool, b.id);
  assert.equal(rowB?.content, 'it is live now https://example.com/b');
  assert.equal(putsFor(c, b.id), 1);
});

test('MESSAGE_DELETE and MESSAGE_DELETE_BULK soft-delete', async (t) => {
  const c = await setup(t);
  const ms = [1, 2, 3].map((i) => post(c, `shipped https://example.com/${i} yay`));
  for (const m of ms) c.ingest.dispatch('MESSAGE_CREATE', m);
  await c.ingest.idle();
  await deliver(c, 'MESSAGE_DELETE', { id: ms[0]!.id, channel_id: c.fake.channels.shipped, guild_id: c.fake.guildId });
  await deliver(c, 'MESSAGE_DELETE_BULK', { ids: [ms[1]!.id, ms[2]!.id], channel_id: c.fake.channels.shipped, guild_id: c.fake.guildId });
  const { rows } = await c.db.pool.query('SELECT count(*)::int AS n FROM launches WHERE deleted_at IS NOT NULL');
  assert.equal(rows[0].n, 3);
});

test('5xx and 429 on the reaction are retried until the 🚀 lands, exactly once', async (t) => {
  const c = await setup(t);
  c.fake.rest.script({ method: 'PUT', path: /reactions/, status: 503, times: 6 });
  c.fake.rest.script({ method: 'PUT', path: /reactions/, status: 429, retryAfterSec: 0.05, times: 2 });
  const m = post(c, 'released https://example.com/r v2');
  await deliver(c, 'MESSAGE_CREATE', m);
  assert.equal(putsFor(c, m.id), 1);
  assert.ok((await findByMessageId(c.db.pool, m.id))?.reactedAt);
  assert.ok(c.lines.some((l) => l.startsWith('worker.retry') && l.includes('what=reaction.put')));
});

test('a permanent 403 (50013) is recorded as refused and never sent again; 10008 soft-deletes the row', async (t) => {
  const c = await setup(t);
  c.fake.rest.script({ method: 'PUT', path: /reactions/, status: 403, body: { message: 'Missing Permissions', code: 50013 }, times: 1 });
  const m = post(c, 'shipped https://example.com/p now');
  await deliver(c, 'MESSAGE_CREATE', m);
  const row = await findByMessageId(c.db.pool, m.id);
  assert.ok(row && !row.reactedAt && !row.deletedAt, `row left unreacted: ${JSON.stringify(row)}; puts=${JSON.stringify(c.fake.reactionPuts())}`);
  assert.equal(row.reactionRefusedReason, 'HTTP 403 code 50013 Missing Permissions');
  assert.ok(c.lines.some((l) => l.startsWith('reaction.refused') && l.includes('discord_code=50013')));
  assert.equal(await getCursor(c.db.pool, c.fake.channels.shipped), m.id, 'decided, so the cursor moves');
  c.ingest.payOwedReactions(); // refused for good: not owed (test/regressions/reactions-never-hold-up-launches.test.ts)
  await c.ingest.idle();
  assert.equal(c.fake.reactionPuts().length, 0);

  const gone = post(c, 'launched https://example.com/gone ok');
  c.fake.deleteMessage(c.fake.channels.shipped, gone.id);
  await deliver(c, 'MESSAGE_CREATE', gone);
  assert.ok((await findByMessageId(c.db.pool, gone.id))?.deletedAt);
});

test('a failing database is retried with backoff; the event is stored once', async (t) => {
  let failures = 0;
  let real: Queryable | undefined;
  const flaky: Queryable = {
    query: (text: string, values?: unknown[]) => {
      if (failures < 4) { failures++; return Promise.reject(Object.assign(new Error('connection terminated'), { code: 'ECONNRESET' })); }
      return real!.query(text, values);
    },
  } as Queryable;
  const c = await setup(t, { db: flaky });
  real = c.db.pool;
  const m = post(c, 'shipping https://example.com/db today');
  await deliver(c, 'MESSAGE_CREATE', m);
  assert.equal(failures, 4);
  assert.equal(await count(c), 1);
  assert.equal(putsFor(c, m.id), 1);
});

test('owed reactions (crash between insert and react) are paid once', async (t) => {
  const c = await setup(t);
  const m = post(c, 'shipped https://example.com/owed yes');
  await insertLaunch(c.db.pool, { source: 'channel', guildId: c.fake.guildId, channelId: m.channel_id, userId: c.ada, userName: 'Ada', content: m.content, urls: [], messageId: m.id, createdAt: new Date() });
  c.ingest.payOwedReactions();
  c.ingest.payOwedReactions();
  await c.ingest.idle();
  assert.equal(putsFor(c, m.id), 1);
  assert.ok((await findByMessageId(c.db.pool, m.id))?.reactedAt);
});

test('backfill pages oldest-first from the cursor through the same path (250 messages)', async (t) => {
  const c = await setup(t);
  const first = post(c, 'shipped https://example.com/seen first');
  await deliver(c, 'MESSAGE_CREATE', first);
  const missed: string[] = [];
  for (let i = 0; i < 250; i++) {
    const msg = c.fake.world.createMessage({ channelId: c.fake.channels.shipped, authorId: c.ada, content: i % 5 === 0 ? `shipped https://example.com/m${i}` : `chat ${i}`, dispatch: false });
    missed.push(msg.id);
  }
  c.fake.rest.setBucket('PUT /channels/:id/messages/:id/reactions/:reaction/@me', 100, 0.01);
  const r = await c.ingest.backfill();
  assert.deepEqual({ pages: r?.pages, messages: r?.messages }, { pages: 3, messages: 250 });
  assert.equal(await count(c), 51);
  assert.equal(await getCursor(c.db.pool, c.fake.channels.shipped), missed.at(-1));
  const gets = c.fake.requests.filter((q) => q.method === 'GET' && q.route.endsWith('/messages'));
  assert.deepEqual(gets.map((q) => q.query.after), [first.id, missed[99], missed[199]]);
  await c.ingest.idle(); // the reactions are paid apart from the backfill
  assert.equal(c.fake.reactionPuts().length, 51);
  await c.ingest.backfill(); // nothing new
  assert.equal(c.fake.reactionPuts().length, 51);
});

test('first start: a bounded window is backfilled, or none with window 0 (cursor = now)', async (t) => {
  const c = await setup(t, { windowMs: 0 });
  c.fake.world.createMessage({ channelId: c.fake.channels.shipped, authorId: c.ada, content: 'shipped https://example.com/old', dispatch: false });
  const r = await c.ingest.backfill();
  assert.equal(r?.messages, 0);
  assert.equal(await count(c), 0);
  assert.ok(await getCursor(c.db.pool, c.fake.channels.shipped));

  const d = await setup(t, { windowMs: 3_600_000 });
  d.fake.world.createMessage({ channelId: d.fake.channels.shipped, authorId: d.ada, content: 'shipped https://example.com/recent', dispatch: false });
  assert.equal((await d.ingest.backfill())?.messages, 1);
  assert.equal(await count(d), 1);
});

test('after halt nothing queued runs and new events are refused', async (t) => {
  const c = await setup(t);
  // A partial MESSAGE_CREATE (no author) is completed over REST; that GET is slow, so the halt
  // comes while the first event is in hand.
  let arrived!: () => void;
  const getArrived = new Promise<void>((resolve) => { arrived = resolve; });
  c.fake.rest.script({ method: 'GET', path: tripwire(/\/messages\/\d+$/, () => arrived()), status: 200, delayMs: 300, passThrough: true, times: 1 });
  const a = post(c, 'shipped https://example.com/a first');
  const b = post(c, 'shipped https://example.com/b second');
  c.ingest.dispatch('MESSAGE_CREATE', { id: a.id, channel_id: a.channel_id, guild_id: c.fake.guildId });
  c.ingest.dispatch('MESSAGE_CREATE', b);
  await getArrived;
  await c.ingest.halt('lock lost');
  c.ingest.dispatch('MESSAGE_CREATE', post(c, 'shipped https://example.com/c third'));
  assert.equal(await count(c), 0);
  assert.equal(await getCursor(c.db.pool, c.fake.channels.shipped), undefined, 'a was not fully handled');
  assert.equal(c.fake.reactionPuts().length, 0);
});

test('a 🚀 held up by a long 429 does not hold up the next launch: it is stored, the reactions wait', async (t) => {
  const c = await setup(t);
  c.fake.rest.script({ method: 'PUT', path: /reactions/, status: 200, delayMs: 300, passThrough: true, times: 1 });
  const a = post(c, 'shipped https://example.com/a first');
  const b = post(c, 'shipped https://example.com/b second');
  c.ingest.dispatch('MESSAGE_CREATE', a);
  c.ingest.dispatch('MESSAGE_CREATE', b);
  await c.ingest.stored();
  assert.equal(await count(c), 2);
  assert.equal(await getCursor(c.db.pool, c.fake.channels.shipped), b.id);
  assert.equal(c.fake.reactionPuts().length, 0, 'the first 🚀 is still in flight');
  await c.ingest.idle();
  assert.deepEqual(c.fake.reactionPuts().map((p) => p.messageId), [a.id, b.id]);
});

test('a halt while the 🚀 waits out a 10-minute Retry-After ends within the grace; the reaction stays owed', async (t) => {
  const c = await setup(t);
  let limited!: () => void;
  const got429 = new Promise<void>((resolve) => { limited = resolve; });
  c.fake.events.on('request', (r: { status: number }) => { if (r.status === 429) limited(); });
  c.fake.rest.script({ method: 'PUT', path: /reactions/, status: 429, retryAfterSec: 600, times: 1 });
  const m = post(c, 'shipped https://example.com/halt-429 today');
  c.ingest.dispatch('MESSAGE_CREATE', m);
  await c.ingest.stored();
  await got429;
  const started = Date.now();
  await c.ingest.halt('SIGTERM');
  const took = Date.now() - started;
  assert.ok(took >= 900 && took < 3000, `halt took ${took} ms (grace 1000 ms)`);
  const row = await findByMessageId(c.db.pool, m.id);
  assert.ok(row && !row.reactedAt && !row.reactionRefusedAt, 'still owed for the next start');
  assert.equal(c.fake.reactionPuts().length, 0);
});

/** The database as the ingest sees it, counting statements that insert launches (and failing multi-row ones when asked). */
function countingDb(c: { pool: Queryable }, opts: { failBatches?: boolean } = {}) {
  const inserts: number[] = [];
  const db: Queryable = {
    query: (async (text: string, values?: unknown[]) => {
      if (text.includes('INSERT INTO launches')) {
        const rows = (text.match(/\('channel'/g) ?? []).length || 1;
        inserts.push(rows);
        // 22P05 (untranslatable character): a data error, permanent for the statement.
        if (opts.failBatches && rows > 1) throw Object.assign(new pg.DatabaseError('simulated data error in one row', 0, 'error'), { code: '22P05' });
      }
      return c.pool.query(text, values);
    }) as Queryable['query'],
  };
  return { db, inserts };
}

test('a burst of new messages is stored with one INSERT per batch, not per message; every launch once, in order, cursor at the last', async (t) => {
  let counting!: ReturnType<typeof countingDb>;
  const c = await setup(t, { wrapDb: (pool) => (counting = countingDb({ pool })).db });
  // The 🚀s are not what is tested here: lift the fake's per-channel reaction bucket (1 per 250 ms).
  c.fake.rest.setBucket('PUT /channels/:id/messages/:id/reactions/:reaction/@me', 100_000, 1);
  const ms = Array.from({ length: 40 }, (_, i) => post(c, i % 2 === 0 ? `shipped https://example.com/burst/${i} today` : `chat line ${i}, nothing launched here`));
  for (const m of ms) c.ingest.dispatch('MESSAGE_CREATE', m);
  await c.ingest.idle();
  assert.equal(await count(c), 20);
  // The first message starts at once (a batch of one); the 39 that arrived meanwhile are one batch.
  assert.deepEqual(counting.inserts, [1, 19]);
  const logged = c.lines.filter((l) => l.startsWith('launch.logged') || l.startsWith('launch.ignored')).map((l) => /message_id=(\d+)/.exec(l)?.[1]);
  assert.deepEqual(logged, ms.map((m) => m.id), 'one decision line per message, in arrival order');
  assert.equal(await getCursor(c.db.pool, c.fake.channels.shipped), ms.at(-1)!.id);
  for (const m of ms.filter((_, i) => i % 2 === 0)) assert.equal(putsFor(c, m.id), 1);
  // Replayed (a RESUME after a crash): nothing stored or reacted to twice.
  for (const m of ms) c.ingest.dispatch('MESSAGE_CREATE', m);
  await c.ingest.idle();
  assert.equal(await count(c), 20);
  assert.equal(c.fake.reactionPuts().length, 20);
  assert.equal(c.lines.filter((l) => l.startsWith('launch.ignored') && l.includes('reason=duplicate')).length, 20);
});

test('a batch the database refuses for good is stored one message at a time, so one bad row costs only itself', async (t) => {
  let counting!: ReturnType<typeof countingDb>;
  const c = await setup(t, { wrapDb: (pool) => (counting = countingDb({ pool }, { failBatches: true })).db });
  const ms = Array.from({ length: 5 }, (_, i) => post(c, `shipped https://example.com/one-by-one/${i} now`));
  for (const m of ms) c.ingest.dispatch('MESSAGE_CREATE', m);
  await c.ingest.idle();
  assert.equal(await count(c), 5);
  assert.deepEqual(counting.inserts, [1, 4, 1, 1, 1, 1]);
  assert.equal(c.lines.filter((l) => l.startsWith('launch.batch_failed')).length, 1);
  assert.ok(c.lines.find((l) => l.startsWith('launch.batch_failed'))!.includes('count=4'));
  assert.equal(await getCursor(c.db.pool, c.fake.channels.shipped), ms.at(-1)!.id);
});

test('a batch that fails on a bug still settles every dispatch in it, so the shard keeps persisting later sequence numbers', async (t) => {
  const c = await setup(t);
  const ms = [0, 1, 2].map((i) => post(c, `shipped https://example.com/bug/${i} today`));
  const owe = c.ingest.reactions.owe.bind(c.ingest.reactions);
  let calls = 0;
  // A bug after the rows are stored: queueing the 🚀 of the second launch throws.
  c.ingest.reactions.owe = (r) => { if (++calls === 2) throw new TypeError('simulated bug'); owe(r); };
  const handled = ms.map((m) => c.ingest.handleDispatch('MESSAGE_CREATE', m));
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([Promise.all(handled).then(() => 'all settled'), new Promise((r) => { timer = setTimeout(r, 5000, 'still pending'); })]);
  clearTimeout(timer);
  assert.equal(settled, 'all settled');
  assert.equal(await count(c), 3);
  assert.equal(c.lines.filter((l) => l.startsWith('ingest.job_failed') && l.includes('simulated bug')).length, 1);
  // The cursor never passes the message whose handling failed.
  await c.ingest.stored();
  assert.equal(await getCursor(c.db.pool, c.fake.channels.shipped), ms[0]!.id);
});
