// Regression: web installed its SIGTERM/SIGINT handlers only after READY=1 had been delivered, i.e.
// after systemd-notify exited. systemd may stop a unit as soon as it has read READY=1 (a
// `systemctl restart` right after a start); a SIGTERM in that window took Node's default action
// and killed web without draining (exit by signal, no web.stopping line). Here systemd-notify is
// wrapped so it lingers 1 s after delivering its message, which holds that window open: the
// SIGTERM sent the moment READY=1 arrives must still get a clean exit 0 and STOPPING=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createTestDatabase } from '../helpers/db.js';
import { binArgs } from '../helpers/bin.js';
import { freePort } from '../helpers/net.js';
import { notifySkipReason, startNotifyListener } from '../integration/notify-listener.js';
import { APP_ID } from '../integration/web-harness.js';

test('SIGTERM right after READY=1, while systemd-notify is still running: web stops cleanly (exit 0, STOPPING=1)', { skip: notifySkipReason, timeout: 60_000 }, async (t) => {
  const real = spawnSync('sh', ['-c', 'command -v systemd-notify'], { encoding: 'utf8' }).stdout.trim();
  const dir = mkdtempSync(join(tmpdir(), 'st-slow-notify-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'systemd-notify'), `#!/bin/sh\n${real} "$@"\nstatus=$?\nsleep 1\nexit $status\n`);
  chmodSync(join(dir, 'systemd-notify'), 0o755);

  const db = await createTestDatabase();
  t.after(() => db.close());
  const notify = await startNotifyListener(t);
  const web = spawn(process.execPath, binArgs('web'), {
    env: {
      PATH: `${dir}:${process.env.PATH ?? ''}`, NODE_ENV: 'test', DATABASE_URL: db.url, DISCORD_PUBLIC_KEY: 'ab'.repeat(32),
      DISCORD_APPLICATION_ID: APP_ID, HOST: '127.0.0.1', PORT: String(await freePort()), NOTIFY_SOCKET: notify.path,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => web.on('exit', (code, signal) => r({ code, signal })));
  t.after(() => { web.kill('SIGKILL'); });
  const out: string[] = [];
  createInterface({ input: web.stdout! }).on('line', (l) => out.push(l));
  createInterface({ input: web.stderr! }).on('line', (l) => out.push(l));

  await notify.waitFor('READY=1', (m) => m.startsWith('READY=1'));
  web.kill('SIGTERM');
  assert.deepEqual(await exited, { code: 0, signal: null }, out.join('\n'));
  assert.ok(out.some((l) => l.startsWith('<5>web.stopping ') && l.includes('signal=SIGTERM')), out.join('\n'));
  assert.equal(notify.messages.at(-1), 'STOPPING=1');
});
