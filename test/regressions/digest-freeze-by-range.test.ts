// Regression (issue 14, digest wall time): freezing a digest rewrote every launch of its week
// (UPDATE launches SET digest_window_start … for 10,000 ids, ~1.5 s on a slow disk), only to record
// that the week's digest carried them. Now the freeze records the week's own launches by range
// (digests.carried_up_to_id and digest_skipped, sql/0012) under a lock that keeps launch writers
// out for the few milliseconds it takes, and marks only the launches it lists from earlier weeks.
// These tests pin what that must keep: no launch row rewritten; every launch in exactly one
// digest, also one stored or restored between the read and the freeze, or after the freeze.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { needsRealPostgres, type TestDatabase } from '../helpers/db.js';
import { ON_TIME, USERS, WINDOW, digestEnv, openDb, type DigestEnv } from '../integration/digest-harness.js';
import { insertLaunch, launchesForDigest, softDeleteByMessageIds } from '../../src/db/launches.js';
import { logMessageLaunch, unshipLaunch } from '../../src/db/corrections.js';
import * as store from '../../src/db/digests.js';
import { windowForIsoWeek } from '../../src/digest/window.js';

let db: TestDatabase;
before(async () => { db = await openDb(); });
after(async () => { await db?.close(); });

const W48 = windowForIsoWeek('2026-W48'); // [16 Nov 09:00, 23 Nov 09:00)
const W50 = windowForIsoWeek('2026-W50');
const contents = (env: DigestEnv) => env.fake.botMessages(env.fake.channels.announcements).map((m) => m.content);
const occurrences = (haystack: string, needle: string) => haystack.split(needle).length - 1;

let nextMessage = 0;
async function storeLaunch(env: DigestEnv, createdAt: Date, content: string, user = USERS[2]!): Promise<{ id: string; messageId: string }> {
  const messageId = String(1_320_000_000_000_000_000n + BigInt(nextMessage++));
  const r = await insertLaunch(env.db.pool, {
    source: 'channel', guildId: env.fake.guildId, channelId: env.fake.channels.shipped,
    userId: user, userName: 'maker', content, urls: [], messageId, createdAt,
  });
  return { id: r.id, messageId };
}

/** xmin of every launch: a row rewritten by an UPDATE gets a new one. */
async function rowVersions(env: DigestEnv): Promise<Map<string, string>> {
  const { rows } = await env.db.pool.query<{ id: string; v: string }>('SELECT id::text, xmin::text AS v FROM launches');
  return new Map(rows.map((r) => [r.id, r.v]));
}

test('freezing a week rewrites none of its launches; only the one listed from an earlier week is marked', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(2, { window: W48 });
  assert.equal((await env.run(['--now', '2026-11-23T09:00:30Z'])).code, 0);
  const late = await storeLaunch(env, new Date('2026-11-22T20:00:00Z'), 'Backfilled launch shipped https://late.example.com');
  await env.seed(30, { window: WINDOW });
  const before = await rowVersions(env);

  const r = await env.run(['--now', ON_TIME]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const after = await rowVersions(env);
  const rewritten = [...after].filter(([id, v]) => before.get(id) !== v).map(([id]) => id);
  assert.deepEqual(rewritten, [late.id], 'only the late launch was written');
  const { rows } = await env.db.pool.query<{ n: number; max: string; carried: string }>(
    `SELECT count(*) FILTER (WHERE digest_window_start = $1)::int AS n, max(id)::text AS max,
            (SELECT carried_up_to_id::text FROM digests WHERE window_start = $1) AS carried FROM launches`, [WINDOW.start]);
  assert.equal(rows[0]!.n, 1);
  assert.equal(rows[0]!.carried, rows[0]!.max, 'the week carried every launch up to the highest id');
  assert.match(contents(env)[1]!, /30 launches by \d founders, plus 1 logged late/);
  // Nothing is left over for the next digest.
  const next = await launchesForDigest(env.db.pool, W50.start, W50.end);
  assert.deepEqual([next.week.length, next.late.length], [0, 0]);
});

