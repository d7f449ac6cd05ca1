// Test support for the worker suites (not a test file): a capturing logger, a bounded poll for
// state that has no event, and running the REAL worker (`node <compiled tree>/bin/worker.js`, compiled as production runs it)
// as a child process against the fake Discord, with its log lines observable as events.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import { createLogger, type Logger } from '../../src/log.js';
import { binArgs } from '../helpers/bin.js';

export function captureLogger(level: 'info' | 'debug' = 'debug'): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = createLogger({ level, write: (line) => { lines.push(line.replace(/^<\d>/, '')); } });
  return { log, lines };
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

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly events: EventEmitter;
  /** Resolves with the first log line starting with `event` (already seen ones count, from `from`). */
  waitForLine(event: string, opts?: { timeoutMs?: number; from?: number; match?: (line: string) => boolean }): Promise<string>;
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

/** Resolves with the first line (from index `from`) starting with `event`; rejects on timeout or exit. */
function lineWaiter(name: string, lines: string[], events: EventEmitter, event: string,
  opts: { timeoutMs?: number; from?: number; match?: (line: string) => boolean; onExit?: (cb: () => void) => () => void }): Promise<string> {
  return new Promise((resolve, reject) => {
    const ok = (l: string) => (l === event || l.startsWith(`${event} `)) && (!opts.match || opts.match(l));
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

/**
 * Plays systemd for the worker (Restart=always, RestartSec=restartMs, RestartPreventExitStatus=
 * 78 79): respawns it after every exit except those codes and except after stop(). Lines of all
 * generations are collected in one list, tagged by generation in `generations`.
 */
export class Supervisor {
  readonly lines: string[] = [];
  readonly events = new EventEmitter();
  readonly exits: Array<number | string> = [];
  current: WorkerProcess | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private gen = 0;

  constructor(readonly env: Record<string, string>, readonly name = 'worker', readonly restartMs = 300) {
    this.events.setMaxListeners(100);
  }

  get generation(): number { return this.gen; }

  start(): WorkerProcess {
    this.stopped = false;
    const w = spawnWorker(this.env, `${this.name}#${++this.gen}`);
    this.current = w;
    w.events.on('line', (l: string) => { this.lines.push(l); this.events.emit('line', l); });
    void w.exited.then((code) => {
      this.exits.push(code);
      this.events.emit('exit', code);
      if (this.stopped || code === 78 || code === 79 || this.current !== w) return;
      this.timer = setTimeout(() => { if (!this.stopped) this.start(); }, this.restartMs);
    });
    return w;
  }

  waitForLine(event: string, opts: { timeoutMs?: number; from?: number; match?: (line: string) => boolean } = {}): Promise<string> {
    return lineWaiter(this.name, this.lines, this.events, event, opts);
  }

  waitForExit(timeoutMs = 15_000): Promise<number | string> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`[${this.name}] did not exit within ${timeoutMs} ms`)), timeoutMs);
      this.events.once('exit', (code: number | string) => { clearTimeout(t); resolve(code); });
    });
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
}
