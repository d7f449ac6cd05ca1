// Regression (issue 13, "every launch appears in exactly one digest"): a launch stored after its
// week's digest was frozen (the worker back-filling after downtime across Monday 09:00, or an
// edit that makes an old post launch-shaped) reached no digest at all: each digest read only its
// own window. Now every digest records which launches it carried (launches.digest_window_start,
// sql/0006) and lists the launches of earlier, already frozen weeks that no digest carried under
// "Logged late, from earlier weeks:" — exactly once, in the first digest frozen after they were
// stored; upgrading marks the history of weeks already posted as carried, so nothing is re-posted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestDatabase } from '../helpers/db.js';
import { createTestDatabase } from '../helpers/db.js';
import { ON_TIME, USERS, WINDOW, digestEnv, eventsNamed, openDb, type DigestEnv } from '../integration/digest-harness.js';
import { insertLaunch, launchesForDigest } from '../../src/db/launches.js';
import * as store from '../../src/db/digests.js';
import { migrate, loadMigrations, DEFAULT_SQL_DIR } from '../../src/db/migrate.js';
import { windowForIsoWeek, type DigestWindow } from '../../src/digest/window.js';

let db: TestDatabase;
before(async () => { db = await openDb(); });
after(async () => { await db?.close(); });

const W47 = windowForIsoWeek('2026-W47'); // [9 Nov 09:00, 16 Nov 09:00)
const W48 = windowForIsoWeek('2026-W48'); // [16 Nov 09:00, 23 Nov 09:00)
const LATE_HEADING = 'Logged late, from earlier weeks:';

const contents = (env: DigestEnv) => env.fake.botMessages(env.fake.channels.announcements).map((m) => m.content);
const occurrences = (haystack: string, needle: string) => haystack.split(needle).length - 1;

let nextMessage = 0;
/** A channel launch stored now (as the worker's backfill would) with Discord's timestamp `createdAt`. */
async function storeLaunch(env: DigestEnv, createdAt: Date, content: string, user = USERS[3]!): Promise<void> {
  await insertLaunch(env.db.pool, {
    source: 'channel', guildId: env.fake.guildId, channelId: env.fake.channels.shipped,
    userId: user, userName: 'latecomer', content, urls: [],
    messageId: String(1_310_000_000_000_000_000n + BigInt(nextMessage++)), createdAt,
  });
}

test('a launch back-filled into a week whose digest was already posted is listed once, in the next digest, under "Logged late"', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(3, { window: W48, text: (i) => `Week 48 launch ${i} shipped https://w48-${i}.example.com` });
  const first = await env.run(['--now', '2026-11-23T09:00:30Z']);
  assert.equal(first.code, 0, first.stdout + first.stderr);
  assert.equal(contents(env).length, 1);

  // The worker was down across Monday 09:00 and back-fills a message posted Sunday evening.
  await storeLaunch(env, new Date('2026-11-22T20:15:00Z'), 'Backfilled Sunday launch, shipped https://late.example.com');
  await env.seed(2, { window: WINDOW, text: (i) => `Week 49 launch ${i} shipped https://w49-${i}.example.com` });

  const second = await env.run(['--now', ON_TIME]);
  assert.equal(second.code, 0, second.stdout + second.stderr);
  const posted = contents(env);
  assert.equal(posted.length, 2, posted.join('\n-----\n'));
  assert.doesNotMatch(posted[0]!, /Backfilled Sunday launch/, 'the W48 digest was frozen before the launch was stored');
  const w49 = posted[1]!;
  assert.equal(w49.split('\n')[0], '🚀 **Launches of the week** — 23–30 Nov 2026 · 2 launches by 2 founders, plus 1 logged late');
  assert.equal(occurrences(w49, 'Backfilled Sunday launch'), 1, w49);
  assert.equal(occurrences(w49, LATE_HEADING), 1, w49);
  const lines = w49.split('\n');
  const heading = lines.indexOf(LATE_HEADING);
  assert.ok(heading > 0 && lines.slice(0, heading).every((l) => !l.includes('Backfilled')), 'the late launch comes after this week\'s launches');
  assert.equal(lines[heading + 1], `• <@${USERS[3]}> — Backfilled Sunday launch, shipped <https://late.example.com> (22 Nov)`);
  const body = env.bodies()[1]!;
  assert.deepEqual(body.allowed_mentions, { parse: [] });
  assert.equal(eventsNamed(second, 'digest.done')[0]!.count, '3');

  // Running again posts nothing; the next week (no launches) does not repeat the late launch.
  const again = await env.run(['--now', '2026-11-30T10:00:00Z']);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  const next = await env.run(['--now', '2026-12-07T09:00:30Z']);
  assert.equal(next.code, 0, next.stdout + next.stderr);
  assert.equal(contents(env).length, 2, contents(env).join('\n-----\n'));
  assert.equal((await env.digestRow(windowForIsoWeek('2026-W50')))!.status, 'empty');
  const carried = await env.db.pool.query<{ w: Date }>(`SELECT digest_window_start AS w FROM launches WHERE content LIKE 'Backfilled%'`);
  assert.deepEqual(carried.rows.map((r) => r.w.toISOString()), [WINDOW.start.toISOString()]);
});

