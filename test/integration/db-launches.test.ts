import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import * as launches from '../../src/db/launches.js';
import * as state from '../../src/db/gateway-state.js';

let db: TestDatabase;
before(async () => { db = await createTestDatabase(); });
after(async () => { await db?.close(); });

const base = {
  source: 'channel' as const, guildId: '900000000000000001', channelId: '900000000000000002',
  userId: '100000000000000001', userName: 'ada', content: 'shipped https://a.example', urls: ['https://a.example'],
};

test('the same message id twice stores one row; created is false the second time', async () => {
  const first = await launches.insertLaunch(db.pool, { ...base, messageId: '1100000000000000001', createdAt: new Date('2026-11-20T10:00:00Z') });
  const second = await launches.insertLaunch(db.pool, { ...base, content: 'different', messageId: '1100000000000000001', createdAt: new Date('2026-11-20T10:00:00Z') });
  assert.equal(first.created, true);
  assert.equal(second.created, false);
  assert.equal(second.id, first.id);
  const { rows } = await db.pool.query("SELECT count(*)::int AS n, min(content) AS c FROM launches WHERE message_id = 1100000000000000001");
  assert.deepEqual(rows[0], { n: 1, c: 'shipped https://a.example' });
});

test('the same interaction id twice stores one row', async () => {
  const l = { ...base, source: 'slash' as const, channelId: null, interactionId: '1200000000000000001', createdAt: new Date('2026-11-21T10:00:00Z') };
  assert.equal((await launches.insertLaunch(db.pool, l)).created, true);
  assert.equal((await launches.insertLaunch(db.pool, l)).created, false);
  const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM launches WHERE interaction_id = 1200000000000000001');
  assert.equal(rows[0].n, 1);
});

test('an interaction launch keeps its time to the millisecond (sent as epoch milliseconds)', async () => {
  // Around Discord's epoch, now, and the last millisecond a snowflake can hold (42 bits past 2015).
  const times = ['2015-01-01T00:00:00.001Z', '2026-12-01T09:00:00.999Z', '2026-12-01T09:00:00.123Z', '2084-01-01T00:00:00.007Z', new Date(1420070400000 + 2 ** 42 - 1).toISOString()];
  for (const [k, iso] of times.entries()) {
    const r = await launches.insertInteractionLaunch(db.pool, { ...base, source: 'slash', channelId: null, interactionId: String(1250000000000000001n + BigInt(k)), createdAt: new Date(iso) });
    assert.equal(r.created, true);
  }
  const { rows } = await db.pool.query<{ t: string }>(
    `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS t FROM launches WHERE interaction_id BETWEEN 1250000000000000001 AND 1250000000000000009 ORDER BY interaction_id`);
  assert.deepEqual(rows.map((r) => r.t), times.map((iso) => iso.replace(/\.(\d{3})Z$/, '.$1000')));
});

test('a row can not claim both origins or neither', async () => {
  await assert.rejects(launches.insertLaunch(db.pool, { ...base, createdAt: new Date() }), /launches_one_origin/);
});

test('soft delete hides a launch from every read but keeps the row', async () => {
  const userId = '100000000000000077';
  const at = new Date('2026-11-22T10:00:00Z');
  await launches.insertLaunch(db.pool, { ...base, userId, messageId: '1300000000000000001', createdAt: at });
  await launches.insertLaunch(db.pool, { ...base, userId, messageId: '1300000000000000002', createdAt: new Date(at.getTime() + 1000) });
  assert.equal(await launches.softDeleteByMessageIds(db.pool, ['1300000000000000001'], new Date()), 1);
  assert.equal(await launches.softDeleteByMessageIds(db.pool, ['1300000000000000001'], new Date()), 0, 'already deleted');
  const p = await launches.profile(db.pool, userId);
  assert.equal(p.count, 1);
  assert.deepEqual(p.recent.map((r) => r.messageId), ['1300000000000000002']);
  const window = await launches.launchesBetween(db.pool, new Date('2026-11-22T00:00:00Z'), new Date('2026-11-23T00:00:00Z'));
  assert.deepEqual(window.filter((r) => r.userId === userId).map((r) => r.messageId), ['1300000000000000002']);
  const board = await launches.leaderboard(db.pool, new Date('2026-11-22T00:00:00Z'), new Date('2026-11-23T00:00:00Z'));
  assert.deepEqual(board.map((r) => [r.userId, r.count]), [[userId, 1]]);
  assert.equal(await launches.updateLaunchText(db.pool, '1300000000000000001', 'edit', [], new Date()), false, 'deleted launches are not edited');
  const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM launches WHERE user_id = $1', [userId]);
  assert.equal(rows[0].n, 2, 'the row is kept');
});

test('leaderboard ties are broken deterministically: count, then who got there first, then id', async () => {
  const q = (d: string) => new Date(`2027-01-${d}T10:00:00Z`);
  let n = 0;
  const add = (userId: string, day: string) => launches.insertLaunch(db.pool, { ...base, userId, userName: 'u' + userId.slice(-1), messageId: String(1400000000000000000n + BigInt(++n)), createdAt: q(day) });
  await add('100000000000000003', '02'); await add('100000000000000003', '05');
  await add('100000000000000002', '03'); await add('100000000000000002', '04');
  await add('100000000000000001', '06');
  await add('100000000000000009', '06');
  const board = await launches.leaderboard(db.pool, new Date('2027-01-01T00:00:00Z'), new Date('2027-04-01T00:00:00Z'));
  assert.deepEqual(board.map((r) => [r.userId, r.count]), [
    ['100000000000000002', 2], ['100000000000000003', 2], ['100000000000000001', 1], ['100000000000000009', 1],
  ]);
});

test('cursor only moves forward; session round-trips and clears', async () => {
  await state.advanceCursor(db.pool, '900000000000000002', '1500000000000000005');
  await state.advanceCursor(db.pool, '900000000000000002', '1500000000000000003');
  assert.equal(await state.getCursor(db.pool, '900000000000000002'), '1500000000000000005');
  assert.equal(await state.loadSession(db.pool), undefined);
  await state.saveSession(db.pool, { sessionId: 'abc', seq: 42, resumeUrl: 'wss://r.example' });
  assert.deepEqual(await state.loadSession(db.pool), { sessionId: 'abc', seq: 42, resumeUrl: 'wss://r.example' });
  await state.saveSession(db.pool, undefined);
  assert.equal(await state.loadSession(db.pool), undefined);
});

test('reactions owed are listed until marked', async () => {
  const r = await launches.insertLaunch(db.pool, { ...base, messageId: '1600000000000000001', createdAt: new Date() });
  assert.ok((await launches.listUnreacted(db.pool)).some((l) => l.id === r.id));
  await launches.markReacted(db.pool, r.id, new Date());
  assert.ok(!(await launches.listUnreacted(db.pool)).some((l) => l.id === r.id));
});
