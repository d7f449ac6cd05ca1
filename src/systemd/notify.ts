// Owns talking to systemd's notify socket (READY=1, STATUS=, WATCHDOG=1, STOPPING=1) by spawning
// `systemd-notify`, and how often WATCHDOG=1 goes out. Does not decide when a process is ready or
// healthy: the bins and the gateway do.
//
// Why spawn: Node has no AF_UNIX datagram sockets, so there is no pure-JS sd_notify. systemd-notify
// (>= 246) waits until PID 1 has processed the message, which makes the child-process approach
// reliable, but only with `NotifyAccess=all` in the unit (the sender is a child, not the main PID).
//
// Why an env argument: NOTIFY_SOCKET / WATCHDOG_USEC / WATCHDOG_PID are set by systemd, not by the
// operator, so they are not configuration and do not belong in config.ts. The bins still pass
// `process.env` in; this module never reads process.env itself (tests pass plain objects).

import { execFile } from 'node:child_process';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { SerialQueue } from '../serial-queue.js';

export type NotifyEnv = Readonly<Record<string, string | undefined>>;

/** Runs `command args` with exactly `env`; resolves when it exited 0, rejects otherwise. */
export type NotifySpawn = (command: string, args: readonly string[], env: Record<string, string>) => Promise<void>;

export interface NotifierOptions {
  /** The process environment (pass `process.env`). Omitted = not under systemd: every call is a no-op. */
  env?: NotifyEnv;
  /** Injectable for tests; defaults to execFile with a 5 s timeout. */
  spawn?: NotifySpawn;
  log: Logger;
  /** Defaults to `systemd-notify` looked up on PATH (systemd sets a default PATH for services). */
  command?: string;
  /** Our PID, compared with WATCHDOG_PID like sd_watchdog_enabled(3). Defaults to process.pid. */
  pid?: number;
}

export interface Notifier {
  /** True when NOTIFY_SOCKET is set, i.e. messages will actually be sent. */
  readonly enabled: boolean;
  /** READY=1 (plus STATUS= when given). Resolves true when systemd-notify exited 0. Never rejects. */
  ready(status?: string): Promise<boolean>;
  /** WATCHDOG=1. Call only while the process is really healthy. */
  watchdog(): Promise<boolean>;
  /** STATUS=<text>, shown by `systemctl status`. */
  status(text: string): Promise<boolean>;
  /** STOPPING=1: tells systemd the stop is in progress (call from the SIGTERM handler). */
  stopping(): Promise<boolean>;
  /** Half of WATCHDOG_USEC in ms, or undefined when the unit has no WatchdogSec= (or it is not ours). */
  watchdogIntervalMs(): number | undefined;
}

const SPAWN_TIMEOUT_MS = 5000;
const MAX_STATUS_LENGTH = 200;

export const defaultNotifySpawn: NotifySpawn = (command, args, env) =>
  new Promise((resolve, reject) => {
    execFile(command, [...args], { env, timeout: SPAWN_TIMEOUT_MS, windowsHide: true }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const code = (err as { code?: unknown }).code;
      const why = err.killed ? `timed out after ${SPAWN_TIMEOUT_MS} ms` : typeof code === 'number' ? `exited ${code}` : err.message;
      reject(Object.assign(new Error(why), { stderr: String(stderr).trim() }));
    });
  });

/** The notify protocol is line-based: a newline inside STATUS= would end the assignment early. */
function cleanStatus(text: string): string {
  const flat = text.replace(/[\r\n]+/g, ' ').trim();
  return flat.length > MAX_STATUS_LENGTH ? `${flat.slice(0, MAX_STATUS_LENGTH - 3)}...` : flat;
}

function parseWatchdogMs(env: NotifyEnv, pid: number): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.WATCHDOG_USEC || !Number.isFinite(usec) || usec <= 0) return undefined;
  // systemd sets WATCHDOG_PID to the main PID; a child that inherited the env must not ping.
  if (env.WATCHDOG_PID !== undefined && env.WATCHDOG_PID !== '' && Number(env.WATCHDOG_PID) !== pid) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}

export function createNotifier(options: NotifierOptions): Notifier {
  const env = options.env ?? {};
  const socket = env.NOTIFY_SOCKET;
  const enabled = typeof socket === 'string' && socket !== '';
  const spawn = options.spawn ?? defaultNotifySpawn;
  const command = options.command ?? 'systemd-notify';
  const log = options.log.child({ component: 'systemd-notify' });
  const watchdogMs = enabled ? parseWatchdogMs(env, options.pid ?? process.pid) : undefined;
  // Only what systemd-notify needs: the rest of our environment (tokens, DB URL) stays with us.
  const childEnv: Record<string, string> = enabled ? { NOTIFY_SOCKET: socket, PATH: env.PATH || '/usr/sbin:/usr/bin:/sbin:/bin' } : {};

  // One message at a time, in call order: READY=1 must reach PID 1 before the first WATCHDOG=1.
  const queue = new SerialQueue();
  const send = (args: string[]): Promise<boolean> => {
    if (!enabled) return Promise.resolve(false);
    return queue.add(() => spawn(command, args, childEnv)).then(
      () => true,
      (err: unknown) => {
        const e = err as { message?: string; stderr?: string };
        log.warn('systemd.notify_failed', { message: args.join(' '), error: e?.message ?? String(err), stderr: e?.stderr || undefined });
        return false;
      },
    );
  };

  return {
    enabled,
    ready: (status) => send(status === undefined ? ['--ready'] : ['--ready', `--status=${cleanStatus(status)}`]),
    watchdog: () => send(['WATCHDOG=1']),
    status: (text) => send([`--status=${cleanStatus(text)}`]),
    stopping: () => send(['STOPPING=1']),
    watchdogIntervalMs: () => watchdogMs,
  };
}

/** At most one WATCHDOG=1 per this long, however often health is reported (each ping spawns a process). */
export const MAX_PING_RATE_MS = 10_000;

export interface WatchdogFeeder {
  /** True when systemd expects pings from us (WatchdogSec= set, WATCHDOG_PID ours). */
  readonly enabled: boolean;
  /**
   * Evidence of health arrived (a gateway heartbeat ACK, a standby lock attempt): sends WATCHDOG=1
   * unless one went out less than gapMs ago. `now: true` pings regardless (right after READY=1).
   */
  feed(opts?: { now?: boolean }): void;
  /** The throttle: min(MAX_PING_RATE_MS, WATCHDOG_USEC / 4), or undefined when not enabled. */
  readonly gapMs: number | undefined;
}

/**
 * The worker's watchdog policy: ping only when the caller has just seen the process do useful
 * work, never from a bare timer, so a wedged event loop *and* a live loop whose gateway stopped
 * ACKing both go silent and systemd restarts the unit after WatchdogSec= (docs/systemd.md §1.2).
 * The throttle is at most a quarter of WatchdogSec=, so it never delays a ping systemd needs,
 * and at least MAX_PING_RATE_MS when the watchdog allows it (90 s → one ping per 10 s at most).
 */
export function createWatchdogFeeder(notifier: Notifier, clock: Clock): WatchdogFeeder {
  const half = notifier.watchdogIntervalMs();
  const gapMs = half === undefined ? undefined : Math.max(1, Math.min(MAX_PING_RATE_MS, Math.floor(half / 2)));
  let last: number | undefined;
  return {
    enabled: gapMs !== undefined,
    gapMs,
    feed(opts = {}) {
      if (gapMs === undefined) return;
      const now = clock.now();
      if (!opts.now && last !== undefined && now - last < gapMs) return;
      last = now;
      void notifier.watchdog();
    },
  };
}
