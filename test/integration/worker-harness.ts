// Test support for the worker suites (not a test file): a capturing logger, a bounded poll for
// state that has no event, and running the REAL worker (`node --import tsx src/bin/worker.ts`)
// as a child process against the fake Discord, with its log lines observable as events.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import { createLogger, type Logger } from '../../src/log.js';

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
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bin/worker.ts'], {
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
    if (process.env.WORKER_LOG) process.stderr.write(`[${name}] ${line}\n`);
    events.emit('line', line);
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => {
    exitCode = code ?? signal ?? 'unknown';
    resolve(exitCode);
  }));
  const waitForLine: WorkerProcess['waitForLine'] = (event, opts = {}) => new Promise((resolve, reject) => {
    const ok = (l: string) => (l === event || l.startsWith(`${event} `)) && (!opts.match || opts.match(l));
    const seen = lines.slice(opts.from ?? 0).find(ok);
    if (seen) return resolve(seen);
    const timeoutMs = opts.timeoutMs ?? 15_000;
    const timer = setTimeout(() => { cleanup(); reject(new Error(`[${name}] no "${event}" line within ${timeoutMs} ms; last lines:\n${lines.slice(-15).join('\n')}`)); }, timeoutMs);
    const onEvt = (l: string) => { if (ok(l)) { cleanup(); resolve(l); } };
    const onExit = () => { cleanup(); reject(new Error(`[${name}] exited (${String(exitCode)}) before "${event}"; last lines:\n${lines.slice(-15).join('\n')}`)); };
    const cleanup = () => { clearTimeout(timer); events.off('line', onEvt); child.off('exit', onExit); };
    events.on('line', onEvt);
    child.once('exit', onExit);
  });
  return {
    child, lines, events, waitForLine, exited,
    get exitCode() { return exitCode; },
    async kill(signal = 'SIGTERM') {
      if (exitCode === undefined) child.kill(signal);
      return exited;
    },
  };
}
