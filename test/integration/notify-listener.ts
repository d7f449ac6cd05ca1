// Test support (not a test file): a stand-in for systemd's notify socket. Node cannot bind an
// AF_UNIX datagram socket, so a few lines of python3 (socket.recv_fds, Python >= 3.9) bind one,
// close the file descriptors systemd-notify passes along (which releases its BARRIER=1 wait, as
// PID 1 would) and print each datagram as a JSON string. What a process sends through
// src/systemd/notify.ts arrives here exactly as PID 1 would read it (sd_notify(3)).
import type { TestContext } from 'node:test';
import { spawn, spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** Why the live notify tests cannot run here, or false when they can. */
export const notifySkipReason: string | false = (() => {
  if (spawnSync('python3', ['-c', 'import socket; socket.recv_fds'], { stdio: 'ignore' }).status !== 0) return 'needs python3 (>= 3.9) to listen on a unix datagram socket';
  if (spawnSync('systemd-notify', ['--help'], { stdio: 'ignore' }).status !== 0) return 'needs systemd-notify on PATH';
  return false;
})();

const RECEIVER = [
  'import socket, sys, os, json',
  's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); print("listening", flush=True)',
  'while True:',
  '    msg, fds, _f, _a = socket.recv_fds(s, 65536, 16)',
  '    [os.close(fd) for fd in fds]',
  '    print(json.dumps(msg.decode()), flush=True)',
].join('\n');

export interface NotifyListener {
  /** The socket path: pass it as NOTIFY_SOCKET. */
  readonly path: string;
  /** Every datagram so far, in arrival order, without systemd-notify's BARRIER=1 handshakes. */
  readonly messages: string[];
  /** Resolves with the index of the first message (from index `from`) that `ok` accepts. */
  waitFor(what: string, ok: (msg: string) => boolean, opts?: { from?: number; timeoutMs?: number }): Promise<number>;
}

export async function startNotifyListener(t: TestContext): Promise<NotifyListener> {
  const dir = mkdtempSync(join(tmpdir(), 'shiptrack-notify-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'notify.sock');
  const child = spawn('python3', ['-u', '-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => { child.kill(); });
  const messages: string[] = [];
  const events = new EventEmitter();
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`notify receiver exited ${code}`)));
    lines.once('line', (l) => (l === 'listening' ? resolve() : reject(new Error(`notify receiver said ${l}`))));
  });
  lines.on('line', (l) => {
    const msg = JSON.parse(l) as string;
    if (msg === 'BARRIER=1') return;
    messages.push(msg);
    events.emit('message');
  });
  const waitFor: NotifyListener['waitFor'] = (what, ok, opts = {}) => new Promise((resolve, reject) => {
    const from = opts.from ?? 0;
    const check = () => {
      const i = messages.findIndex((m, j) => j >= from && ok(m));
      if (i < 0) return false;
      cleanup();
      resolve(i);
      return true;
    };
    const timeoutMs = opts.timeoutMs ?? 15_000;
    const timer = setTimeout(() => { cleanup(); reject(new Error(`no notify message ${what} within ${timeoutMs} ms; got ${JSON.stringify(messages)}`)); }, timeoutMs);
    const cleanup = () => { clearTimeout(timer); events.off('message', check); };
    if (!check()) events.on('message', check);
  });
  return { path, messages, waitFor };
}
