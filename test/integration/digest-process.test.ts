// The digest bin as a real child process (repeat runs and bad options in-process, src/digest/main.ts)
// against the fake Discord and a test DB: the normal
// Monday run, a late (catch-up) run, re-runs, --week, --dry-run, empty and quiet weeks, exit by itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startFakeDiscord } from '../../src/fake-discord/index.js';
import { DigestEnv, ON_TIME, WINDOW, digestEnv, eventsNamed, nonceFor, openDb, type ProcResult } from './digest-harness.js';
import { windowForIsoWeek } from '../../src/digest/window.js';

let db: TestDatabase;
before(async () => { db = await openDb(); });
after(async () => { await db?.close(); });

/** Every POST the fake received is exactly `expected`, in order, with the digest's invariant fields. */
function assertPosted(env: DigestEnv, expected: string[]): void {
  const posts = env.posts();
  assert.equal(posts.length, expected.length, `POSTs received: ${posts.map((p) => p.status).join(',')}`);
  assert.deepEqual(env.bodies(), expected.map((content, i) => ({
    content, nonce: nonceFor(WINDOW, i + 1), enforce_nonce: true, allowed_mentions: { parse: [] }, flags: 4,
  })));
  const messages = env.fake.botMessages(env.fake.channels.announcements);
  assert.deepEqual(messages.map((m) => m.content), expected);
  for (const p of posts) {
    assert.equal(p.headers.authorization, `Bot ${env.fake.botToken}`);
    assert.match(String(p.headers['user-agent']), /^DiscordBot \(.+, .+\)$/);
  }
}

function assertExitedCleanly(r: ProcResult): void {
  assert.equal(r.code, 0, `exit ${r.code} ${r.signal}\n${r.stdout}\n${r.stderr}`);
  // No open handles: the process ends on its own, long before the 10 s forced-exit guard.
  assert.equal(eventsNamed(r, 'digest.exit_forced').length, 0);
  assert.ok(r.ms < 8000, `took ${r.ms} ms`);
}

test('Monday 09:00 run: posts the window [previous Monday 09:00, Monday 09:00) as 3 parts, then marks it done and exits', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(30);
  // Launches just outside the window on either side must not appear.
  await env.seed(1, { window: { start: new Date(WINDOW.start.getTime() - 2 * 3600_000), end: new Date(WINDOW.start.getTime() - 3600_000), isoWeek: 'x' }, text: () => 'Shipped before the window opened, must not be listed' });
  const expected = await env.expectedParts();
  assert.equal(expected.length, 3);

  const r = await env.runProcess(['--now', ON_TIME]);
  assertExitedCleanly(r);
  assertPosted(env, expected);
  assert.ok(!env.bodies().some((b) => b.content.includes('before the window opened')));

  const [start] = eventsNamed(r, 'digest.start');
  assert.deepEqual({ week: start!.week, ws: start!.window_start, we: start!.window_end },
    { week: '2026-W49', ws: '2026-11-23T09:00:00.000Z', we: '2026-11-30T09:00:00.000Z' });
  assert.equal(eventsNamed(r, 'digest.built')[0]!.count, '30');
  const posted = eventsNamed(r, 'digest.part_posted');
  const ids = env.fake.botMessages(env.fake.channels.announcements).map((m) => m.id);
  assert.deepEqual(posted.map((f) => [f.part, f.message_id]), [['1/3', ids[0]], ['2/3', ids[1]], ['3/3', ids[2]]]);
  assert.equal(eventsNamed(r, 'digest.done')[0]!.posted_now, '3');

  assert.deepEqual(await env.digestRow(), { status: 'done', launch_count: 30, claimed_by: null, lease_until: null, iso_week: '2026-W49' });
  assert.deepEqual(await env.partRows(), ids.map((id, i) => ({ part_no: i + 1, nonce: nonceFor(WINDOW, i + 1), message_id: id })));
});

test('a late catch-up run (Tuesday) posts the same window; the Monday run after it and a second run post nothing', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(30);
  const expected = await env.expectedParts();

  const late = await env.runProcess(['--now', '2026-12-01T17:45:00Z']);
  assertExitedCleanly(late);
  assert.equal(eventsNamed(late, 'digest.start')[0]!.week, '2026-W49');
  assertPosted(env, expected);

  for (const now of [ON_TIME, '2026-12-06T23:59:59Z']) {
    const again = await env.run(['--now', now]);
    assertExitedCleanly(again);
    const said = eventsNamed(again, 'digest.already_posted');
    assert.equal(said.length, 1, again.stdout);
    assert.equal(said[0]!.state, 'done');
  }
  // A manual run at Monday 08:55 belongs to the previous window; nothing of this week is re-posted.
  assertPosted(env, expected);
});

test('a manual run on Monday 08:59 picks the previous window, not the one being collected', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(5);
  const r = await env.runProcess(['--now', '2026-11-30T08:59:59Z']);
  assertExitedCleanly(r);
  assert.equal(eventsNamed(r, 'digest.start')[0]!.week, '2026-W48');
  assert.equal(eventsNamed(r, 'digest.empty').length, 1);
  assertPosted(env, []);
});

