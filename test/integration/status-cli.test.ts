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

function runStatus(env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...binArgs('status'), ...args], { env: { PATH: process.env.PATH, ...env } });
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
    // Unhealthy as the web service answers on a database behind this release (server.ts).
    res.end(JSON.stringify(healthy ? { ok: true, db: 'ok', version: '0.1.0' }
      : { ok: false, db: 'ok', schema: 'behind', reason: 'the database is at migration 9; this release needs 10: run shiptrack migrate', version: '0.1.0' }));
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
  // It listed two launches: one of its week, one logged late from the week before (issue 15).
  const lastStart = new Date(lastRun.getTime() - 7 * 86400_000);
  await db.pool.query(`INSERT INTO digests (window_start, window_end, iso_week, status, launch_count, finished_at)
    VALUES ($1, $2, 'W-last', 'done', 2, now())`, [lastStart, lastRun]);
  await db.pool.query(`INSERT INTO launches (source, channel_id, user_id, user_name, content, message_id, created_at, reacted_at, digest_window_start)
    VALUES ('channel', 1, 2, 'Ada', 'of its week', 105, $1::timestamptz + interval '1 day', now(), $1),
           ('channel', 1, 2, 'Ada', 'logged late', 106, $1::timestamptz - interval '3 days', now(), $1)`, [lastStart]);
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
  assert.match(ok.out, /digest:   W-last done, 2 launches \(incl\. 1 logged late from earlier weeks\), 0\/0 parts posted/);
  assert.match(ok.out, /next run \d{4}-\d\d-\d\dT09:00:00Z/);
  assert.match(ok.out, /status:   OK/);

  // --json: the same report as one object on stdout, the same exit code (issue 15).
  const okJson = await runStatus(env, ['--json']);
  assert.equal(okJson.code, 0, okJson.out + okJson.err);
  assert.equal(okJson.out.trim().split('\n').length, 1, 'one line');
  const j = JSON.parse(okJson.out);
  assert.equal(j.ok, true);
  assert.deepEqual(j.problems, []);
  assert.deepEqual(Object.keys(j.checks), ['worker', 'ingest', 'web', 'digest']);
  for (const c of Object.values(j.checks) as { ok: boolean; detail: string }[]) assert.equal(c.ok, true, c.detail);
  assert.equal(j.worker.state, 'ready');
  assert.equal(j.worker.instance, 'host:42');
  assert.equal(j.worker.lastAckLatencyMs, 41);
  assert.equal(j.worker.discordUnreachableSince, null);
  assert.deepEqual(j.reactions, { owed: 1, refused: 1 });
  assert.match(j.web.detail, /→ 200 \(version 0\.1\.0\)/);
  assert.deepEqual({ ...j.digest.last, finishedAt: typeof j.digest.last.finishedAt },
    { isoWeek: 'W-last', windowStart: lastStart.toISOString(), windowEnd: lastRun.toISOString(), status: 'done', launchCount: 2, lateLaunchCount: 1, parts: 0, posted: 0, finishedAt: 'string' });
  assert.equal(j.digest.nextRunAt, nextDigestRun(new Date(j.checkedAt)).toISOString());
  assert.deepEqual([j.digest.unfinished, j.digest.missed], [[], []]);
  assert.equal(typeof j.launchesThisWeek.count, 'number');

  healthy = false;
  const bad = await runStatus(env);
  assert.equal(bad.code, 1);
  assert.match(bad.out, /- web service unhealthy: .*→ 503 \(version 0\.1\.0; the database is at migration 9; this release needs 10: run shiptrack migrate\)\n/);
  const badJson = await runStatus(env, ['--json']);
  assert.equal(badJson.code, 1);
  const jb = JSON.parse(badJson.out);
  assert.equal(jb.ok, false);
  assert.equal(jb.checks.web.ok, false);
  assert.match(jb.checks.web.detail, /^web service unhealthy: .*→ 503/);
  assert.equal(jb.checks.worker.ok, true);
  assert.deepEqual(jb.problems, [jb.checks.web.detail]);
});

test('status --help mentions --json; an unknown option exits 64 with the usage', async () => {
  const help = await runStatus({}, ['--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /usage: shiptrack status \[--json\]/);
  assert.match(help.out, /--json {2,}the same report as one JSON object/);
  const bad = await runStatus({}, ['--jsn']);
  assert.equal(bad.code, 64);
  assert.equal(bad.out, '');
  assert.match(bad.err, /--jsn/);
  assert.match(bad.err, /usage: shiptrack status \[--json\]/);
});
