// Issue 13, "Liveness is not Discord's availability": the systemd watchdog was fed by gateway
// heartbeat ACKs, so a Discord outage longer than WatchdogSec= became a restart loop. The watchdog
// now reflects the process's own health (src/worker/liveness.ts): event loop alive, database
// answering, reconnect loop still making attempts. Here Discord's gateway refuses every connection
// for longer than the watchdog period; WATCHDOG=1 datagrams (a real systemd-notify into a real unix
// datagram socket, notify-listener.ts) keep coming, `shiptrack status` says "Discord unreachable
// since …", and gateway.unreachable is logged once. The second test drives the liveness verdict on
// a manual clock: a reconnect loop that stops trying, or a database that stops answering, stops the pings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { startFakeDiscord } from '../../src/fake-discord/index.js';
import { readWorkerStatus } from '../../src/db/gateway-state.js';
import { RestClient } from '../../src/discord/rest/client.js';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { openDatabase } from '../../src/bin/bootstrap.js';
import { createNotifier, createWatchdogFeeder, defaultNotifySpawn } from '../../src/systemd/notify.js';
import { createWorker } from '../../src/worker/app.js';
import { Liveness } from '../../src/worker/liveness.js';
import { assess, collectStatus, formatStatus } from '../../src/status/report.js';
import { createTestDatabase } from '../helpers/db.js';
import { ManualClock } from '../helpers/clock.js';
import { notifySkipReason, startNotifyListener } from '../integration/notify-listener.js';
import { lineWaiter, waitFor } from '../integration/worker-harness.js';
import { FAST_IDENTIFY_WINDOW_MS, FAST_TIMING, HEARTBEAT_MS } from '../integration/worker-faults-harness.js';

/** WatchdogSec=1s: pings at most every 250 ms (a quarter); systemd would kill after 1 s without one. */
const WATCHDOG_USEC = '1000000';
const WATCHDOG_MS = 1000;
/** The first gateway.unreachable: well past the watchdog period, so the outage outlasts it. */
const UNREACHABLE_WARN_MS = 3 * WATCHDOG_MS;

test('issue 13: Discord refusing connections for longer than WatchdogSec= keeps WATCHDOG=1 coming; status says "Discord unreachable since"', { skip: notifySkipReason, timeout: 60_000 }, async (t) => {
  const fake = await startFakeDiscord({ heartbeatIntervalMs: HEARTBEAT_MS, identifyWindowMs: FAST_IDENTIFY_WINDOW_MS });
  t.after(() => fake.close());
  const db = await createTestDatabase();
  t.after(() => db.close());
  const listener = await startNotifyListener(t);

  const lines: string[] = [];
  const events = new EventEmitter();
  const log = createLogger({ level: 'debug', write: (raw) => {
    const line = raw.replace(/^<\d>/, '');
    lines.push(line);
    if (process.env.WORKER_LOG) process.stderr.write(`[outage] ${line}\n`);
    events.emit('line', line);
  } }, { proc: 'worker' });
  const waitForLine = (event: string, from = 0, timeoutMs = 20_000) => lineWaiter('outage', lines, events, event, { from, timeoutMs });

  // Every WATCHDOG=1 that systemd-notify delivered, with when it was delivered.
  const pings: number[] = [];
  const notifier = createNotifier({
    env: { NOTIFY_SOCKET: listener.path, WATCHDOG_USEC, PATH: process.env.PATH }, log,
    spawn: async (command, args, env) => {
      await defaultNotifySpawn(command, args, env);
      if (args[0] === 'WATCHDOG=1') pings.push(Date.now());
    },
  });
  const config = loadConfig('worker', {
    DATABASE_URL: db.url, DISCORD_BOT_TOKEN: fake.botToken, SHIPPED_CHANNEL_ID: fake.channels.shipped,
    DISCORD_API_BASE: fake.apiBase, DISCORD_GUILD_ID: fake.guildId, WORKER_BACKFILL_HOURS: '0',
  }, { dotenvPath: false });
  const worker = createWorker({
    config, clock: systemClock, log, instance: `outage:${process.pid}`,
    openPool: () => openDatabase({ config, log }),
    rest: new RestClient({ baseUrl: config.discordApiBase, token: config.botToken, timeoutMs: config.restTimeoutMs, log: log.child({ component: 'rest' }) }),
    notifier, watchdog: createWatchdogFeeder(notifier, systemClock),
    timing: { ...FAST_TIMING, statusIntervalMs: 200, unreachableWarnMs: UNREACHABLE_WARN_MS },
  });
  t.after(() => worker.stop('SIGTERM'));
  void worker.start();
  await waitForLine('gateway.ready');
  await listener.waitFor('a WATCHDOG=1 after READY=1', (m) => m === 'WATCHDOG=1');

  // Discord's gateway goes away: the connection drops and every new one is refused.
  const from = lines.length;
  fake.gateway.refuseConnections(true);
  const outageStart = Date.now();
  fake.gateway.dropAll();
  await waitForLine('gateway.unreachable', from);
  const outageSeen = Date.now();
  assert.ok(outageSeen - outageStart >= UNREACHABLE_WARN_MS - 50, 'the outage outlasted the watchdog period');
  const attempts = lines.slice(from).filter((l) => l.startsWith('gateway.state ') && l.includes('change=waiting→connecting')).length;
  assert.ok(attempts >= 3, `the worker kept trying to connect (${attempts} attempts)`);

  // No gap of a whole watchdog period between pings during the outage: systemd would not restart us.
  const during = [outageStart, ...pings.filter((p) => p > outageStart && p <= outageSeen), outageSeen];
  const gaps = during.slice(1).map((p, i) => p - during[i]!);
  assert.ok(during.length >= 2 + Math.floor((outageSeen - outageStart) / WATCHDOG_MS), `WATCHDOG=1 kept coming during the outage (${during.length - 2} pings in ${outageSeen - outageStart} ms)`);
  assert.ok(Math.max(...gaps) < WATCHDOG_MS, `the longest gap between pings (${Math.max(...gaps)} ms) is under WatchdogSec=`);
  assert.equal(lines.filter((l) => l.startsWith('watchdog.withheld')).length, 0, 'the worker never judged itself unhealthy');

  // One warning, naming since when and how many attempts; not one per attempt.
  const warned = lines.filter((l) => l.startsWith('gateway.unreachable '));
  assert.equal(warned.length, 1, warned.join('\n'));
  assert.match(warned[0]!, /^gateway\.unreachable proc=worker since=\d{4}-\d\d-\d\dT[\d:.]+Z down_ms=\d+ attempts=\d+ /);

  // `shiptrack status`: Discord unreachable since about when the gateway went away.
  const row = await waitFor('worker_status records the outage', async () => {
    const w = await readWorkerStatus(db.pool);
    return w?.gatewayDownSince && (w.gatewayAttempts ?? 0) >= 2 ? w : undefined;
  });
  const since = new Date(row.gatewayDownSince!).getTime();
  assert.ok(Math.abs(since - outageStart) < 1000, `down since ${new Date(since).toISOString()}, outage began ${new Date(outageStart).toISOString()}`);
  const report = await collectStatus(db.pool, new Date(), async () => ({ ok: true, detail: 'ok' }));
  const verdict = assess(report);
  const sinceText = new Date(since).toISOString().replace('.000Z', 'Z');
  assert.ok(verdict.problems.some((p) => p.startsWith(`Discord unreachable since ${sinceText} (`)), verdict.problems.join('\n'));
  assert.match(formatStatus(report, verdict), new RegExp(`\\n {10}Discord unreachable since ${sinceText.replace(/[.]/g, '\\.')}, \\d+ connection attempts since\\n`));

  // Discord comes back: the worker reconnects by itself, the all-clear is logged, status clears.
  const back = lines.length;
  fake.gateway.refuseConnections(false);
  await lineWaiter('outage', lines, events, ['gateway.resumed', 'gateway.ready'], { from: back, timeoutMs: 20_000 });
  await waitForLine('gateway.reachable', back);
  await waitFor('worker_status clears the outage', async () => {
    const w = await readWorkerStatus(db.pool);
    return w?.state === 'ready' && w.gatewayDownSince === null;
  });
  const after = assess(await collectStatus(db.pool, new Date(), async () => ({ ok: true, detail: 'ok' })));
  assert.ok(!after.problems.some((p) => p.startsWith('Discord unreachable')), after.problems.join('\n'));
});

