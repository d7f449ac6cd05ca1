// Gateway faults the REAL worker must ride out by RESUMEing its session (docs/gateway.md §1.7): a
// dropped TCP connection, a zombie connection, op 7, and server closes 4000 and 1001; then a server
// close 1000, which the fake models as ending the session (the RESUME gets op 9 d:false, then
// IDENTIFY and backfill). Messages keep being posted throughout; each fault ends with a tally
// (worker-faults-harness.ts). One worker takes the faults one after the other. Only close 1000
// needs a new IDENTIFY, and it comes last, long after the start-up IDENTIFY, so the 5 s IDENTIFY
// spacing is not waited for; its op 9 wait (1-5 s, random, production rule) is.
import { test } from 'node:test';
import { POST_EVERY_MS, readyAgain, resumed, runFault, runningFixture } from './worker-faults-harness.js';

test('gateway faults (RESUME, then a session-ending close 1000): every launch stored once and reacted once', { timeout: 120_000 }, async (t) => {
  const f = await runningFixture(t, 'gateway');
  const { fake, sup } = f;
  await t.test('tcp-drop', () => runFault(f, 'tcp-drop', async (from) => { fake.gateway.dropAll(); await resumed(f, from); }));
  await t.test('zombie', () => runFault(f, 'zombie', async (from) => {
    fake.gateway.stopAcking();
    await sup.waitForLine('gateway.zombie', { from, timeoutMs: 10_000 });
    fake.gateway.stopAcking(false);
    await resumed(f, from);
  }));
  await t.test('op7-reconnect', () => runFault(f, 'op7-reconnect', async (from) => { fake.gateway.sendReconnect(); await resumed(f, from); }));
  await t.test('close-4000', () => runFault(f, 'close-4000', async (from) => { fake.gateway.closeAll(4000, 'Unknown error'); await resumed(f, from); }));
  // A server 1001 ("going away") keeps the session: the worker RESUMEs.
  await t.test('close-1001', () => runFault(f, 'close-1001', async (from) => { fake.gateway.closeAll(1001, 'Going away'); await resumed(f, from); }));
  await t.test('close-1000', () => runFault(f, 'close-1000', async (from) => { fake.gateway.closeAll(1000, 'Normal closure'); await readyAgain(f, from); }, { postEveryMs: POST_EVERY_MS.slow }));
});
