// The newcomer path: `npm run demo` from a clean state plays the scripted week and exits 0; run
// again on the same data it keeps what it stored, and Ctrl-C (SIGINT) leaves no process behind.
// Both runs use the compiled tree the test runner built (--dist), not a build of their own.
// On the embedded backend the demo starts its own PGlite, as a newcomer's `npm run demo` does; with
// TEST_DATABASE_URL (CI's real PostgreSQL) both runs use one fresh database there (--database-url).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devArgs, testDist } from '../helpers/bin.js';
import { backend, createTestDatabase } from '../helpers/db.js';

const PIDS = /web pid (\d+) on \S+ worker pid (\d+)\n/;
let databaseUrl: string | undefined;

function startDemo(dataDir: string, extra: string[] = []) {
  const db = databaseUrl ? ['--database-url', databaseUrl] : [];
  const p = spawn(process.execPath, devArgs('demo/demo', '--dist', testDist(), '--data-dir', dataDir, ...db, ...extra), {
    env: { PATH: process.env.PATH, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (out += d));
  const closed = new Promise<number | null>((resolve) => p.on('close', (code) => resolve(code)));
  return { p, closed, output: () => out };
}

test('npm run demo plays the week from a clean state and exits 0; a second run keeps the data, and Ctrl-C stops every child', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'st-demo-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  if (backend === 'postgres') {
    const db = await createTestDatabase({ migrated: false });
    t.after(() => db.close());
    databaseUrl = db.url;
  }
  const demo = startDemo(dir);
  t.after(() => demo.p.kill('SIGKILL'));
  const code = await demo.closed;
  const out = demo.output();
  assert.equal(code, 0, out);
  assert.match(out, /DEMO_RESULT ok=true launches=6 reactions=5 digest_parts=1 failures=0/);
  // A member un-ships a mistaken launch (autocomplete, ephemeral answer, the 🚀 taken off) and a
  // moderator logs a missed one with the message context menu; /profile shows a streak.
  assert.match(out, /cy +notices the link is wrong and types \/unship launch:pricing/);
  assert.match(out, /suggests cy's own launches as they type \(\d+ ms\): "[^"]*Shipped the new pricing page https:\/\/wrong-link\.example"/);
  assert.match(out, /cy +runs \/unship "\d+"\n.*answers only them \(ephemeral\).*\n.*🗑️ Removed your launch from <t:\d+:d>: Shipped the new pricing page/);
  assert.match(out, /took its 🚀 off cy's message/);
  assert.match(out, /bob +right-clicks that message in #general → Apps → "Log as launch"\n.*\n.*Only the message's author or a moderator/);
  assert.match(out, /mo +right-clicks that message in #general → Apps → "Log as launch"\n.*\n.*🚀 Logged Dee's message as a launch and reacted 🚀: Pocket Ledger for iPad is out today!/);
  assert.match(out, /reacted 🚀 on dee's message in #general/);
  assert.match(out, /🔥 Weekly streak: \d+ weeks? · best \d+ weeks?/);
  assert.match(out, /register-commands → \/ship, \/unship, \/profile, \/leaderboard, \/site, "Log as launch" \(message command\), "Not a launch" \(message command\) registered to the guild/);
  assert.match(out, /logged it as a launch/);
  assert.match(out, /ignored it \(no-url\)/);
  assert.match(out, /ignored it \(webhook\)/);
  assert.match(out, /soft-deleted the launch/);
  assert.match(out, /posted digest part 1\/1 in #announcements \(allowed_mentions \{"parse":\[\]\}\)/);
  assert.match(out, /The week came out as expected\./);
  // The public launch log on the web's port (PUBLIC_SITE=true): pages, a member hiding with /site.
  assert.match(out, /public launch log on http:\/\/127\.0\.0\.1:\d+\/ \(the same web process and port/);
  assert.match(out, /GET \/ → 200, \d+ bytes/);
  assert.match(out, /GET \/feed\.atom → 200 application\/atom\+xml/);
  assert.match(out, /eve +runs \/site visibility:"hide me"/);
  assert.match(out, /the site now names her "a member" \(yes\); \/members\/\d+ → 404/);

  // A second run keeps last run's data and does not post the same week's digest again; it stays
  // up (--keep-running) until Ctrl-C, which must stop every child process.
  const second = startDemo(dir, ['--keep-running']);
  t.after(() => second.p.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('demo did not reach the keep-running stage: ' + second.output())), 120_000);
    // The keep-running banner ends with the pids line; wait for that line itself, not the title.
    const check = () => { if (PIDS.test(second.output())) { clearTimeout(timer); resolve(); } };
    second.p.stdout.on('data', check);
    void second.closed.then(() => { clearTimeout(timer); reject(new Error('demo exited before keep-running: ' + second.output())); });
  });
  assert.match(second.output(), /DEMO_RESULT ok=true/);
  assert.match(second.output(), /all-time in this demo database: 12\)/);
  assert.match(second.output(), /already posted by an earlier demo run/);
  // --keep-running leaves the site browsable at the printed address.
  const site = /Public launch log: (http:\/\/127\.0\.0\.1:\d+)\/ /.exec(second.output());
  assert.ok(site, second.output());
  const home = await fetch(`${site[1]}/`);
  assert.equal(home.status, 200);
  assert.equal(home.headers.get('content-type'), 'text/html; charset=utf-8');
  const html = await home.text();
  assert.ok(html.includes('Pocket Ledger for iPad'), html);
  assert.ok(!html.includes('oops.example'), 'a removed launch is on the site');
  const pids = PIDS.exec(second.output());
  assert.ok(pids, second.output());
  const alive = (pid: string) => { try { process.kill(Number(pid), 0); return true; } catch { return false; } };
  assert.deepEqual([alive(pids[1]!), alive(pids[2]!)], [true, true], 'web and worker are up before Ctrl-C');
  second.p.kill('SIGINT');
  assert.equal(await second.closed, 130);
  assert.match(second.output(), /SIGINT: stopping every process/);
  assert.deepEqual([alive(pids[1]!), alive(pids[2]!)], [false, false], 'no process left behind');
});