test('a week with only late launches posts them (even with DIGEST_QUIET_WEEK), and a deleted late launch is left out', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(1, { window: W48 });
  assert.equal((await env.run(['--now', '2026-11-23T09:00:30Z'])).code, 0);
  await storeLaunch(env, new Date('2026-11-23T08:59:59Z'), 'Edited into a launch: released https://edit.example.com');
  await storeLaunch(env, new Date('2026-11-20T10:00:00Z'), 'Deleted again: shipped https://gone.example.com');
  await env.db.pool.query(`UPDATE launches SET deleted_at = now() WHERE content LIKE 'Deleted again%'`);

  const r = await env.run(['--now', ON_TIME], { DIGEST_QUIET_WEEK: 'true' });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const posted = contents(env);
  assert.equal(posted.length, 2);
  assert.deepEqual(posted[1]!.split('\n'), [
    '🚀 **Launches of the week** — 23–30 Nov 2026 · no launches this week, 1 logged late',
    LATE_HEADING,
    `• <@${USERS[3]}> — Edited into a launch: released <https://edit.example.com> (23 Nov)`,
  ]);
});

test('catch-up: a late launch goes to the first digest frozen after it was stored (the missed week posted late), not to a later one', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(2, { window: W47 });
  assert.equal((await env.run(['--now', '2026-11-16T09:00:30Z'])).code, 0);
  await storeLaunch(env, new Date('2026-11-15T12:00:00Z'), 'Late for W47, shipped https://w47-late.example.com');
  await env.seed(2, { window: W48, text: (i) => `Week 48 launch ${i} https://w48-${i}.example.com` });
  await env.seed(2, { window: WINDOW, text: (i) => `Week 49 launch ${i} https://w49-${i}.example.com` });

  // The server was down on Monday 23 Nov: W48 is caught up first and carries the late launch.
  const r = await env.run(['--now', ON_TIME]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(eventsNamed(r, 'digest.catch_up').map((f) => f.week), ['2026-W48']);
  const posted = contents(env);
  assert.equal(posted.length, 3);
  assert.match(posted[1]!, /^🚀 \*\*Launches of the week\*\* — 16–23 Nov 2026 \(posted late\) · 2 launches by 2 founders, plus 1 logged late\n/);
  assert.equal(occurrences(posted.join('\n'), 'Late for W47'), 1);
  assert.match(posted[1]!, /Late for W47/);
  assert.doesNotMatch(posted[2]!, /Logged late/);
});

test('dry-run previews the late section without carrying anything', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(1, { window: W48 });
  assert.equal((await env.run(['--now', '2026-11-23T09:00:30Z'])).code, 0);
  await storeLaunch(env, new Date('2026-11-22T09:00:00Z'), 'Previewed late launch shipped https://preview.example.com');
  const preview = await env.run(['--dry-run', '--now', ON_TIME]);
  assert.equal(preview.code, 0, preview.stderr);
  assert.match(preview.stdout, /no launches this week, 1 logged late\nLogged late, from earlier weeks:\n• <@\d+> — Previewed late launch/);
  // Only a digest listing a launch from an earlier week marks it (the week's own are recorded by
  // range, sql/0012); the preview marked nothing and claimed nothing.
  const { rows } = await env.db.pool.query(`SELECT count(*)::int AS n FROM launches WHERE digest_window_start IS NOT NULL`);
  assert.equal(rows[0].n, 0);
  assert.equal(await env.digestRow(WINDOW), undefined);
  assert.equal(contents(env).length, 1);
});

