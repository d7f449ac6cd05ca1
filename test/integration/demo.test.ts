// The newcomer path: `npm run demo` from a clean state plays the scripted week and exits 0, and
// Ctrl-C (SIGINT) during the demo leaves no process behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDist } from '../helpers/bin.js';

const PIDS = /web pid (\d+) on \S+ worker pid (\d+)\n/;

function startDemo(dataDir: string, extra: string[] = []) {
  const p = spawn(process.execPath, ['--import', 'tsx', 'src/demo/demo.ts', '--dist', testDist(), '--data-dir', dataDir, ...extra], {
    env: { PATH: process.env.PATH, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (out += d));
  const closed = new Promise<number | null>((resolve) => p.on('close', (code) => resolve(code)));
  return { p, closed, output: () => out };
}

test('npm run demo plays the week from a clean state and exits 0 with the expected summary', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'st-demo-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const demo = startDemo(dir);
  t.after(() => demo.p.kill('SIGKILL'));
  const code = await demo.closed;
  const out = demo.output();
  assert.equal(code, 0, out);
  assert.match(out, /DEMO_RESULT ok=true launches=5 reactions=4 digest_parts=1 failures=0/);
  assert.match(out, /logged it as a launch/);
  assert.match(out, /ignored it \(no-url\)/);
  assert.match(out, /ignored it \(webhook\)/);
  assert.match(out, /soft-deleted the launch/);
  assert.match(out, /posted digest part 1\/1 in #announcements \(allowed_mentions \{"parse":\[\]\}\)/);
  assert.match(out, /The week came out as expected\./);

  // A second run keeps last run's data and does not post the same week's digest again.
  const second = startDemo(dir);
  t.after(() => second.p.kill('SIGKILL'));
  assert.equal(await second.closed, 0, second.output());
  assert.match(second.output(), /all-time in this demo database: 10\)/);
  assert.match(second.output(), /already posted by an earlier demo run/);
});

test('SIGINT during the demo stops every child process', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'st-demo-int-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const demo = startDemo(dir, ['--keep-running']);
  t.after(() => demo.p.kill('SIGKILL'));
  // Wait until the three processes have been started (the worker is the last long-running one).
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('demo did not reach the keep-running stage: ' + demo.output())), 120_000);
    // The keep-running banner ends with the pids line; wait for that line itself, not the title.
    demo.p.stdout.on('data', () => { if (PIDS.test(demo.output())) { clearTimeout(timer); resolve(); } });
  });
  const pids = PIDS.exec(demo.output());
  assert.ok(pids, demo.output());
  const alive = (pid: string) => { try { process.kill(Number(pid), 0); return true; } catch { return false; } };
  assert.deepEqual([alive(pids[1]!), alive(pids[2]!)], [true, true], 'web and worker are up before Ctrl-C');
  demo.p.kill('SIGINT');
  const code = await demo.closed;
  assert.equal(code, 130);
  assert.match(demo.output(), /SIGINT: stopping every process/);
  assert.deepEqual([alive(pids[1]!), alive(pids[2]!)], [false, false], 'no process left behind');
});
