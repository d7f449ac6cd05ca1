// Issue 13, "No silent stall": a statement blocked behind another session's LOCK TABLE, or a
// database connection that stops answering, wedged the serial ingest with no log line while
// `shiptrack status` said healthy (last_event_at is stamped on arrival, heartbeat ACKs feed the
// watchdog). The worker runs in this process (createWorker) with its timeouts and thresholds
// scaled down; production defaults are in src/db/pool.ts and src/worker/status.ts.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { FakeDiscord } from '../../src/fake-discord/index.js';
import { findByMessageId } from '../../src/db/launches.js';
import { readWorkerStatus } from '../../src/db/gateway-state.js';
import { assess, nextDigestRun, type StatusReport } from '../../src/status/report.js';
import { needsRealPostgres, type TestDatabase } from '../helpers/db.js';
import { STALL_TIMING, runningAppFixture, type InProcessWorker } from './worker-faults-harness.js';
import { waitFor } from './worker-harness.js';
import { startStallProxy, type StallProxy } from '../helpers/stall-proxy.js';


interface Ctx { fake: FakeDiscord; db: TestDatabase; worker: InProcessWorker }

async function start(t: TestContext, databaseUrl: (db: TestDatabase) => Promise<string>): Promise<Ctx> {
  const { fake, db, worker } = await runningAppFixture(t, 'stall', STALL_TIMING, databaseUrl);
  // Settled: a first launch stored and reacted to, so start-up work (backfill, owed reactions) is done.
  const warm = postLaunch(fake, 'warm-up');
  await waitFor('the warm-up launch reacted to', async () => (await findByMessageId(db.pool, warm.id))?.reactedAt);
  await waitFor('the ingest idle in worker_status', async () => ((await readWorkerStatus(db.pool))?.ingestQueueDepth ?? 0) === 0);
  return { fake, db, worker };
}

const postLaunch = (fake: FakeDiscord, slug: string) =>
  fake.postMessage({ channelId: fake.channels.shipped, authorId: fake.members[0]!.id, content: `shipped https://example.com/${slug} today` });

test('issue 13: a database connection that stops answering is not a silent stall: slow call warned, read timeout retried, ingest.lagging, then stored once', { timeout: 60_000 }, async (t) => {
  let proxy!: StallProxy;
  const c = await start(t, async (db) => {
    proxy = await startStallProxy(db.url);
    t.after(() => proxy.close());
    return proxy.url;
  });
  const { fake, worker } = c;
  const from = worker.lines.length;
  proxy.stall();
  const m = postLaunch(fake, 'stalled');
  try {
    await stalled();
  } finally {
    proxy.resume(); // also when an assertion failed: teardown needs the database
  }
  await worker.waitForLine('ingest.caught_up', { from, timeoutMs: 20_000 });
  const row = await findByMessageId(c.db.pool, m.id);
  assert.ok(row, 'stored after the connection answered again');
  assert.equal((await c.db.pool.query('SELECT count(*)::int AS n FROM launches')).rows[0].n, 2);
  // The INSERT that timed out may have committed (its bytes were held, not dropped): the retry then
  // finds the row, and its 🚀 is still paid, once.
  await waitFor('the stalled launch reacted to', async () => (await findByMessageId(c.db.pool, m.id))?.reactedAt);
  assert.equal(fake.reactionPuts().filter((p) => p.messageId === m.id).length, 1);

  async function stalled(): Promise<void> {
    const slow = await worker.waitForLine('db.slow_query', { from, timeoutMs: 10_000, match: (l) => l.includes('INSERT INTO launches') });
    assert.match(slow, /^db\.slow_query proc=worker statement="INSERT INTO launches .*" waited_ms=300 statement_timeout_ms=1000$/);
    const retry = await worker.waitForLine('worker.retry', { from, timeoutMs: 10_000, match: (l) => l.includes('what=launch.insert') });
    assert.match(retry, /error="Query read timeout"/);
    const lagging = await worker.waitForLine('ingest.lagging', { from, timeoutMs: 10_000 });
    assert.match(lagging, / depth=1 /);
  }
});

test('issue 13: a table lock held by another session (up to 20 s): statement timeout retried, lag in worker_status, `status` reports it, then stored once', { skip: needsRealPostgres, timeout: 60_000 }, async (t) => {
  const c = await start(t, async (db) => db.url);
  const { fake, worker, db } = c;
  const locker = new pg.Client({ connectionString: db.url });
  locker.on('error', () => {}); // the database is dropped under it at teardown
  await locker.connect();
  t.after(() => locker.end());
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE launches IN ACCESS EXCLUSIVE MODE');
  const released = setTimeout(() => void locker.query('COMMIT'), 20_000);
  t.after(() => clearTimeout(released));
  const from = worker.lines.length;
  const m = postLaunch(fake, 'locked');
  try {
    await whileLocked();
  } finally {
    clearTimeout(released);
    await locker.query('COMMIT'); // also when an assertion failed: the worker's stop needs the table
  }
  await worker.waitForLine('ingest.caught_up', { from, timeoutMs: 20_000 });
  assert.ok(await findByMessageId(db.pool, m.id));
  assert.equal((await db.pool.query('SELECT count(*)::int AS n FROM launches')).rows[0].n, 2);
  const after = await waitFor('lag cleared in worker_status', async () => {
    const s = await readWorkerStatus(db.pool);
    return s && s.ingestQueueDepth === 0 ? s : undefined;
  });
  assert.equal(after.ingestOldestPendingAt, null);
  assert.ok(after.ingestLastHandledAt);

  async function whileLocked(): Promise<void> {
    assert.match(await worker.waitForLine('db.slow_query', { from, match: (l) => l.includes('INSERT INTO launches') }), /waited_ms=300/);
    assert.match(await worker.waitForLine('worker.retry', { from, match: (l) => l.includes('what=launch.insert') }), /canceling statement due to statement timeout/);
    await worker.waitForLine('ingest.lagging', { from });
    // The status row says how far behind the ingest is, and `shiptrack status` judges it.
    const row = await waitFor('lag in worker_status', async () => {
      const s = await readWorkerStatus(db.pool);
      return s?.ingestOldestPendingAt && s.ingestQueueDepth === 1 ? s : undefined;
    });
    assert.equal(row.state, 'ready');
    // What `shiptrack status` judges (collectStatus also counts launches, which the lock blocks).
    const now = new Date();
    const report: StatusReport = { now, worker: row, web: { ok: true, detail: 'ok' }, lastDigest: undefined, nextDigestAt: nextDigestRun(now), launchesThisWeek: 0 };
    const stuck = assess(report, { maxIngestLagMs: 1000 }).problems.filter((p) => p.startsWith('worker '));
    assert.equal(stuck.length, 1, stuck.join('; '));
    assert.match(stuck[0]!, /^worker ingest is stuck: the oldest of 1 unhandled events arrived \d+ s ago/);
    assert.deepEqual(assess(report).problems.filter((p) => p.startsWith('worker ')), [], 'under the default 2 minutes it is not a problem yet');
  }
});
