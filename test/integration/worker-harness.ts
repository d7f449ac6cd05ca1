// Test support for the worker suites (not a test file): a capturing logger, a bounded poll for
// state that has no event, running the REAL worker (`node <compiled tree>/bin/worker.js`, compiled
// as production runs it) as a child process against the fake Discord with its log lines observable
// as events, and a Supervisor that restarts it the way the systemd unit does.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import { createLogger, type Logger } from '../../src/log.js';
import { binArgs, REPO } from '../helpers/bin.js';
import { startFakeDiscord, type FakeDiscord } from '../../src/fake-discord/index.js';
import { RestClient } from '../../src/discord/rest/client.js';
import { Ingest } from '../../src/worker/ingest.js';
import { DEFAULT_LAUNCH_WORDS } from '../../src/config.js';
import { systemClock } from '../../src/clock.js';
import type { Queryable } from '../../src/db/pool.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

export function captureLogger(level: 'info' | 'debug' = 'debug'): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = createLogger({ level, write: (line) => { lines.push(line.replace(/^<\d>/, '')); } });
  return { log, lines };
}

export interface IngestRig { fake: FakeDiscord; db: TestDatabase; rest: RestClient; ingest: Ingest; lines: string[]; ada: string }

/**
 * The worker's ingest path without a gateway: an Ingest on #i-shipped of a fresh fake Discord,
 * against a fresh test database (or `opts.db`), with fast retries and a capturing logger. Tests
 * dispatch MESSAGE_* payloads into it themselves. Everything is torn down after the test.
 */
export async function ingestRig(t: TestContext, opts: { db?: Queryable; wrapDb?: (pool: Queryable) => Queryable; windowMs?: number } = {}): Promise<IngestRig> {
  const fake = await startFakeDiscord();
  t.after(() => fake.close());
  const db = await createTestDatabase();
  t.after(() => db.close());
  const rest = new RestClient({ baseUrl: fake.apiBase, token: fake.botToken, retryBaseMs: 10 });
  t.after(() => rest.destroy());
  const { log, lines } = captureLogger();
  const ingest = new Ingest({
    db: opts.db ?? opts.wrapDb?.(db.pool) ?? db.pool, rest, clock: systemClock, log, channelId: fake.channels.shipped, guildId: fake.guildId,
    words: DEFAULT_LAUNCH_WORDS, minLength: 12, botUserId: fake.botUserId, backfillWindowMs: opts.windowMs ?? 86_400_000,
    retry: { baseMs: 10, maxMs: 50 },
  });
  t.after(() => ingest.halt('test over'));
  return { fake, db, rest, ingest, lines, ada: fake.members[0]!.id };
}

/** Polls `fn` until it returns a truthy value; fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 15_000, everyMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) { last = err; }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * A RegExp for a fake REST script (`fake.rest.script({ path })`) that also calls `onArrive` the
 * moment the first matching request arrives, before the fake answers (or starts its delayMs).
 */