test('a launch removed when its week froze and restored afterwards is listed once, late, in the next digest', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(1, { window: W48 });
  const removed = await storeLaunch(env, new Date('2026-11-20T12:00:00Z'), 'Restored launch shipped https://restored.example.com');
  const gone = await storeLaunch(env, new Date('2026-11-20T13:00:00Z'), 'Deleted message launch https://gone.example.com');
  assert.ok(await unshipLaunch(env.db.pool, USERS[2]!, removed.id, new Date()));
  assert.equal(await softDeleteByMessageIds(env.db.pool, [gone.messageId], new Date()), 1);
  assert.equal((await env.run(['--now', '2026-11-23T09:00:30Z'])).code, 0);
  assert.doesNotMatch(contents(env)[0]!, /restored\.example|gone\.example/);

  // "Log as launch" on the message after W48 was posted brings it back.
  const restored = await logMessageLaunch(env.db.pool, {
    guildId: env.fake.guildId, channelId: env.fake.channels.shipped, messageId: removed.messageId, userId: USERS[2]!, userName: 'maker',
    content: 'Restored launch shipped https://restored.example.com', urls: [], createdAt: new Date('2026-11-20T12:00:00Z'),
  }, USERS[2]!);
  assert.equal(restored.restored, true);
  await env.seed(1, { window: WINDOW });
  assert.equal((await env.run(['--now', ON_TIME])).code, 0);
  const w49 = contents(env)[1]!;
  assert.match(w49, /1 launch by 1 founder, plus 1 logged late/);
  assert.equal(occurrences(w49, 'restored.example.com'), 1, w49);
  assert.doesNotMatch(w49, /gone\.example/);
  const next = await launchesForDigest(env.db.pool, W50.start, W50.end);
  assert.deepEqual(next.late, [], 'carried once');
});

test('a launch of the week stored after the launches were read: the freeze writes nothing and says build again', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(2, { window: WINDOW });
  const read = await launchesForDigest(env.db.pool, WINDOW.start, WINDOW.end);
  const ids = read.week.map((l) => l.id);
  await storeLaunch(env, new Date('2026-11-29T12:00:00Z'), 'Stored while the digest was being built https://mid.example.com');
  assert.equal((await store.claimWindow(env.db.pool, WINDOW, 'run-a', 60_000)).kind, 'claimed');
  const part = [{ content: 'x', nonce: 'n1' }];
  assert.equal(await store.freezeParts(env.db.pool, WINDOW.start, 'run-a', 2, part, ids), 'launches_taken');
  assert.deepEqual(await env.partRows(WINDOW), []);
  const { rows } = await env.db.pool.query('SELECT launch_count, carried_up_to_id FROM digests WHERE window_start = $1', [WINDOW.start]);
  assert.deepEqual(rows[0], { launch_count: 0, carried_up_to_id: null });
  const again = await launchesForDigest(env.db.pool, WINDOW.start, WINDOW.end);
  assert.equal(await store.freezeParts(env.db.pool, WINDOW.start, 'run-a', 3, part, again.week.map((l) => l.id)), true);
});

test('a launch written while the freeze holds its lock waits, then belongs to the next digest (late), never to none',
  { skip: needsRealPostgres, timeout: 30_000 }, async (t) => {
    const env = await digestEnv(t, db);
    await env.seed(2, { window: WINDOW });
    const read = await launchesForDigest(env.db.pool, WINDOW.start, WINDOW.end);
    assert.equal((await store.claimWindow(env.db.pool, WINDOW, 'run-a', 60_000)).kind, 'claimed');

    // Another session holds the lock the freeze takes, as a concurrent freeze would.
    const other = new pg.Client({ connectionString: env.db.url });
    other.on('error', () => {});
    await other.connect();
    t.after(() => other.end().catch(() => {}));
    await other.query('BEGIN');
    await other.query('LOCK TABLE launches IN SHARE ROW EXCLUSIVE MODE');
    const freezing = store.freezeParts(env.db.pool, WINDOW.start, 'run-a', 2, [{ content: 'x', nonce: 'n1' }], read.week.map((l) => l.id));
    await new Promise((r) => setTimeout(r, 150)); // the freeze is queued for the lock first
    // A launch stored now queues behind the freeze: it is stored once the freeze committed.
    const storing = storeLaunch(env, new Date('2026-11-29T12:00:00Z'), 'Stored during the freeze https://during.example.com');
    await new Promise((r) => setTimeout(r, 200));
    await other.query('COMMIT');
    assert.equal(await freezing, true);
    const stored = await storing;
    const { rows } = await env.db.pool.query<{ carried: string }>('SELECT carried_up_to_id::text AS carried FROM digests WHERE window_start = $1', [WINDOW.start]);
    assert.ok(BigInt(stored.id) > BigInt(rows[0]!.carried), 'stored after the freeze, so not carried by it');
    const next = await launchesForDigest(env.db.pool, W50.start, W50.end);
    assert.deepEqual(next.late.map((l) => l.id), [stored.id]);
  });