function capturingLogger(): { log: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger({ level: 'debug', write: (line) => lines.push(line) }), lines };
}

test('issue 13: the watchdog verdict: healthy through an outage while attempts continue; withheld when the reconnect loop stops or the database stops answering', () => {
  const clock = new ManualClock();
  const { log, lines } = capturingLogger();
  const live = new Liveness({ clock, log, dbStaleMs: 60_000, gatewayStallMs: 123_000 });
  // A long Discord outage: attempts every 60 s (the backoff cap), status writes every 15 s.
  for (let s = 15; s <= 3600; s += 15) {
    clock.advance(15_000);
    live.dbAnswered();
    if (s % 60 === 0) live.gatewayProgressed();
    assert.equal(live.check(), true, `healthy at ${s} s into the outage`);
  }
  // The reconnect loop stops making attempts: pings stop once it is overdue, once logged.
  for (let s = 15; s <= 120; s += 15) { clock.advance(15_000); live.dbAnswered(); assert.equal(live.check(), true); }
  clock.advance(15_000); live.dbAnswered();
  assert.equal(live.check(), false, 'no attempt for 135 s');
  clock.advance(15_000); live.dbAnswered();
  assert.equal(live.check(), false);
  assert.equal(lines.filter((l) => l.includes('watchdog.withheld')).length, 1);
  assert.match(lines.find((l) => l.includes('watchdog.withheld'))!, /reason="gateway reconnect loop made no progress for 135000 ms"/);
  live.gatewayProgressed();
  assert.equal(live.check(), true, 'an attempt again: healthy');
  // The database stops answering while the gateway is fine.
  for (let s = 15; s <= 60; s += 15) { clock.advance(15_000); live.gatewayProgressed(); assert.equal(live.check(), true); }
  clock.advance(15_000); live.gatewayProgressed();
  assert.equal(live.check(), false, 'no database answer for 75 s');
  assert.match(lines.filter((l) => l.includes('watchdog.withheld')).at(-1)!, /reason="database has not answered for 75000 ms"/);
});

test('issue 13: waiting out a used-up daily IDENTIFY quota (hours) keeps the watchdog fed; the stall limit counts from the reset', () => {
  const clock = new ManualClock();
  const { log, lines } = capturingLogger();
  const live = new Liveness({ clock, log, dbStaleMs: 60_000, gatewayStallMs: 123_000 });
  live.gatewayWaitsUntil(clock.now() + 3 * 3_600_000);
  for (let s = 15; s <= 3 * 3600 + 120; s += 15) {
    clock.advance(15_000);
    live.dbAnswered();
    assert.equal(live.check(), true, `healthy ${s} s into the quota wait`);
  }
  clock.advance(15_000); live.dbAnswered();
  assert.equal(live.check(), false, 'no attempt 135 s after the quota reset');
  assert.equal(lines.filter((l) => l.includes('watchdog.withheld')).length, 1);
});
