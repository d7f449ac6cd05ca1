// Tests src/systemd/notify.ts: exact systemd-notify argv, no-op outside systemd, watchdog interval,
// serialisation, failure handling, the watchdog feeder's throttle, and one run of the real systemd-notify
// against a real AF_UNIX datagram socket (a tiny python3 receiver; skipped if python3 is missing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn as spawnChild, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createNotifier, createWatchdogFeeder, type NotifySpawn } from '../../src/systemd/notify.js';
import { createLogger, type Logger } from '../../src/log.js';
import { ManualClock } from '../helpers/clock.js';

interface Call { command: string; args: readonly string[]; env: Record<string, string> }

function recorder(fail?: (args: readonly string[]) => Error | undefined): { calls: Call[]; spawn: NotifySpawn } {
  const calls: Call[] = [];
  const spawn: NotifySpawn = async (command, args, env) => {
    calls.push({ command, args, env });
    const err = fail?.(args);
    if (err) throw err;
  };
  return { calls, spawn };
}

function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger({ level: 'debug', write: (line) => lines.push(line) }), lines };
}

const SYSTEMD_ENV = { NOTIFY_SOCKET: '/run/systemd/notify', PATH: '/usr/bin:/bin', DISCORD_BOT_TOKEN: 'secret-token-value', WATCHDOG_USEC: '90000000' };

test('ready/status/watchdog/stopping spawn systemd-notify with the exact argv', async () => {
  const { calls, spawn } = recorder();
  const n = createNotifier({ env: SYSTEMD_ENV, spawn, log: capturingLogger().log });
  assert.equal(n.enabled, true);
  assert.equal(await n.ready('gateway connected'), true);
  assert.equal(await n.ready(), true);
  assert.equal(await n.watchdog(), true);
  assert.equal(await n.status('resuming session'), true);
  assert.equal(await n.stopping(), true);
  assert.deepEqual(calls.map((c) => [c.command, ...c.args]), [
    ['systemd-notify', '--ready', '--status=gateway connected'],
    ['systemd-notify', '--ready'],
    ['systemd-notify', 'WATCHDOG=1'],
    ['systemd-notify', '--status=resuming session'],
    ['systemd-notify', 'STOPPING=1'],
  ]);
});

test('the child gets only NOTIFY_SOCKET and PATH, never the rest of the environment', async () => {
  const { calls, spawn } = recorder();
  await createNotifier({ env: SYSTEMD_ENV, spawn, log: capturingLogger().log }).ready();
  assert.deepEqual(calls[0]?.env, { NOTIFY_SOCKET: '/run/systemd/notify', PATH: '/usr/bin:/bin' });
});

test('no NOTIFY_SOCKET (or no env at all): every call is a no-op and nothing is spawned', async () => {
  const { calls, spawn } = recorder();
  for (const env of [{ WATCHDOG_USEC: '90000000' }, { NOTIFY_SOCKET: '' }, undefined]) {
    const n = createNotifier({ ...(env ? { env } : {}), spawn, log: capturingLogger().log });
    assert.equal(n.enabled, false);
    assert.equal(await n.ready('x'), false);
    assert.equal(await n.watchdog(), false);
    assert.equal(await n.status('x'), false);
    assert.equal(await n.stopping(), false);
    assert.equal(n.watchdogIntervalMs(), undefined);
  }
  assert.equal(calls.length, 0);
});

test('watchdog interval is WATCHDOG_USEC / 2000 ms, and only for our own PID', () => {
  const log = capturingLogger().log;
  const interval = (extra: Record<string, string>, pid = 4242) =>
    createNotifier({ env: { NOTIFY_SOCKET: '/run/n', ...extra }, spawn: recorder().spawn, log, pid }).watchdogIntervalMs();
  assert.equal(interval({ WATCHDOG_USEC: '90000000' }), 45000);
  assert.equal(interval({ WATCHDOG_USEC: '60000000' }), 30000);
  assert.equal(interval({ WATCHDOG_USEC: '90000000', WATCHDOG_PID: '4242' }), 45000);
  assert.equal(interval({ WATCHDOG_USEC: '90000000', WATCHDOG_PID: '4243' }), undefined, 'inherited by a child process');
  assert.equal(interval({}), undefined);
  assert.equal(interval({ WATCHDOG_USEC: '0' }), undefined);
  assert.equal(interval({ WATCHDOG_USEC: 'abc' }), undefined);
});

test('a failing systemd-notify resolves false and logs a warning; it never throws', async () => {
  const { log, lines } = capturingLogger();
  const { calls, spawn } = recorder((args) => (args[0] === 'WATCHDOG=1' ? Object.assign(new Error('exit 1'), { stderr: 'Failed to notify init system' }) : undefined));
  const n = createNotifier({ env: SYSTEMD_ENV, spawn, log });
  assert.equal(await n.watchdog(), false);
  assert.equal(await n.ready(), true, 'the queue keeps working after a failure');
  assert.equal(calls.length, 2);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^<4>systemd.notify_failed component=systemd-notify message="WATCHDOG=1" error="exit 1" stderr="Failed to notify init system"$/);
});