test('upgrading marks the launches of weeks already frozen as carried, so history is not posted again', async (t) => {
  const fresh = await createTestDatabase({ migrated: false });
  t.after(() => fresh.close());
  const before6 = mkdtempSync(join(tmpdir(), 'st-mig-'));
  t.after(() => rmSync(before6, { recursive: true, force: true }));
  for (const m of loadMigrations().filter((m) => m.id <= 5)) copyFileSync(join(DEFAULT_SQL_DIR, m.file), join(before6, m.file));
  await migrate(fresh.pool, { dir: before6 });

  const q = (sql: string, params: unknown[] = []) => fresh.pool.query(sql, params);
  const win = (w: DigestWindow, status: string) => q(
    `INSERT INTO digests (window_start, window_end, iso_week, status, finished_at) VALUES ($1, $2, $3, $4, CASE WHEN $4 = 'posting' THEN NULL ELSE now() END)`,
    [w.start, w.end, w.isoWeek, status]);
  await win(W47, 'done');
  await q(`INSERT INTO digest_parts (window_start, part_no, content, nonce, message_id) VALUES ($1, 1, 'x', 'n', 1)`, [W47.start]);
  await win(W48, 'posting'); // claimed, never built: its launches are still its own to post
  let id = 0;
  const launch = (at: string) => q(
    `INSERT INTO launches (source, user_id, user_name, content, interaction_id, created_at) VALUES ('slash', 1, 'a', 'x', $1, $2)`, [++id, at]);
  await launch('2026-11-10T00:00:00Z'); // W47, posted
  await launch('2026-11-20T00:00:00Z'); // W48, not built yet
  await launch('2026-11-01T00:00:00Z'); // before any digest

  await migrate(fresh.pool, { dir: DEFAULT_SQL_DIR });
  const { rows } = await q(`SELECT created_at AS at, digest_window_start AS w FROM launches ORDER BY created_at`);
  assert.deepEqual(rows.map((r) => [r.at.toISOString(), r.w?.toISOString() ?? null]), [
    ['2026-11-01T00:00:00.000Z', null],
    ['2026-11-10T00:00:00.000Z', W47.start.toISOString()],
    ['2026-11-20T00:00:00.000Z', null],
  ]);
});

test('freezeParts carries a launch for one digest only: a second window listing it writes nothing and is told to build again', async (t) => {
  const env = await digestEnv(t, db);
  await storeLaunch(env, new Date('2026-11-20T00:00:00Z'), 'Contested late launch shipped https://c.example.com');
  const { rows } = await env.db.pool.query<{ id: string }>('SELECT id::text FROM launches');
  const id = rows[0]!.id;
  const part = [{ content: 'x', nonce: 'n' }];
  for (const w of [W48, WINDOW]) assert.equal((await store.claimWindow(env.db.pool, w, `run-${w.isoWeek}`, 60_000)).kind, 'claimed');
  assert.equal(await store.freezeParts(env.db.pool, W48.start, 'run-2026-W48', 1, part, [id, id]), true);
  assert.equal(await store.freezeParts(env.db.pool, WINDOW.start, 'run-2026-W49', 1, part, [id]), 'launches_taken');
  assert.deepEqual(await env.partRows(WINDOW), [], 'nothing frozen for the losing window');
  assert.equal((await env.digestRow(WINDOW))!.launch_count, 0);
  assert.equal(await store.freezeParts(env.db.pool, WINDOW.start, 'run-2026-W49', 0, [], []), true, 'rebuilt without it');
  // W48 carried it as one of its own (by range, digests.carried_up_to_id, sql/0012): no later
  // digest lists it.
  const later = await launchesForDigest(env.db.pool, windowForIsoWeek('2026-W50').start, windowForIsoWeek('2026-W50').end);
  assert.deepEqual(later.late, []);
});
