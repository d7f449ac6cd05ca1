// Two REAL workers on one database (real PostgreSQL: the gateway lock is a session-level advisory
// lock): the second waits as hot standby and takes over when the first dies, never both; a holder
// whose lock session is killed server-side stops at once (exit 1, why=lock_lost) and the other
// takes over; SIGTERM in standby exits 0 at once. Each handover ends with a tally.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needsRealPostgres } from '../helpers/db.js';
import { runningFixture, startPoster, tally, verdict } from './worker-faults-harness.js';
import { Supervisor, spawnWorker } from './worker-harness.js';

test('a second worker waits as hot standby and takes over when the first dies; never both', { timeout: 90_000, skip: needsRealPostgres }, async (t) => {
  const f = await runningFixture(t);
  const { fake, sup } = f;
  const standby = new Supervisor(f.env, 'standby', 300);
  t.after(() => standby.stop('SIGKILL'));
  standby.start();
  await standby.waitForLine('worker.standby');
  const poster = startPoster(fake, 'standby-takeover');
  await poster.reached(6);
  assert.equal(fake.gateway.connections(), 1, 'only the lock holder connects to the gateway');
  assert.ok(!standby.lines.some((l) => l.startsWith('launch.') || l.startsWith('gateway.')), 'standby processes nothing');
  const killedAt = standby.lines.length;
  await sup.stop('SIGKILL'); // no restart: the standby must take over
  const took = await standby.waitForLine('lock.acquired', { from: killedAt, timeoutMs: 15_000 });
  assert.match(took, /after_standby=true/);
  await standby.waitForLine('gateway.resumed', { timeoutMs: 20_000 });
  const posted = await poster.stop();
  await tally(f, 'standby-takeover', posted, { repeatPutsAllowed: true });
  assert.equal(standby.lines.filter((l) => l.startsWith('worker.standby')).length, 1, "'worker.standby' logged once");

  // Lock loss while the pool is fine: the holder's lock session is killed server-side. It must stop
  // processing at once (nothing logged after lock.lost), exit 1 saying why=lock_lost, and the other
  // worker takes over.
  const from = sup.lines.length;
  sup.start(); // the old worker comes back and waits as standby now
  await sup.waitForLine('worker.standby', { from });
  const poster2 = startPoster(fake, 'lock-loss');
  await poster2.reached(4);
  const holderFrom = standby.lines.length;
  const holder = standby.current!;
  standby.noRestart(); // so the takeover is by the other worker, not by this one's restart
  const killed = await f.db.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_locks
    WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
  assert.equal(killed.rowCount, 1);
  await standby.waitForLine('lock.lost', { from: holderFrom });
  assert.equal(await holder.exited, 1);
  assert.deepEqual(verdict(holder), { why: 'lock_lost', announced: 1, exit: 1 });
  const after = standby.lines.slice(standby.lines.findIndex((l, i) => i >= holderFrom && l.startsWith('lock.lost')));
  assert.ok(!after.some((l) => l.startsWith('launch.logged') || l.startsWith('reaction.added')), after.join('\n'));
  await sup.waitForLine('lock.acquired', { from, match: (l) => l.includes('after_standby=true'), timeoutMs: 15_000 });
  await standby.stop('SIGKILL');
  await tally(f, 'lock-loss', await poster2.stop(), { repeatPutsAllowed: true });

  // SIGTERM while waiting in standby: leaves at once with 0 (nothing to close but the pool).
  const third = spawnWorker(f.env, 'third');
  t.after(() => third.kill('SIGKILL'));
  await third.waitForLine('worker.standby');
  const t0 = Date.now();
  assert.equal(await third.kill('SIGTERM'), 0);
  assert.ok(Date.now() - t0 < 5000);
  assert.deepEqual(verdict(third), { why: 'SIGTERM', announced: 0, exit: 0 });
});
