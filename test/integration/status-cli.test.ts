import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { createTestDatabase } from '../helpers/db.js';
import { writeWorkerStatus } from '../../src/db/gateway-state.js';
import { nextDigestRun } from '../../src/status/report.js';
import { binArgs } from '../helpers/bin.js';

function runStatus(env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, binArgs('status'), { env: { PATH: process.env.PATH, ...env } });
    let out = '', err = '';
    p.stdout.on('data', (d) => (out += d)); p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

test('status prints worker, web, digest and launches; exit code follows the verdict', async (t) => {
  const db = await createTestDatabase();
  t.after(() => db.close());
  let healthy = true;
  const server = createServer((req, res) => {
    res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: healthy, version: '0.1.0' }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const env = { DATABASE_URL: db.url, PORT: String((server.address() as AddressInfo).port) };

  const never = await runStatus(env);
  assert.equal(never.code, 1);
  assert.match(never.out, /worker:   never reported/);
  assert.match(never.out, /- worker has never reported/);

  await writeWorkerStatus(db.pool, { instance: 'host:42', state: 'ready', lastEventAt: new Date(), lastAckLatencyMs: 41, lastAckAt: new Date() });
  // The last scheduled window has a digest, so only the worker and web are judged.
  const lastRun = new Date(nextDigestRun(new Date()).getTime() - 7 * 86400_000);
  await db.pool.query(`INSERT INTO digests (window_start, window_end, iso_week, status, launch_count, finished_at)
    VALUES ($1, $2, 'W-last', 'empty', 0, now())`, [new Date(lastRun.getTime() - 7 * 86400_000), lastRun]);
  // Two 🚀 owed (one of them on a deleted launch, which is not counted), one refused, one paid.
  await db.pool.query(`INSERT INTO launches (source, channel_id, user_id, user_name, content, message_id, created_at, reacted_at, reaction_refused_at, reaction_refused_reason, deleted_at)
    VALUES ('channel', 1, 2, 'Ada', 'owed', 101, now(), NULL, NULL, NULL, NULL),
           ('channel', 1, 2, 'Ada', 'owed but deleted', 102, now(), NULL, NULL, NULL, now()),
           ('channel', 1, 2, 'Ada', 'refused', 103, now(), NULL, now(), 'HTTP 403 code 50013 Missing Permissions', NULL),
           ('channel', 1, 2, 'Ada', 'paid', 104, now(), now(), NULL, NULL, NULL)`);
  const ok = await runStatus(env);
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /worker:   ready on host:42/);
  assert.match(ok.out, /\n {10}reactions: 1 owed, 1 refused by Discord \(not retried\)\n/);
  assert.match(ok.out, /\(41 ms\)/);
  assert.match(ok.out, /web:      ok .*→ 200 \(version 0\.1\.0\)/);
  assert.match(ok.out, /digest:   W-last empty, 0 launches, 0\/0 parts posted/);
  assert.match(ok.out, /next run \d{4}-\d\d-\d\dT09:00:00Z/);
  assert.match(ok.out, /status:   OK/);

  healthy = false;
  const bad = await runStatus(env);
  assert.equal(bad.code, 1);
  assert.match(bad.out, /- web service unhealthy: .*→ 503/);
});
