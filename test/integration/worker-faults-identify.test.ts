// Server closes after which the worker must start a new session (IDENTIFY, then backfill what the
// old session would have delivered): 4007 and 4009 (docs/gateway.md §1.10); close 1000 is in
// worker-faults-gateway.test.ts. Messages keep being posted throughout; each fault ends with a tally
// (worker-faults-harness.ts). The worker runs in this process (createWorker, src/worker/app.ts)
// with FAST_TIMING: IDENTIFY spacing 300 ms against the fake's 250 ms IDENTIFY window instead of
// 5.5 s against 5 s (docs/gateway.md §1.11), so no fault waits seconds for its new session.
import { test } from 'node:test';
import { readyAgain, runFault, runningAppFixture } from './worker-faults-harness.js';

test('gateway closes that need a new session: every launch stored once and reacted once', { timeout: 120_000 }, async (t) => {
  const f = await runningAppFixture(t, 'identify');
  const { fake } = f;
  await t.test('close-4007', () => runFault(f, 'close-4007', async (from) => { fake.gateway.closeAll(4007, 'Invalid seq'); await readyAgain(f, from); }));
  await t.test('close-4009', () => runFault(f, 'close-4009', async (from) => { fake.gateway.closeAll(4009, 'Session timed out'); await readyAgain(f, from); }));
});