test('--week rebuilds a given past window; on a done window it says "already posted" and posts nothing', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(30);
  const expected = await env.expectedParts();
  const first = await env.runProcess(['--week', '2026-W49', '--now', ON_TIME]);
  assertExitedCleanly(first);
  assertPosted(env, expected);

  const again = await env.run(['--week', '2026-W49', '--now', ON_TIME]);
  assertExitedCleanly(again);
  assert.equal(eventsNamed(again, 'digest.already_posted').length, 1);
  assertPosted(env, expected);
});

test('--week for a window that has not ended is refused (exit 64) without touching anything; bad options too', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(3);
  const future = await env.runProcess(['--week', '2026-W49', '--now', '2026-11-29T12:00:00Z']);
  assert.equal(future.code, 64);
  assert.match(future.stderr, /has not happened yet/);
  for (const args of [['--week', '2026-W54'], ['--bogus'], ['--now', 'yesterday']]) {
    const r = await env.run(args);
    assert.equal(r.code, 64, args.join(' '));
    assert.match(r.stderr, /usage: npm run digest/);
  }
  assert.equal(await env.digestRow(), undefined);
  assertPosted(env, []);
});

test('--dry-run prints the parts exactly as they would be posted and changes nothing', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(30);
  const expected = await env.expectedParts();
  const r = await env.runProcess(['--dry-run', '--now', ON_TIME]);
  assertExitedCleanly(r);
  assert.equal(env.fake.requests.length, 0);
  assert.equal(await env.digestRow(), undefined);
  const printed = [...r.stdout.matchAll(/^===== digest part (\d+)\/(\d+), (\d+) characters, nonce (\S+) =====\n([\s\S]*?)\n===== end of part \1\/\2 =====$/gm)];
  assert.deepEqual(printed.map((m) => m[5]), expected);
  assert.deepEqual(printed.map((m) => m[4]), expected.map((_, i) => nonceFor(WINDOW, i + 1)));

  // The real run afterwards posts the very texts the dry run showed.
  const real = await env.runProcess(['--now', ON_TIME]);
  assertExitedCleanly(real);
  assertPosted(env, expected);

  // A dry run of a posted window shows the frozen parts and says they are posted; still no request.
  const before = env.fake.requests.length;
  const after = await env.run(['--dry-run', '--week', '2026-W49']);
  assertExitedCleanly(after);
  assert.equal(env.fake.requests.length, before);
  assert.equal([...after.stdout.matchAll(/already posted as \d+/g)].length, 3);
});

test('a week with no launches posts nothing and is recorded as empty; later runs say so', async (t) => {
  const env = await digestEnv(t, db);
  const r = await env.runProcess(['--now', ON_TIME]);
  assertExitedCleanly(r);
  assert.equal(eventsNamed(r, 'digest.empty').length, 1);
  assertPosted(env, []);
  assert.deepEqual(await env.digestRow(), { status: 'empty', launch_count: 0, claimed_by: null, lease_until: null, iso_week: '2026-W49' });
  const again = await env.run(['--now', ON_TIME]);
  assert.equal(eventsNamed(again, 'digest.already_posted')[0]!.state, 'empty');
  assertPosted(env, []);
});

test('DIGEST_QUIET_WEEK=true posts one short "quiet week" line for an empty week', async (t) => {
  const env = await digestEnv(t, db);
  const r = await env.runProcess(['--now', ON_TIME], { DIGEST_QUIET_WEEK: 'true' });
  assertExitedCleanly(r);
  const expected = await env.expectedParts(WINDOW, { quietWeek: true });
  assert.deepEqual(expected, ['Quiet week: no launches logged between 23 and 30 Nov 2026.']);
  assertPosted(env, expected);
  assert.equal((await env.digestRow())!.status, 'done');
});

test('the window of --week 2026-W48 is [Mon W47 09:00, Mon W48 09:00) UTC', () => {
  const w = windowForIsoWeek('2026-W48');
  assert.deepEqual([w.start.toISOString(), w.end.toISOString()], ['2026-11-16T09:00:00.000Z', '2026-11-23T09:00:00.000Z']);
});

test('--dry-run with MIGRATE_ON_START=true on an unmigrated database applies nothing (it says so)', async (t) => {
  const fresh = await createTestDatabase({ migrated: false });
  t.after(() => fresh.close());
  const fake = await startFakeDiscord();
  t.after(() => fake.close());
  const r = await new DigestEnv(fresh, fake).run(['--dry-run', '--now', ON_TIME], { MIGRATE_ON_START: 'true' });
  assert.match(r.stdout, /^<6>migrate\.skipped proc=digest reason="this run changes nothing; MIGRATE_ON_START applies on the next real start"$/m);
  const { rows } = await fresh.pool.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`);
  assert.equal(rows[0].n, 0, 'a dry run created tables');
  assert.equal(fake.requests.length, 0);
});
