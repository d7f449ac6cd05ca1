// The REAL worker process (`node <compiled tree>/bin/worker.js`, compiled as production runs it) against the fake Discord and a
// test database: launches, non-launches, edits, deletes, bots/webhooks, redelivery, SIGTERM within
// 5 s with the last processed seq saved (even for the event in hand when SIGTERM came), restart +
// RESUME with messages posted while it was down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeDiscord } from '../../src/fake-discord/index.js';
import { findByMessageId } from '../../src/db/launches.js';
import { getCursor, loadSession, readWorkerStatus } from '../../src/db/gateway-state.js';
import { createTestDatabase } from '../helpers/db.js';
import { spawnWorker, tripwire, waitFor, type WorkerProcess } from './worker-harness.js';

test('the worker process: ingest end to end, restart with RESUME and catch-up', { timeout: 120_000 }, async (t) => {
  const fake = await startFakeDiscord({ heartbeatIntervalMs: 300 });
  t.after(() => fake.close());
  const db = await createTestDatabase();
  t.after(() => db.close());
  const env = {
    DATABASE_URL: db.url, DISCORD_BOT_TOKEN: fake.botToken, SHIPPED_CHANNEL_ID: fake.channels.shipped,
    DISCORD_API_BASE: fake.apiBase, DISCORD_GUILD_ID: fake.guildId, WORKER_BACKFILL_HOURS: '1',
  };
  const ch = fake.channels.shipped;
  const [ada, grace] = fake.members.map((m) => m.id);
  // Posted before the first ever start, inside the 1 h first-start window: imported by backfill.
  const early = fake.postMessage({ channelId: ch, authorId: grace!, content: 'shipped https://example.com/early before the bot' });

  let w: WorkerProcess = spawnWorker(env, 'w1');
  t.after(() => w.kill('SIGKILL'));
  await w.waitForLine('gateway.ready');
  assert.equal(fake.gateway.identifyCount, 1);

  const puts = (id: string) => fake.reactionPuts().filter((p) => p.messageId === id).length;
  const reacted = (id: string) => waitFor(`🚀 on ${id}`, async () => (await findByMessageId(db.pool, id))?.reactedAt);
  const decided = (id: string) => w.waitForLine('launch.ignored', { match: (l) => l.includes(`message_id=${id}`) });
  const rows = async () => Number((await db.pool.query('SELECT count(*) FROM launches')).rows[0].count);

  await t.test('backfill on first start imported the early launch', async () => {
    await reacted(early.id);
    assert.equal(puts(early.id), 1);
  });

  await t.test('a launch-shaped post → one row and one 🚀', async () => {
    const m = fake.postMessage({ channelId: ch, authorId: ada!, content: 'launched my tiny CLI https://example.com/cli' });
    await reacted(m.id);
    assert.equal(puts(m.id), 1);
    assert.deepEqual(fake.reactions(ch, m.id), [{ emoji: '🚀', userIds: [fake.botUserId] }]);
    await waitFor('cursor', async () => (await getCursor(db.pool, ch)) === m.id);
  });

  await t.test('a non-launch → nothing stored, nothing reacted', async () => {
    const before = await rows();
    const m = fake.postMessage({ channelId: ch, authorId: ada!, content: 'anyone up for lunch today?' });
    const line = await decided(m.id);
    assert.match(line, /reason=no-url/);
    assert.equal(await rows(), before);
    assert.equal(puts(m.id), 0);
  });

  await t.test('bots and webhooks are ignored', async () => {
    const bot = fake.addMember({ username: 'ci-bot', bot: true });
    const b = fake.postMessage({ channelId: ch, authorId: bot.id, content: 'shipped https://example.com/bot build 42' });
    const h = fake.postMessage({ channelId: ch, authorId: ada!, content: 'shipped https://example.com/hook release', webhookId: fake.applicationId });
    assert.match(await decided(b.id), /reason=bot-author/);
    assert.match(await decided(h.id), /reason=webhook/);
    assert.equal(puts(b.id) + puts(h.id), 0);
    assert.equal(await findByMessageId(db.pool, b.id), undefined);
  });

  await t.test('edits: a logged launch is updated; an edit into a launch is logged and reacted', async () => {
    const a = fake.postMessage({ channelId: ch, authorId: ada!, content: 'shipped https://example.com/a1 finally' });
    await reacted(a.id);
    fake.editMessage(ch, a.id, 'shipped https://example.com/a2 finally (fixed link)');
    await w.waitForLine('launch.edited', { match: (l) => l.includes(`message_id=${a.id}`) });
    assert.equal((await findByMessageId(db.pool, a.id))?.content, 'shipped https://example.com/a2 finally (fixed link)');
    const b = fake.postMessage({ channelId: ch, authorId: grace!, content: 'almost done with my game' });
    await decided(b.id);
    fake.editMessage(ch, b.id, 'my game is live https://example.com/game');
    await reacted(b.id);
    assert.equal(puts(a.id), 1);
    assert.equal(puts(b.id), 1);
  });

  await t.test('delete and bulk delete → soft-deleted', async () => {
    const ms = [1, 2, 3].map((i) => fake.postMessage({ channelId: ch, authorId: ada!, content: `released https://example.com/d${i} v${i}` }));
    for (const m of ms) await reacted(m.id);
    fake.deleteMessage(ch, ms[0]!.id);
    fake.bulkDeleteMessages(ch, [ms[1]!.id, ms[2]!.id]);
    await waitFor('soft deletes', async () => {
      const r = await db.pool.query('SELECT count(*)::int AS n FROM launches WHERE deleted_at IS NOT NULL AND message_id = ANY($1::bigint[])', [ms.map((m) => m.id)]);
      return r.rows[0].n === 3;
    });
  });

  await t.test('duplicate delivery of the same MESSAGE_CREATE → still one row, one 🚀', async () => {
    const m = fake.postMessage({ channelId: ch, authorId: ada!, content: 'shipping https://example.com/dup today' });
    await reacted(m.id);
    fake.world.emit('MESSAGE_CREATE', fake.world.messageEvent(m), fake.world.contentMeta(m)); // redelivered with a new s
    await w.waitForLine('launch.ignored', { match: (l) => l.includes(`message_id=${m.id}`) && l.includes('reason=duplicate') });
    assert.equal((await db.pool.query('SELECT count(*)::int AS n FROM launches WHERE message_id = $1', [m.id])).rows[0].n, 1);
    assert.equal(puts(m.id), 1);
  });

  await t.test('worker_status reports the connected state', async () => {
    const s = await waitFor('status row', () => readWorkerStatus(db.pool));
    assert.equal(s.state, 'ready');
    assert.ok(s.lastEventAt);
  });

  await t.test('SIGTERM while an event is in hand: exits 0 within 5 s, closes resumably, and the stored seq is the last processed one; restart RESUMEs and replays once', async () => {
    // The event in hand at SIGTERM: a launch whose 🚀 PUT Discord answers 300 ms late. SIGTERM is
    // sent the moment that PUT arrives, so the worker finishes the event while stopping, and only
    // the save at shutdown can record its seq.
    const started = Date.now();
    let stopAt = 0;
    fake.rest.script({ method: 'PUT', path: tripwire(/\/reactions\//, () => { stopAt = Date.now(); w.child.kill('SIGTERM'); }), status: 204, passThrough: true, delayMs: 300 });
    const last = fake.postMessage({ channelId: ch, authorId: ada!, content: 'shipped https://example.com/last before the stop' });
    assert.equal(await w.exited, 0);
    assert.ok(stopAt > started, 'SIGTERM was sent while the PUT was pending');
    assert.ok(Date.now() - stopAt < 5000, `exit took ${Date.now() - stopAt} ms`);
    const closes = fake.gateway.connectionLog().map((c) => c.closeCode);
    assert.ok(!closes.includes(1000) && !closes.includes(1001), `close codes ${closes.join(',')}`);
    // The event was finished, not dropped: one row, reacted, cursor on it.
    assert.ok((await findByMessageId(db.pool, last.id))?.reactedAt, 'the launch in hand was finished');
    assert.equal(await getCursor(db.pool, ch), last.id);
    // Its seq is what the worker stored last, and nothing came after it.
    const conn = fake.gateway.connectionLog().at(-1)!;
    const frame = conn.sent.find((f) => f.t === 'MESSAGE_CREATE' && (f.d as { id?: string }).id === last.id);
    assert.ok(frame?.s, 'the MESSAGE_CREATE was delivered');
    const session = fake.gateway.sessions().find((x) => x.seq === frame.s);
    assert.ok(session, `the session's latest seq is ${frame.s}`);
    const saved = await loadSession(db.pool);
    assert.deepEqual(saved && { sessionId: saved.sessionId, seq: saved.seq }, { sessionId: session.sessionId, seq: frame.s });
    const identifies = fake.gateway.identifyCount;
    // Posted while no worker runs: the session buffers them; RESUME replays them.
    const down = [1, 2, 3].map((i) => fake.postMessage({ channelId: ch, authorId: grace!, content: `shipped https://example.com/down${i} while down` }));
    const chat = fake.postMessage({ channelId: ch, authorId: grace!, content: 'brb' });
    // Make the next RESUME replay events that were already processed, too (seq wound back).
    await db.pool.query('UPDATE gateway_sessions SET seq = GREATEST(seq - 6, 1)');
    const resumesBefore = fake.gateway.resumeCount;
    w = spawnWorker(env, 'w2');
    await w.waitForLine('gateway.resumed');
    for (const m of down) await reacted(m.id);
    await decided(chat.id);
    assert.equal(fake.gateway.resumeCount, resumesBefore + 1);
    assert.equal(fake.gateway.identifyCount, identifies, 'no new IDENTIFY');
    await w.kill('SIGTERM');
    for (const m of down) assert.equal(puts(m.id), 1, `one 🚀 on ${m.id}`);
    const dupRows = await db.pool.query('SELECT message_id, count(*) FROM launches GROUP BY message_id HAVING count(*) > 1');
    assert.equal(dupRows.rowCount, 0);
    const allPuts = fake.reactionPuts().map((p) => p.messageId);
    assert.equal(new Set(allPuts).size, allPuts.length, 'no message got two PUTs');
  });
});