export function tripwire(re: RegExp, onArrive: () => void): RegExp {
  let fired = false;
  return new (class extends RegExp {
    override test(path: string): boolean {
      if (!re.test(path)) return false;
      if (!fired) { fired = true; onArrive(); }
      return true;
    }
  })(re.source);
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly events: EventEmitter;
  /** Resolves with the first log line starting with `event` (or any of several; already seen ones count, from `from`). */
  waitForLine(event: string | string[], opts?: { timeoutMs?: number; from?: number; match?: (line: string) => boolean }): Promise<string>;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  readonly exitCode: number | string | undefined;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

export function spawnWorker(env: Record<string, string>, name = 'worker'): WorkerProcess {
  const child = spawn(process.execPath, binArgs('worker'), {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', LOG_LEVEL: 'debug', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const events = new EventEmitter();
  events.setMaxListeners(100);
  let exitCode: number | string | undefined;
  const onLine = (raw: string) => {
    const line = raw.replace(/^<\d>/, '');
    lines.push(line);
    if (process.env.WORKER_LOG) process.stderr.write(`${new Date().toISOString().slice(11, 23)} [${name}] ${line}\n`);
    events.emit('line', line);
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => {
    exitCode = code ?? signal ?? 'unknown';
    resolve(exitCode);
  }));
  const waitForLine: WorkerProcess['waitForLine'] = (event, opts = {}) =>
    lineWaiter(name, lines, events, event, { ...opts, onExit: (cb) => { child.once('exit', cb); return () => child.off('exit', cb); } });
  return {
    child, lines, events, waitForLine, exited,
    get exitCode() { return exitCode; },
    async kill(signal = 'SIGTERM') {
      if (exitCode === undefined) child.kill(signal);
      return exited;
    },
  };
}

/** Resolves with the first line (from index `from`) starting with `event` (one of them); rejects on timeout or exit. */
export function lineWaiter(name: string, lines: string[], events: EventEmitter, event: string | string[],
  opts: { timeoutMs?: number; from?: number; match?: (line: string) => boolean; onExit?: (cb: () => void) => () => void }): Promise<string> {
  return new Promise((resolve, reject) => {
    const names = Array.isArray(event) ? event : [event];
    const ok = (l: string) => names.some((e) => l === e || l.startsWith(`${e} `)) && (!opts.match || opts.match(l));
    const seen = lines.slice(opts.from ?? 0).find(ok);
    if (seen) return resolve(seen);
    const timeoutMs = opts.timeoutMs ?? 15_000;
    const tail = () => lines.slice(-20).join('\n');
    const timer = setTimeout(() => { cleanup(); reject(new Error(`[${name}] no "${event}" line within ${timeoutMs} ms; last lines:\n${tail()}`)); }, timeoutMs);
    const onEvt = (l: string) => { if (ok(l)) { cleanup(); resolve(l); } };
    const offExit = opts.onExit?.(() => { cleanup(); reject(new Error(`[${name}] exited before "${event}"; last lines:\n${tail()}`)); });
    const cleanup = () => { clearTimeout(timer); events.off('line', onEvt); offExit?.(); };
    events.on('line', onEvt);
  });
}

/** The exit codes after which systemd does not restart the worker: the unit's RestartPreventExitStatus=. */
export function restartPreventExitStatus(unit = join(REPO, 'systemd', 'shiptrack-worker.service')): number[] {
  const line = readFileSync(unit, 'utf8').split('\n').find((l) => l.startsWith('RestartPreventExitStatus='));
  if (!line) throw new Error(`${unit} has no RestartPreventExitStatus=`);
  return line.slice('RestartPreventExitStatus='.length).trim().split(/\s+/).map(Number);
}

/** What the supervisor did when the restart delay after an exit had passed. */
export interface RestartDecision { code: number | string; restarted: boolean }

/**
 * Plays systemd for the worker (Restart=always, RestartSec=restartMs, and the unit file's own
 * RestartPreventExitStatus=): after every exit it waits restartMs, then respawns the worker unless
 * the exit code is one the unit prevents or stop()/noRestart() was called. Either way it emits
 * 'decision' at that moment, so a test can observe "the restart delay passed and no restart
 * happened". Lines of all generations are collected in one list; each process stays in `procs`.
 */
export class Supervisor {
  readonly lines: string[] = [];
  readonly events = new EventEmitter();
  readonly exits: Array<number | string> = [];
  /** Every process started, in order: procs[generation - 1]. */
  readonly procs: WorkerProcess[] = [];
  readonly preventedExitCodes = restartPreventExitStatus();
  current: WorkerProcess | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly env: Record<string, string>, readonly name = 'worker', readonly restartMs = 300) {
    this.events.setMaxListeners(100);
  }

  get generation(): number { return this.procs.length; }

  start(): WorkerProcess {
    this.stopped = false;
    const w = spawnWorker(this.env, `${this.name}#${this.procs.length + 1}`);
    this.procs.push(w);
    this.current = w;
    w.events.on('line', (l: string) => { this.lines.push(l); this.events.emit('line', l); });
    void w.exited.then((code) => {
      this.exits.push(code);
      this.events.emit('exit', code);
      if (this.stopped || this.current !== w) return;
      this.timer = setTimeout(() => {
        const restart = !this.stopped && !(typeof code === 'number' && this.preventedExitCodes.includes(code));
        if (restart) this.start();
        this.events.emit('decision', { code, restarted: restart } satisfies RestartDecision);
      }, this.restartMs);
    });
    return w;
  }

  waitForLine(event: string | string[], opts: { timeoutMs?: number; from?: number; match?: (line: string) => boolean } = {}): Promise<string> {
    return lineWaiter(this.name, this.lines, this.events, event, opts);
  }

  waitForExit(timeoutMs = 15_000): Promise<number | string> {
    return this.once<number | string>('exit', timeoutMs);
  }

  /** Resolves when the restart delay after the next exit has passed, with what the supervisor did then. */
  waitForDecision(timeoutMs = 15_000): Promise<RestartDecision> {
    return this.once<RestartDecision>('decision', timeoutMs);
  }

  /** Stops respawning; the current process keeps running until it exits by itself. */
  noRestart(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Stops respawning and ends the current process with `signal`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string | undefined> {
    this.stopped = true;
    clearTimeout(this.timer);
    return this.current && this.current.exitCode === undefined ? this.current.kill(signal) : this.current?.exitCode;
  }

  private once<T>(event: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => { this.events.off(event, on); reject(new Error(`[${this.name}] no '${event}' within ${timeoutMs} ms`)); }, timeoutMs);
      const on = (v: T) => { clearTimeout(t); resolve(v); };
      this.events.once(event, on);
    });
  }
}
