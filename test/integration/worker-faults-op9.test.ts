// op 9 INVALID_SESSION (docs/gateway.md §1.9): d:true → RESUME; d:false → a new session (IDENTIFY,
// then backfill). Messages keep being posted throughout; each fault ends with a tally
// (worker-faults-harness.ts). The worker runs in this process (createWorker, src/worker/app.ts)
// with FAST_TIMING: the op 9 wait before each reconnect uniform in 50-250 ms instead of 1-5 s
// (src/discord/gateway/timing.ts), and IDENTIFY spacing 300 ms against the fake's 250 ms window
// instead of 5.5 s against 5 s (docs/gateway.md §1.11).
import { test } from 'node:test';
import { readyAgain, resumed, runFault, runningAppFixture } from './worker-faults-harness.js';

test('op 9: every launch stored once and reacted once', { timeout: 120_000 }, async (t) => {
  const f = await runningAppFixture(t, 'op9');
  const { fake, worker } = f;
  await t.test('op9-true', () => runFault(f, 'op9-true', async (from) => { fake.gateway.invalidateSessions(true); await resumed(f, from); }));
  await t.test('op9-false', () => runFault(f, 'op9-false', async (from) => {
    fake.gateway.invalidateSessions(false);
    await readyAgain(f, from);
    await worker.waitForLine('backfill.done', { from });
  }));
});
