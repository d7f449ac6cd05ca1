// The live systemd path, end to end: the REAL worker and web processes with NOTIFY_SOCKET pointing
// at a real unix datagram socket (notify-listener.ts), so every READY=1 / STATUS= / WATCHDOG=1 /
// STOPPING=1 goes through the spawned systemd-notify exactly as under Type=notify
// (docs/systemd.md §1.2; sd_notify(3)). Checks: the worker says READY=1 only after the gateway's
// READY, never while it cannot reach the gateway; WATCHDOG=1 follows while heartbeats are ACKed
// (WATCHDOG_USEC short, so pings are frequent); a second worker reports READY=1 with
// STATUS=standby…; web says READY=1 once it listens; both say STOPPING=1 on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { startFakeDiscord } from '../../src/fake-discord/index.js';
import { createTestDatabase, needsRealPostgres } from '../helpers/db.js';
import { binArgs } from '../helpers/bin.js';
import { notifySkipReason, startNotifyListener } from './notify-listener.js';
import { spawnWorker, tripwire } from './worker-harness.js';
import { APP_ID, request } from './web-harness.js';
import { freePort } from '../helpers/net.js';

/** 400 ms: the worker pings at most every 100 ms (a quarter), on heartbeat ACKs every 200 ms. */
const WATCHDOG_USEC = '400000';
const READY_CONNECTED = 'READY=1\nSTATUS=connected: READY';

async function fixture(t: import('node:test').TestContext) {
  const fake = await startFakeDiscord({ heartbeatIntervalMs: 200 });
  t.after(() => fake.close());
  const db = await createTestDatabase();
  t.after(() => db.close());
  const env = {
    DATABASE_URL: db.url, DISCORD_BOT_TOKEN: fake.botToken, SHIPPED_CHANNEL_ID: fake.channels.shipped,
    DISCORD_API_BASE: fake.apiBase, WORKER_BACKFILL_HOURS: '0',
  };
  return { fake, db, env };
}

test('worker: READY=1 only after the gateway READY, then WATCHDOG=1 while ACKed, STOPPING=1 on SIGTERM', { skip: notifySkipReason, timeout: 60_000 }, async (t) => {
  const { fake, env } = await fixture(t);
  const notify = await startNotifyListener(t);
  // Discord holds the worker's GET /gateway/bot for 500 ms: the worker is up, holds the lock and
  // waits to connect. Just before the answer, nothing at all may have reached systemd: not ready,
  // and no health evidence for the watchdog either.
  let duringHold: string[] | undefined;
  const hold = tripwire(/^\/gateway\/bot$/, () => { setTimeout(() => { duringHold = [...notify.messages]; }, 450); });
  fake.rest.script({ method: 'GET', path: hold, status: 200, passThrough: true, delayMs: 500 });
  const w = spawnWorker({ ...env, NOTIFY_SOCKET: notify.path, WATCHDOG_USEC }, 'notify-worker');
  t.after(() => w.kill('SIGKILL'));
  await w.waitForLine('gateway.ready');
  assert.deepEqual(duringHold, [], 'nothing sent while the gateway was out of reach');
  assert.ok(fake.gateway.connectionLog().some((c) => c.sent.some((f) => f.t === 'READY')), 'the fake sent READY');
  const ready = await notify.waitFor('READY=1', (m) => m.startsWith('READY=1'));
  assert.equal(ready, 0, 'READY=1 is the first message');
  assert.equal(notify.messages[0], READY_CONNECTED);
  // Heartbeats are ACKed every 200 ms: pings keep coming (each after READY=1).
  await notify.waitFor('a third WATCHDOG=1', (m) => m === 'WATCHDOG=1' && notify.messages.filter((x) => x === 'WATCHDOG=1').length >= 3);
  assert.deepEqual(new Set(notify.messages.slice(1)), new Set(['WATCHDOG=1']));

  const stopFrom = notify.messages.length;
  assert.equal(await w.kill('SIGTERM'), 0);
  await notify.waitFor('STOPPING=1', (m) => m === 'STOPPING=1', { from: stopFrom });
});

test('a second worker, while the first holds the lock, reports READY=1 with STATUS=standby…', { skip: notifySkipReason || needsRealPostgres, timeout: 60_000 }, async (t) => {
  const { env } = await fixture(t);
  const holder = spawnWorker(env, 'holder');
  t.after(() => holder.kill('SIGKILL'));
  await holder.waitForLine('gateway.ready');
  const notify = await startNotifyListener(t);
  const standby = spawnWorker({ ...env, NOTIFY_SOCKET: notify.path, WATCHDOG_USEC }, 'notify-standby');
  t.after(() => standby.kill('SIGKILL'));
  await standby.waitForLine('worker.standby');
  await notify.waitFor('READY=1', (m) => m.startsWith('READY=1'));
  assert.equal(notify.messages[0], 'READY=1\nSTATUS=standby: another worker holds the gateway lock');
  assert.ok(!standby.lines.some((l) => l.startsWith('gateway.')), 'the standby never touched the gateway');
  assert.equal(await standby.kill('SIGTERM'), 0);
  await notify.waitFor('STOPPING=1', (m) => m === 'STOPPING=1');
});

test('web: READY=1 once it listens (a request right after it is answered), STOPPING=1 on SIGTERM', { skip: notifySkipReason, timeout: 60_000 }, async (t) => {
  const db = await createTestDatabase();
  t.after(() => db.close());
  const notify = await startNotifyListener(t);
  const port = await freePort();
  const web = spawn(process.execPath, binArgs('web'), {
    env: {
      PATH: process.env.PATH ?? '', NODE_ENV: 'test', DATABASE_URL: db.url, DISCORD_PUBLIC_KEY: 'ab'.repeat(32),
      DISCORD_APPLICATION_ID: APP_ID, HOST: '127.0.0.1', PORT: String(port), NOTIFY_SOCKET: notify.path,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((r) => web.on('exit', (code) => r(code)));
  t.after(() => { web.kill('SIGKILL'); });
  const out: string[] = [];
  createInterface({ input: web.stdout! }).on('line', (l) => out.push(l));
  createInterface({ input: web.stderr! }).on('line', (l) => out.push(l));
  await notify.waitFor('READY=1', (m) => m.startsWith('READY=1'));
  // Ready means listening: the very next request is answered.
  const health = await request(`http://127.0.0.1:${port}/healthz`, { method: 'GET', agent: false });
  assert.equal(health.status, 200);
  assert.deepEqual(notify.messages, [`READY=1\nSTATUS=listening on 127.0.0.1:${port}`]);
  web.kill('SIGTERM');
  assert.equal(await exited, 0, out.join('\n'));
  assert.deepEqual(notify.messages, [`READY=1\nSTATUS=listening on 127.0.0.1:${port}`, 'STOPPING=1']);
});
