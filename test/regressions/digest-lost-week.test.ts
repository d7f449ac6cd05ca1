// Regression (issue 13, "a failed digest is lost"): a run that failed (Discord 5xx at 09:00) left
// its week in `posting`, and the next Monday's run posted only the next week; two missed Mondays
// (server down) posted only the latest week, without a log line; `shiptrack status` looked only at
// the newest row, so the lost week vanished from it. Every run must first finish unfinished
// windows and catch up missed ones within DIGEST_CATCHUP_WEEKS, oldest first, with "(posted
// late)" in the header, and status must list every unfinished or missed window.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { TestDatabase } from '../helpers/db.js';
import { binArgs } from '../helpers/bin.js';
import {
  ON_TIME, WINDOW, arrivalTripwire, digestEnv, eventsNamed, messagesPath, openDb, type DigestEnv,
} from '../integration/digest-harness.js';
import { isoWeekOf, windowForIsoWeek, type DigestWindow } from '../../src/digest/window.js';
import { nextDigestRun } from '../../src/status/report.js';

let db: TestDatabase;
before(async () => { db = await openDb(); });
after(async () => { await db?.close(); });

const W46 = windowForIsoWeek('2026-W46');
const W47 = windowForIsoWeek('2026-W47'); // [9 Nov 09:00, 16 Nov 09:00)
const W48 = windowForIsoWeek('2026-W48'); // [16 Nov 09:00, 23 Nov 09:00)

/** A finished (empty) digest row: the first window ShipTrack ever handled on this database. */
async function finishedRow(env: DigestEnv, w: DigestWindow): Promise<void> {
  await env.db.pool.query(`INSERT INTO digests (window_start, window_end, iso_week, status, finished_at) VALUES ($1, $2, $3, 'empty', now())`,
    [w.start, w.end, w.isoWeek]);
}

const botContents = (env: DigestEnv) => env.fake.botMessages(env.fake.channels.announcements).map((m) => m.content);
const catchUps = (r: Awaited<ReturnType<DigestEnv['run']>>) => eventsNamed(r, 'digest.catch_up').map((f) => [f.week, f.reason]);

test('a week whose run failed (5xx) is finished by the next Monday run, before the new week is posted', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(4, { window: W48 });
  await env.seed(4, { window: WINDOW, text: (i) => `This week I shipped thing ${i} https://w49-${i}.example.com` });
  const w48Parts = await env.expectedParts(W48);
  const w49Parts = await env.expectedParts(WINDOW);

  // Monday 23 Nov 09:00: Discord answers 500 to every attempt; the run gives up.
  env.fake.rest.script({ method: 'POST', path: arrivalTripwire(messagesPath(env), 1, () => {}, 4), status: 500, times: 4 });
  const failed = await env.run(['--now', '2026-11-23T09:00:30Z']);
  assert.equal(failed.code, 1, failed.stdout + failed.stderr);
  assert.equal((await env.digestRow(W48))!.status, 'posting');
  assert.deepEqual(botContents(env), []);

  // Monday 30 Nov: W48 first (its frozen text, as it would have been posted), then W49.
  const next = await env.run(['--now', ON_TIME]);
  assert.equal(next.code, 0, next.stdout + next.stderr);
  assert.deepEqual(catchUps(next), [['2026-W48', 'unfinished']]);
  assert.deepEqual(botContents(env), [...w48Parts, ...w49Parts]);
  assert.equal((await env.digestRow(W48))!.status, 'done');
  assert.equal((await env.digestRow(WINDOW))!.status, 'done');
});

