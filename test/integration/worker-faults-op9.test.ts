// op 9 INVALID_SESSION for the REAL worker (docs/gateway.md §1.9): d:true → RESUME; d:false → a
// new session (IDENTIFY, then backfill). Messages keep being posted throughout; each fault ends
// with a tally (worker-faults-harness.ts). Production timing waited out here, with no setting to
// shorten it: the op 9 wait before each reconnect, uniformly random in 1-5 s
// (src/discord/gateway/timing.ts), and, where it has not passed yet, the 5 s IDENTIFY spacing
// (docs/gateway.md §1.11). Posting is slow meanwhile.
import { test } from 'node:test';
import { POST_EVERY_MS, readyAgain, resumed, runFault, runningFixture } from './worker-faults-harness.js';

const slow = { postEveryMs: POST_EVERY_MS.slow };

test('op 9: every launch stored once and reacted once', { timeout: 120_000 }, async (t) => {
  const f = await runningFixture(t, 'op9');
  const { fake, sup } = f;
  await t.test('op9-true', () => runFault(f, 'op9-true', async (from) => { fake.gateway.invalidateSessions(true); await resumed(f, from); }, slow));
  await t.test('op9-false', () => runFault(f, 'op9-false', async (from) => {
    fake.gateway.invalidateSessions(false);
    await readyAgain(f, from);
    await sup.waitForLine('backfill.done', { from });
  }, slow));
});