test('messages are sent one at a time, in call order', async () => {
  const started: string[] = [];
  const releases: Array<() => void> = [];
  const spawn: NotifySpawn = (_c, args) => {
    started.push(args.join(' '));
    return new Promise<void>((resolve) => releases.push(resolve));
  };
  const n = createNotifier({ env: SYSTEMD_ENV, spawn, log: capturingLogger().log });
  const ready = n.ready('up');
  const ping = n.watchdog();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, ['--ready --status=up'], 'WATCHDOG=1 waits until READY=1 was delivered');
  releases.shift()!();
  assert.equal(await ready, true);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, ['--ready --status=up', 'WATCHDOG=1']);
  releases.shift()!();
  assert.equal(await ping, true);
});

test('status text is flattened to one line and capped', async () => {
  const { calls, spawn } = recorder();
  const n = createNotifier({ env: SYSTEMD_ENV, spawn, log: capturingLogger().log });
  await n.status('line one\nline two\r\n');
  await n.status('x'.repeat(500));
  assert.deepEqual(calls[0]?.args, ['--status=line one line two']);
  assert.equal(calls[1]?.args[0], `--status=${'x'.repeat(197)}...`);
});

test('the watchdog feeder pings on health events, at most once per min(10 s, WATCHDOG_USEC / 4)', async () => {
  const clock = new ManualClock();
  const { calls, spawn } = recorder();
  const feeder = createWatchdogFeeder(createNotifier({ env: { NOTIFY_SOCKET: '/run/n', WATCHDOG_USEC: '90000000' }, spawn, log: capturingLogger().log }), clock);
  assert.deepEqual([feeder.enabled, feeder.gapMs], [true, 10_000]);
  const sent = async () => { await clock.tick(0); return calls.length; };
  feeder.feed();
  assert.equal(await sent(), 1);
  await clock.tick(9_999);
  feeder.feed();
  assert.equal(await sent(), 1, 'a second health event inside the gap sends nothing');
  await clock.tick(1);
  feeder.feed();
  assert.equal(await sent(), 2);
  feeder.feed({ now: true });
  assert.equal(await sent(), 3, 'now: true ignores the gap (right after READY=1)');
  await clock.tick(60_000);
  assert.equal(await sent(), 3, 'no health event, no ping: never from a bare timer');
  assert.equal(clock.pending(), 0);
  assert.ok(calls.every((c) => c.args.join(' ') === 'WATCHDOG=1'));
  const small = createWatchdogFeeder(createNotifier({ env: { NOTIFY_SOCKET: '/run/n', WATCHDOG_USEC: '400000' }, spawn, log: capturingLogger().log }), clock);
  assert.equal(small.gapMs, 100, 'a quarter of a short WatchdogSec=');
});

test('the watchdog feeder is a no-op without WatchdogSec= (or when WATCHDOG_PID is another process)', () => {
  const clock = new ManualClock();
  const { calls, spawn } = recorder();
  for (const env of [{ NOTIFY_SOCKET: '/run/n' }, { NOTIFY_SOCKET: '/run/n', WATCHDOG_USEC: '90000000', WATCHDOG_PID: '1' }, { WATCHDOG_USEC: '90000000' }]) {
    const feeder = createWatchdogFeeder(createNotifier({ env, spawn, log: capturingLogger().log, pid: 4242 }), clock);
    assert.deepEqual([feeder.enabled, feeder.gapMs], [false, undefined]);
    feeder.feed({ now: true });
  }
  assert.equal(calls.length, 0);
});

const hasPython = spawnSync('python3', ['-c', 'import socket; socket.recv_fds'], { stdio: 'ignore' }).status === 0;
const hasNotify = spawnSync('systemd-notify', ['--help'], { stdio: 'ignore' }).status === 0;

test('real systemd-notify delivers READY=1/STATUS= and WATCHDOG=1 datagrams to $NOTIFY_SOCKET', {
  skip: !hasPython || !hasNotify ? 'needs python3 (>= 3.9) and systemd-notify' : false,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'shiptrack-notify-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sock = join(dir, 'notify.sock');
  // Receives datagrams, closes passed fds (that releases systemd-notify's BARRIER=1 wait), prints each.
  const receiver = spawnChild('python3', ['-u', '-c', [
    'import socket, sys, os',
    's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); print("listening")',
    'while True:',
    '    msg, fds, _f, _a = socket.recv_fds(s, 65536, 16)',
    '    [os.close(fd) for fd in fds]',
    '    print(repr(msg.decode()))',
  ].join('\n'), sock], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => { receiver.kill(); });
  const lines = createInterface({ input: receiver.stdout! })[Symbol.asyncIterator]();
  assert.equal((await lines.next()).value, 'listening');

  const { log, lines: logLines } = capturingLogger();
  const n = createNotifier({ env: { NOTIFY_SOCKET: sock, PATH: process.env.PATH ?? '/usr/bin:/bin' }, log });
  assert.equal(await n.ready('gateway connected'), true);
  assert.equal((await lines.next()).value, `'READY=1\\nSTATUS=gateway connected'`);
  assert.equal((await lines.next()).value, `'BARRIER=1'`);
  assert.equal(await n.watchdog(), true);
  assert.equal((await lines.next()).value, `'WATCHDOG=1'`);
  assert.equal((await lines.next()).value, `'BARRIER=1'`);
  assert.deepEqual(logLines, []);

  const missing = createNotifier({ env: { NOTIFY_SOCKET: join(dir, 'nobody-listens'), PATH: process.env.PATH ?? '/usr/bin:/bin' }, log });
  assert.equal(await missing.watchdog(), false);
  assert.equal(logLines[0], '<4>systemd.notify_failed component=systemd-notify message="WATCHDOG=1" error="exited 1" stderr="Failed to notify init system: No such file or directory"');
});
