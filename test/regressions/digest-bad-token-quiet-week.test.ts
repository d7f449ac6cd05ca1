// Regression (issue 15): a bot token that Discord no longer accepts (reset in the Developer Portal,
// or mistyped in /etc/shiptrack/env) went unnoticed in a week with nothing to post: the digest made
// no request, recorded the week as empty and exited 0, and `shiptrack status` said OK until the
// worker next restarted. Now every run asks Discord (GET /users/@me), a 401 stops the run with
// digest.token_rejected and exit 78, and status shows it from bot_token_checks until a run with a
// good token clears it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestDatabase } from '../helpers/db.js';
import { assess, collectStatus } from '../../src/status/report.js';
import { ON_TIME, digestEnv, eventsNamed, openDb } from '../integration/digest-harness.js';

let db: TestDatabase;
before(async () => { db = await openDb(); });
after(async () => { await db?.close(); });

const tokenProblems = async (now: Date) => {
  const report = await collectStatus(db.pool, now, async () => ({ ok: true, detail: 'test' }), { catchUpWeeks: 0 });
  return assess(report).problems.filter((p) => p.includes('bot token'));
};

test('a rejected token in a quiet week: exit 78, digest.token_rejected, the week not recorded, status says so; a good token clears it', async (t) => {
  const env = await digestEnv(t, db);
  const bad = await env.run(['--now', ON_TIME], { DISCORD_BOT_TOKEN: 'not-the-token' });
  assert.equal(bad.code, 78, bad.stdout + bad.stderr);
  assert.match(bad.stderr, /^<3>digest\.token_rejected proc=digest error=".*401.*" hint="put the bot token from the Developer Portal/m);
  assert.ok(!bad.stderr.includes('not-the-token') && !bad.stdout.includes('not-the-token'), 'the token is never logged');
  assert.equal(await env.digestRow(), undefined, 'nothing recorded for the week: the run stopped before it');
  const { rows } = await db.pool.query<{ proc: string; ok: boolean }>('SELECT proc, ok FROM bot_token_checks');
  assert.deepEqual(rows, [{ proc: 'digest', ok: false }]);
  const problems = await tokenProblems(new Date(ON_TIME));
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /^Discord rejected the bot token when the digest checked it at 20\d\d-.*: put the current token .* systemctl start shiptrack-digest$/);

  // The token fixed: the next run checks again, posts nothing for the empty week, and clears it.
  const good = await env.run(['--now', ON_TIME]);
  assert.equal(good.code, 0, good.stdout + good.stderr);
  assert.equal(eventsNamed(good, 'digest.token_rejected').length, 0);
  assert.deepEqual((await db.pool.query('SELECT proc, ok, detail FROM bot_token_checks')).rows, [{ proc: 'digest', ok: true, detail: null }]);
  assert.deepEqual(await tokenProblems(new Date(ON_TIME)), []);
  assert.equal((await env.digestRow())?.status, 'empty');
});

test('a dry run sends Discord nothing, not even the token check, and records nothing', async (t) => {
  const env = await digestEnv(t, db);
  const before = env.fake.requests.length;
  const r = await env.run(['--dry-run', '--now', ON_TIME], { DISCORD_BOT_TOKEN: 'not-the-token' });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(env.fake.requests.length, before);
  assert.deepEqual((await db.pool.query('SELECT proc FROM bot_token_checks')).rows, []);
});
