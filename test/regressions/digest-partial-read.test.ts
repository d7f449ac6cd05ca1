// Regression (issue 14, digest peak RSS): the digest read every launch of the week (10,000 rows,
// every column, then a copy of each) although DIGEST_MAX_PARTS messages show a few hundred lines.
// It now reads the week in the digest's own order through a cursor and stops once the parts are
// full (src/db/launches.ts readDigestLaunches, src/digest/build.ts WeekReader), counting the rest
// in SQL. These tests pin that the parts are exactly the ones a full read builds, that far fewer
// rows are read, and that the freeze still refuses a week that changed after the read.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestDatabase } from '../helpers/db.js';
import { WINDOW, digestEnv, openDb, type DigestEnv } from '../integration/digest-harness.js';
import { insertLaunch, launchesForDigest, readDigestLaunches, type DigestSourceRow } from '../../src/db/launches.js';
import * as store from '../../src/db/digests.js';
import { WeekReader, buildDigest } from '../../src/digest/build.js';
import { toDigestLaunch } from '../../src/digest/run.js';

let db: TestDatabase;
before(async () => { db = await openDb(); });
after(async () => { await db?.close(); });

/**
 * `n` launches by 37 makers with uneven counts, many sharing a timestamp (ties broken by id as
 * text: ids 99 and 100 sort "100" < "99"), text of uneven length, some without a link.
 */
async function seedWeek(env: DigestEnv, n: number): Promise<void> {
  await env.db.pool.query(
    `INSERT INTO launches (source, guild_id, channel_id, user_id, user_name, content, urls, message_id, created_at)
     SELECT 'channel', $1, $2, 100000000000000000 + (i * i % 37), 'maker' || (i * i % 37),
            CASE WHEN i % 5 = 0 THEN 'Plain launch ' || i ELSE repeat('word ', i % 40) || 'v' || i || ' https://p' || i || '.example.com' END,
            CASE WHEN i % 7 = 0 THEN ARRAY['https://u' || i || '.example.com'] ELSE '{}' END, 1330000000000000000 + i,
            $3::timestamptz + ((i / 3) * interval '3 minutes')
     FROM generate_series(1, $4) AS i`,
    [env.fake.guildId, env.fake.channels.shipped, WINDOW.start, n]);
}

async function partialBuild(env: DigestEnv, maxParts: number | undefined) {
  const reader = new WeekReader({ maxParts });
  let pages = 0;
  const rows = await readDigestLaunches(env.db.pool, WINDOW.start, WINDOW.end, (page: readonly DigestSourceRow[]) => { pages++; return reader.more(page.map(toDigestLaunch)); });
  const digest = buildDigest(rows.week.map(toDigestLaunch), WINDOW, {
    maxParts, lateLaunches: rows.late.map(toDigestLaunch), weekTotal: rows.weekTotal, founderTotal: rows.founders,
  });
  return { digest, read: rows.week.length, pages, rows };
}

test('a capped digest built from the rows it can show is exactly the one built from every row, and reads far fewer', async (t) => {
  const env = await digestEnv(t, db);
  await seedWeek(env, 3000);
  const full = await launchesForDigest(env.db.pool, WINDOW.start, WINDOW.end);
  for (const maxParts of [1, 3, 10, 100, undefined]) {
    const expected = buildDigest(full.week.map(toDigestLaunch), WINDOW, { maxParts, lateLaunches: full.late.map(toDigestLaunch) });
    const got = await partialBuild(env, maxParts);
    assert.deepEqual(got.digest, expected, `maxParts ${maxParts}`);
    assert.equal(got.rows.weekTotal, 3000);
    if (maxParts !== undefined && maxParts <= 10) assert.ok(got.read <= 512, `maxParts ${maxParts}: read ${got.read} rows`);
    if (maxParts === undefined) assert.equal(got.read, 3000);
  }
  assert.match((await partialBuild(env, 10)).digest.parts.at(-1)!, /…and \d+ more launches this week/);
});

test('a week with fewer launches than the parts hold is read whole; an empty week reads nothing', async (t) => {
  const env = await digestEnv(t, db);
  await seedWeek(env, 40);
  const full = await launchesForDigest(env.db.pool, WINDOW.start, WINDOW.end);
  const got = await partialBuild(env, 10);
  assert.equal(got.read, 40);
  assert.deepEqual(got.digest, buildDigest(full.week.map(toDigestLaunch), WINDOW, { maxParts: 10 }));
  const empty = await readDigestLaunches(env.db.pool, new Date('2026-10-05T09:00:00Z'), new Date('2026-10-12T09:00:00Z'), () => true);
  assert.deepEqual({ ...empty, fingerprint: '' }, { week: [], late: [], weekTotal: 0, founders: 0, fingerprint: '' });
});

test('the freeze refuses parts built from a partial read once a launch of the week was stored or removed since', async (t) => {
  const env = await digestEnv(t, db);
  await seedWeek(env, 600);
  const first = await partialBuild(env, 1);
  assert.ok(first.read < 600);
  assert.equal((await store.claimWindow(env.db.pool, WINDOW, 'run-a', 60_000)).kind, 'claimed');
  const part = [{ content: 'x', nonce: 'n1' }];
  const carried = (r: typeof first) => ({ weekFingerprint: r.rows.fingerprint, lateIds: r.rows.late.map((l) => l.id) });

  await insertLaunch(env.db.pool, {
    source: 'channel', guildId: env.fake.guildId, channelId: env.fake.channels.shipped, userId: '100000000000000099', userName: 'new',
    content: 'Stored after the read https://after.example.com', urls: [], messageId: '1339999999999999999', createdAt: new Date('2026-11-29T12:00:00Z'),
  });
  assert.equal(await store.freezeParts(env.db.pool, WINDOW.start, 'run-a', 601, part, carried(first)), 'launches_taken');
  const second = await partialBuild(env, 1);
  await env.db.pool.query(`UPDATE launches SET deleted_at = now() WHERE message_id = 1330000000000000001`);
  assert.equal(await store.freezeParts(env.db.pool, WINDOW.start, 'run-a', 601, part, carried(second)), 'launches_taken');
  assert.deepEqual(await env.partRows(WINDOW), []);

  const third = await partialBuild(env, 1);
  assert.equal(await store.freezeParts(env.db.pool, WINDOW.start, 'run-a', 600, part, carried(third)), true);
  const { rows } = await env.db.pool.query<{ max: string; carried: string; skipped: number }>(
    `SELECT (SELECT max(id)::text FROM launches) AS max, carried_up_to_id::text AS carried,
            (SELECT count(*)::int FROM digest_skipped s WHERE s.window_start = $1) AS skipped
     FROM digests WHERE window_start = $1`, [WINDOW.start]);
  assert.deepEqual(rows[0], { max: rows[0]!.max, carried: rows[0]!.max, skipped: 1 });
});
