// Regression (issue 13, "No silent stall"): the digest's pool had no statement timeout. With
// `launches` locked by another session the weekly run waited on its SELECT for ever: no log line,
// no exit, so the unit's Restart=on-failure never got to retry it, and only TimeoutStartSec=15min
// ended it. Every digest statement is now bounded (DIGEST_DB_TIMEOUTS in src/bin/digest.ts,
// 15 s): the run fails with digest.db_stalled and exits 1, its claim released, and the next run
// (systemd's retry) posts the week once the lock is gone. The real bin runs as a child process;
// the lock needs a separate PostgreSQL session, so on embedded PGlite the test is skipped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { needsRealPostgres, type TestDatabase } from '../helpers/db.js';
import { ON_TIME, digestEnv, openDb, parseLine, type ProcResult } from '../integration/digest-harness.js';

/** Fields of every `event` line the run printed; warnings and errors go to stderr (src/log.ts). */
function errorEvents(r: ProcResult, event: string): Record<string, string>[] {
  return r.stderr.split('\n').map(parseLine).filter((e) => e?.event === event).map((e) => e!.fields);
}

let db: TestDatabase | undefined;
before(async () => { if (!needsRealPostgres) db = await openDb(); });
after(async () => { await db?.close(); });

test('a digest run blocked by a lock on launches exits 1 with digest.db_stalled within the statement timeout; the retry posts the week',
  { skip: needsRealPostgres, timeout: 90_000 }, async (t) => {
    const env = await digestEnv(t, db!);
    await env.seed(3);
    const expected = await env.expectedParts();

    const locker = new pg.Client({ connectionString: db!.url });
    locker.on('error', () => {}); // the file's database is dropped with (FORCE) at the end
    await locker.connect();
    t.after(() => locker.end().catch(() => {}));
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE launches IN ACCESS EXCLUSIVE MODE');

    const proc = env.start(['--now', ON_TIME]);
    t.after(() => { proc.child.kill('SIGKILL'); });
    const r = await proc.done;
    const log = `${r.stdout}${r.stderr}`;
    assert.equal(r.code, 1, log);
    // 15 s statement timeout, plus start-up; today the process never exited.
    assert.ok(r.ms < 30_000, `took ${r.ms} ms to fail`);
    const stalled = errorEvents(r, 'digest.db_stalled');
    assert.equal(stalled.length, 1, log);
    assert.match(stalled[0]!.error!, /statement timeout/);
    assert.equal(stalled[0]!.statement_timeout_ms, '15000');
    assert.equal(errorEvents(r, 'digest.failed')[0]?.claim_released, 'true', log);
    assert.equal(errorEvents(r, 'process.fatal').length, 1, log);
    assert.equal(env.posts().length, 0, 'nothing posted');

    // systemd's retry once the lock is gone: the same window, posted in full.
    await locker.query('ROLLBACK');
    const retry = await env.run(['--now', ON_TIME]);
    assert.equal(retry.code, 0, `${retry.stdout}${retry.stderr}`);
    assert.deepEqual(env.bodies().map((b) => b.content), expected);
    assert.equal((await env.digestRow())?.status, 'done');
  });
