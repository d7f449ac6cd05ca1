// The scheduled run's catch-up (src/digest/run.ts runScheduled, src/digest/catch-up.ts) beyond the
// issue-13 regression: a failing earlier week stops the run before the latest (weeks stay in
// order), a missed quiet week says "posted late" too, --dry-run previews the catch-up without
// writing, and status's advice for an unfinished week outside the look-back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestDatabase } from '../helpers/db.js';
import { ON_TIME, WINDOW, arrivalTripwire, digestEnv, eventsNamed, messagesPath, openDb, type DigestEnv } from './digest-harness.js';
import { windowForIsoWeek, type DigestWindow } from '../../src/digest/window.js';
import { windowsToCatchUp } from '../../src/digest/catch-up.js';
import { assess, outstandingDigests, type DigestSummary, type StatusReport } from '../../src/status/report.js';

let db: TestDatabase;
before(async () => { db = await openDb(); });
after(async () => { await db?.close(); });

const W46 = windowForIsoWeek('2026-W46');
const W47 = windowForIsoWeek('2026-W47');
const W48 = windowForIsoWeek('2026-W48');

async function emptyRow(env: DigestEnv, w: DigestWindow): Promise<void> {
  await env.db.pool.query(`INSERT INTO digests (window_start, window_end, iso_week, status, finished_at) VALUES ($1, $2, $3, 'empty', now())`,
    [w.start, w.end, w.isoWeek]);
}
const contents = (env: DigestEnv) => env.fake.botMessages(env.fake.channels.announcements).map((m) => m.content);

test('an earlier week that fails stops the run before the latest week (exit 1); the retry posts both, in order', async (t) => {
  const env = await digestEnv(t, db);
  await emptyRow(env, W47);
  await env.seed(4, { window: W48 });
  await env.seed(4, { window: WINDOW, text: (i) => `Week 49 launch ${i} https://w49-${i}.example.com` });
  env.fake.rest.script({ method: 'POST', path: arrivalTripwire(messagesPath(env), 1, () => {}, 4), status: 500, times: 4 });
  const failed = await env.run(['--now', ON_TIME]);
  assert.equal(failed.code, 1, failed.stdout + failed.stderr);
  assert.deepEqual(eventsNamed(failed, 'digest.catch_up').map((f) => [f.week, f.reason]), [['2026-W48', 'missed']]);
  assert.equal((await env.digestRow(W48))!.status, 'posting');
  assert.equal(await env.digestRow(WINDOW), undefined, 'the latest week was not started');

  const retry = await env.run(['--now', '2026-11-30T09:15:30Z']); // Restart=on-failure, 15 min later
  assert.equal(retry.code, 0, retry.stdout + retry.stderr);
  assert.deepEqual(eventsNamed(retry, 'digest.catch_up').map((f) => [f.week, f.reason]), [['2026-W48', 'unfinished']]);
  const posted = contents(env);
  assert.equal(posted.length, 2);
  assert.match(posted[0]!, /^🚀 \*\*Launches of the week\*\* — 16–23 Nov 2026 \(posted late\) · 4 launches/);
  assert.match(posted[1]!, /^🚀 \*\*Launches of the week\*\* — 23–30 Nov 2026 · 4 launches/);
});

test('a missed quiet week is posted late too; --dry-run previews the catch-up and writes nothing', async (t) => {
  const env = await digestEnv(t, db);
  await emptyRow(env, W47);
  const quiet = { DIGEST_QUIET_WEEK: 'true' };
  const preview = await env.run(['--dry-run', '--now', ON_TIME], quiet);
  assert.equal(preview.code, 0, preview.stderr);
  assert.deepEqual(eventsNamed(preview, 'digest.catch_up').map((f) => f.week), ['2026-W48']);
  assert.equal(env.fake.requests.length, 0);
  assert.equal(await env.digestRow(W48), undefined);
  const shown = [...preview.stdout.matchAll(/^Quiet week.*$/gm)].map((m) => m[0]);
  const expected = [
    'Quiet week (posted late): no launches logged between 16 and 23 Nov 2026.',
    'Quiet week: no launches logged between 23 and 30 Nov 2026.',
  ];
  assert.deepEqual(shown, expected);

  const real = await env.run(['--now', ON_TIME], quiet);
  assert.equal(real.code, 0, real.stderr);
  assert.deepEqual(contents(env), expected);
});

test('windowsToCatchUp: oldest first, bounded, only after the first recorded window; unfinished ones whatever their age', () => {
  const rows = [{ windowStart: W46.start, status: 'done' }, { windowStart: W47.start, status: 'posting' }];
  const plan = (weeks: number, known = rows) => windowsToCatchUp(WINDOW, weeks, known).map((d) => `${d.window.isoWeek}:${d.reason}`);
  assert.deepEqual(plan(4), ['2026-W47:unfinished', '2026-W48:missed']);
  assert.deepEqual(plan(1), ['2026-W48:missed']);
  assert.deepEqual(plan(0), []);
  assert.deepEqual(plan(4, []), [], 'fresh install');
  assert.deepEqual(plan(4, [{ windowStart: W48.start, status: 'empty' }]), []);
});

test('status: an unfinished week outside the look-back is named with the command that finishes it', () => {
  const now = new Date('2026-12-02T12:00:00Z');
  const digests: DigestSummary[] = [
    { isoWeek: '2026-W44', windowStart: new Date('2026-10-19T09:00:00Z'), windowEnd: new Date('2026-10-26T09:00:00Z'), status: 'posting', launchCount: 9, parts: 2, posted: 1, finishedAt: null },
    { isoWeek: '2026-W49', windowStart: WINDOW.start, windowEnd: WINDOW.end, status: 'done', launchCount: 3, parts: 1, posted: 1, finishedAt: now },
  ];
  const report: StatusReport = {
    now, worker: { instance: 'vps:1', state: 'ready', detail: null, lastEventAt: now, lastAckLatencyMs: 40, lastAckAt: now, startedAt: now, updatedAt: now },
    web: { ok: true, detail: 'ok' }, lastDigest: digests[1], nextDigestAt: new Date('2026-12-07T09:00:00Z'), launchesThisWeek: 0,
    outstanding: outstandingDigests(digests, now, 2), catchUpWeeks: 2,
  };
  assert.deepEqual(assess(report).problems, [
    'digest 2026-W44 is unfinished (1/2 parts posted) and older than the DIGEST_CATCHUP_WEEKS=2 look-back; finish it with `shiptrack digest --week 2026-W44`',
    'digest 2026-W47 was missed (no run for the window ending 2026-11-16T09:00:00.000Z); the next digest run posts it late',
    'digest 2026-W48 was missed (no run for the window ending 2026-11-23T09:00:00.000Z); the next digest run posts it late',
  ]);
});
