// Owns the demo's child processes: spawn a compiled bin exactly as systemd would (plain node on
// dist/), keep its log lines, let the demo wait for a line, and stop it (SIGTERM, then SIGKILL).
// Does not know what the processes do.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { EventEmitter } from 'node:events';

export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly lines: string[];
  /** Resolves with the `nth` line (already seen or future) matching `re`. */
  waitForLine(re: RegExp, timeoutMs?: number, nth?: number): Promise<string>;
  /** Resolves with the exit code (signal → 128+n style string). */
  readonly exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | string>;
}

const live = new Set<Child>();

export function startChild(name: string, script: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Child {
  const proc = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: WriteStream = createWriteStream(logFile, { flags: 'a' });
  const lines: string[] = [];
  const bus = new EventEmitter();
  bus.setMaxListeners(100);
  for (const stream of [proc.stdout!, proc.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      log.write(line + '\n');
      bus.emit('line', line);
    });
  }
  const exited = new Promise<number | string>((resolve) => {
    proc.on('close', (code, signal) => { live.delete(child); log.end(); resolve(code ?? String(signal)); bus.emit('exit'); });
  });
  const child: Child = {
    name, proc, lines, exited,
    waitForLine(re, timeoutMs = 20_000, nth = 1) {
      const matching = () => lines.filter((l) => re.test(l));
      if (matching().length >= nth) return Promise.resolve(matching()[nth - 1]!);
      return new Promise((resolve, reject) => {
        const done = (err?: Error) => { clearTimeout(timer); bus.off('line', onLine); bus.off('exit', onExit); if (err) reject(err); else resolve(matching()[nth - 1]!); };
        const timer = setTimeout(() => done(new Error(`${name}: no line matching ${re} within ${timeoutMs} ms`)), timeoutMs);
        const onLine = (line: string) => { if (re.test(line) && matching().length >= nth) done(); };
        const onExit = () => done(new Error(`${name} exited before printing ${re}`));
        bus.on('line', onLine);
        bus.on('exit', onExit);
      });
    },
    async stop(signal = 'SIGTERM', graceMs = 8000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return exited;
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  live.add(child);
  return child;
}

/** Runs a one-shot bin to completion. */
export async function runOnce(name: string, script: string, args: string[], env: NodeJS.ProcessEnv, logFile: string, timeoutMs = 60_000): Promise<{ code: number | string; lines: string[] }> {
  const child = startChild(name, script, args, env, logFile);
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), timeoutMs);
  const code = await child.exited;
  clearTimeout(timer);
  return { code, lines: child.lines };
}

/** Stops every child still running (used on Ctrl-C and at the end). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop()));
}

