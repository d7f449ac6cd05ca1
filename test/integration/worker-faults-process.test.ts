// Process-level faults for the REAL worker under a Supervisor that restarts it like the systemd
// unit (Restart=always, the unit's own RestartPreventExitStatus=): SIGKILL (restart, RESUME), a
// Postgres outage (the lock is lost: exit 1 announced as why=lock_lost; restarts while the database
// is down fail as why=start_failed; then the worker takes over again), and a fatal close 4004
// (exit 79 announced as why=gateway_fatal, never restarted, session forgotten). One worker
// generation after another on one fixture; 4004 comes last because it ends the worker for good.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSession } from '../../src/db/gateway-state.js';
import { resumed, runFault, runningFixture, verdict } from './worker-faults-harness.js';

test('process faults', { timeout: 120_000 }, async (t) => {
  const f = await runningFixture(t, 'process');
  const { fake, sup } = f;

  // SIGKILL can land after Discord applied a PUT but before reacted_at was written; the restarted
  // worker then PUTs again. PUT …/@me is a set operation, so the message still shows one 🚀 from
  // the bot (reaction user set of size 1, asserted) — a repeated PUT is allowed here, a second row is not.
  await t.test('worker-sigkill: restarted, RESUMEs; every launch stored once and reacted once', () => runFault(f, 'worker-sigkill', async (from) => {
    const decision = sup.waitForDecision();
    await sup.current!.kill('SIGKILL');
    assert.deepEqual(await decision, { code: 'SIGKILL', restarted: true });
    await resumed(f, from);
  }, { repeatPutsAllowed: true }));

  await t.test('postgres-outage: lock lost (exit 1, why=lock_lost), restarts fail to start (exit 1, why=start_failed), then it takes over', () => runFault(f, 'postgres-outage', async (from) => {
    const holder = sup.current!;
    const first = sup.generation;
    f.proxy.cut(); // every DB connection reset (the lock's too), new ones refused: a Postgres restart
    await sup.waitForLine('lock.lost', { from, timeoutMs: 15_000 });
    assert.equal(await holder.exited, 1);
    // A restart while Postgres is still down fails to start, and says so differently.
    await sup.waitForLine('worker.stopping', { from, match: (l) => l.includes('why=start_failed'), timeoutMs: 15_000 });
    f.proxy.restore();
    await sup.waitForLine('lock.acquired', { from, timeoutMs: 20_000 });
    await sup.waitForLine(['gateway.resumed', 'gateway.ready'], { from, timeoutMs: 20_000 });
    const ended = sup.procs.slice(first - 1, -1).map(verdict);
    assert.deepEqual(ended[0], { why: 'lock_lost', announced: 1, exit: 1 }, 'the holder stopped because its lock died');
    assert.ok(ended.length >= 2, `at least one restart during the outage (${ended.length - 1})`);
    for (const v of ended.slice(1)) assert.deepEqual(v, { why: 'start_failed', announced: 1, exit: 1 }, 'restarts during the outage fail to start');
  }, { repeatPutsAllowed: true }));

  await t.test('fatal close 4004: exits 79 naming the code, is not restarted, forgets the session', async () => {
    assert.ok(await loadSession(f.db.pool), 'a session is stored');
    const from = sup.lines.length;
    const worker = sup.current!;
    const generation = sup.generation;
    const identifies = fake.gateway.identifyCount;
    const decision = sup.waitForDecision();
    fake.gateway.closeAll(4004, 'Authentication failed.');
    assert.equal(await worker.exited, 79);
    const line = await sup.waitForLine('gateway.fatal', { from });
    assert.match(line, / code=4004 /);
    assert.match(line, /authentication failed/i);
    assert.deepEqual(verdict(worker), { why: 'gateway_fatal', announced: 79, exit: 79 });
    // The supervisor's restart delay (the unit's RestartSec=, shortened) has now passed: a worker
    // that exited with any code but 78/79 would have been started again at this moment.
    assert.deepEqual(await decision, { code: 79, restarted: false });
    assert.equal(sup.generation, generation, 'not restarted');
    assert.equal(fake.gateway.identifyCount, identifies);
    assert.equal(fake.gateway.connections(), 0);
    // A session Discord ended for good must not be RESUMEd by the next start.
    assert.equal(await loadSession(f.db.pool), undefined);
  });
});