test('two missed Mondays: both windows are posted late, oldest first, then the current one; a second run posts nothing', async (t) => {
  const env = await digestEnv(t, db);
  await finishedRow(env, W46); // the server ran the W46 digest, then was down for two Mondays
  await env.seed(4, { window: W47 });
  await env.seed(4, { window: W48, text: (i) => `Week 48 launch ${i} https://w48-${i}.example.com` });
  await env.seed(4, { window: WINDOW, text: (i) => `Week 49 launch ${i} https://w49-${i}.example.com` });

  const r = await env.run(['--now', '2026-11-30T09:00:30Z']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(catchUps(r), [['2026-W47', 'missed'], ['2026-W48', 'missed']]);
  const posted = botContents(env);
  assert.equal(posted.length, 3);
  assert.equal(posted[0]!.split('\n')[0], '🚀 **Launches of the week** — 9–16 Nov 2026 (posted late) · 4 launches by 4 founders');
  assert.equal(posted[1]!.split('\n')[0], '🚀 **Launches of the week** — 16–23 Nov 2026 (posted late) · 4 launches by 4 founders');
  assert.equal(posted[2]!.split('\n')[0], '🚀 **Launches of the week** — 23–30 Nov 2026 · 4 launches by 4 founders');
  assert.match(posted[0]!, /Launched product number 0 today/);
  assert.match(posted[1]!, /Week 48 launch 0/);
  assert.match(posted[2]!, /Week 49 launch 0/);
  for (const w of [W47, W48, WINDOW]) assert.equal((await env.digestRow(w))!.status, 'done', w.isoWeek);

  const again = await env.run(['--now', '2026-11-30T10:00:00Z']);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.deepEqual(catchUps(again), []);
  assert.equal(botContents(env).length, 3);
});

test('the look-back is bounded by DIGEST_CATCHUP_WEEKS (0 disables it), and a fresh install catches nothing up', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(4, { window: W47 });
  await env.seed(4, { window: W48 });
  await env.seed(4, { window: WINDOW });

  // Fresh install: no digest row at all, so no earlier window counts as missed.
  const fresh = await env.run(['--dry-run', '--now', ON_TIME]);
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.deepEqual(catchUps(fresh), []);

  await finishedRow(env, W46);
  const one = await env.run(['--now', ON_TIME], { DIGEST_CATCHUP_WEEKS: '1' });
  assert.equal(one.code, 0, one.stdout + one.stderr);
  assert.deepEqual(catchUps(one), [['2026-W48', 'missed']]);
  assert.equal(await env.digestRow(W47), undefined, 'W47 is outside a one-week look-back');
  assert.deepEqual(botContents(env).map((c) => c.split('\n')[0]!.replace(/ ·.*/, '')), [
    '🚀 **Launches of the week** — 16–23 Nov 2026 (posted late)', '🚀 **Launches of the week** — 23–30 Nov 2026',
  ]);

  const off = await env.run(['--now', '2026-12-07T09:00:30Z'], { DIGEST_CATCHUP_WEEKS: '0' });
  assert.equal(off.code, 0, off.stdout + off.stderr);
  assert.deepEqual(catchUps(off), []);
  assert.equal(await env.digestRow(W47), undefined);
});

function runStatus(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, binArgs('status'), { env: { PATH: process.env.PATH, ...env } });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', (code) => resolve({ code, out }));
  });
}

test('shiptrack status lists every unfinished and every missed window, not just the newest row', async (t) => {
  const env = await digestEnv(t, db);
  const WEEK = 7 * 86400_000;
  // Relative to the real clock: status has no --now. `end(k)` is the Monday 09:00 k runs ago.
  const lastRun = nextDigestRun(new Date()).getTime() - WEEK;
  const end = (k: number) => new Date(lastRun - k * WEEK);
  const row = (k: number, status: string) => env.db.pool.query(
    `INSERT INTO digests (window_start, window_end, iso_week, status, finished_at) VALUES ($1, $2, $3, $4, CASE WHEN $4 = 'posting' THEN NULL ELSE now() END)`,
    [new Date(end(k).getTime() - WEEK), end(k), isoWeekOf(end(k)), status]);
  await row(4, 'done');
  await row(3, 'posting'); // half-posted: 1 of 2 parts
  await env.db.pool.query(`INSERT INTO digest_parts (window_start, part_no, content, nonce, message_id) VALUES ($1, 1, 'a', 'n1', 1400000000000000001), ($1, 2, 'b', 'n2', NULL)`,
    [new Date(end(3).getTime() - WEEK)]);
  // end(2) and end(1): no row at all (missed); end(0), the latest, is done.
  await row(0, 'done');
  // Just installed (the test's migration): the missed weeks could not have run, but the half-posted one did.
  const fresh = await runStatus({ DATABASE_URL: env.db.url, PORT: '1' });
  assert.deepEqual(fresh.out.split('\n').filter((l) => l.startsWith('  - digest')),
    [`  - digest ${isoWeekOf(end(3))} is unfinished (1/2 parts posted); the next digest run finishes it`]);
  // Installed long before these weeks: every one of them is listed.
  await env.db.pool.query(`UPDATE schema_migrations SET applied_at = now() - interval '20 weeks'`);

  const r = await runStatus({ DATABASE_URL: env.db.url, PORT: '1' });
  assert.equal(r.code, 1, r.out);
  const problems = r.out.split('\n').filter((l) => l.startsWith('  - digest'));
  assert.deepEqual(problems, [
    `  - digest ${isoWeekOf(end(3))} is unfinished (1/2 parts posted); the next digest run finishes it`,
    `  - digest ${isoWeekOf(end(2))} was missed (no run for the window ending ${end(2).toISOString()}); the next digest run posts it late`,
    `  - digest ${isoWeekOf(end(1))} was missed (no run for the window ending ${end(1).toISOString()}); the next digest run posts it late`,
  ]);
});
