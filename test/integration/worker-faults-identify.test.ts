// Server closes after which the REAL worker must start a new session (IDENTIFY, then backfill what
// the old session would have delivered): 4007 and 4009 (docs/gateway.md §1.10); close 1000 is in
// worker-faults-gateway.test.ts. Messages keep being posted throughout; each fault ends with a tally
// (worker-faults-harness.ts). Production timing waited out here, with no setting to shorten it: a
// worker IDENTIFYs at most once per 5 s (docs/gateway.md §1.11), so each fault waits for the rest
// of the spacing from the previous IDENTIFY (about 3-4 s each). Posting is slow meanwhile.
import { test } from 'node:test';
import { POST_EVERY_MS, readyAgain, runFault, runningFixture } from './worker-faults-harness.js';

const slow = { postEveryMs: POST_EVERY_MS.slow };

test('gateway closes that need a new session: every launch stored once and reacted once', { timeout: 120_000 }, async (t) => {
  const f = await runningFixture(t, 'identify');
  const { fake } = f;
  await t.test('close-4007', () => runFault(f, 'close-4007', async (from) => { fake.gateway.closeAll(4007, 'Invalid seq'); await readyAgain(f, from); }, slow));
  await t.test('close-4009', () => runFault(f, 'close-4009', async (from) => { fake.gateway.closeAll(4009, 'Session timed out'); await readyAgain(f, from); }, slow));
});
