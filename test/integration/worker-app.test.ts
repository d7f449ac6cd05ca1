// The worker application object (createWorker, src/worker/app.ts) in this process against the fake
// Discord and a test database: the order of its one shutdown path, observed from outside (the fake
// sees close 4200, the pool sees the final session save, then the ingest halts, the status row is
// written, the lock is released and the pool ended), and the stops it decides by itself (fatal close
// 4004 → why=gateway_fatal, exit code 79; an unreachable database → why=start_failed, exit code 1).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { startFakeDiscord, type FakeDiscord } from '../../src/fake-discord/index.js';
import { systemClock } from '../../src/clock.js';
import { loadSession, readWorkerStatus } from '../../src/db/gateway-state.js';
import { acquireGatewayLock, type GatewayLock, type GatewayLockOptions } from '../../src/worker/lock.js';
import type { WorkerPool } from '../../src/worker/app.js';
import { createTestDatabase, needsRealPostgres, type TestDatabase } from '../helpers/db.js';
import { FAST_TIMING, HEARTBEAT_MS, startInProcessWorker, type InProcessWorker } from './worker-faults-harness.js';
import { captureLogger } from './worker-harness.js';

interface Ctx {
  fake: FakeDiscord;
  db: TestDatabase;
  worker: InProcessWorker;
  /** What happened, in order, once `record()` was called. */
  steps: string[];
  record(): void;
  /** Resolves when the worker has saved the session with this seq. */
  saved(seq: number): Promise<void>;
}

/**
 * A running worker whose pool, lock and log report into `steps`: the fake's gateway disconnects
 * (`gateway closed <code>`), session saves and status writes once they completed (`session saved
 * seq=<n>`, `status <state>`), `ingest halted`, `lock released`, `pool ended`.
 */
async function setup(t: TestContext, name: string): Promise<Ctx> {
  const fake = await startFakeDiscord({ heartbeatIntervalMs: HEARTBEAT_MS });
  t.after(() => fake.close());
  const db = await createTestDatabase();
  t.after(() => db.close());
  const steps: string[] = [];
  let recording = false;
  const step = (s: string) => { if (recording) steps.push(s); };
  const savedSeqs: Array<number | null> = [];
  const saveWaiters: Array<{ seq: number; resolve: () => void }> = [];
  fake.events.on('disconnect', (e: { code: number }) => step(`gateway closed ${e.code}`));
  const wrapPool = (pool: pg.Pool): WorkerPool => ({
    query: (async (text: string, values?: unknown[]) => {
      const r = await pool.query(text, values);
      if (text.includes('INSERT INTO gateway_sessions')) {
        const seq = (values?.[2] ?? null) as number | null;
        savedSeqs.push(seq);
        step(`session saved seq=${seq}`);
        for (const w of saveWaiters.filter((x) => x.seq === seq)) { saveWaiters.splice(saveWaiters.indexOf(w), 1); w.resolve(); }
      }
      if (text.includes('INSERT INTO worker_status')) step(`status ${String(values?.[2])}`);
      return r;
    }) as WorkerPool['query'],
    end: async () => { await pool.end(); step('pool ended'); },
  });
  const acquireLock = async (o: GatewayLockOptions): Promise<GatewayLock> => {
    const lock = await acquireGatewayLock(o);
    return {
      get lost() { return lock.lost; },
      onLost: (cb) => lock.onLost(cb),
      release: async () => { await lock.release(); step('lock released'); },
    };
  };
  const worker = startInProcessWorker({
    fake, databaseUrl: db.url, name, timing: FAST_TIMING, wrapPool, acquireLock,
    onLine: (l) => { if (l.startsWith('ingest.halted ')) step('ingest halted'); },
  });
  t.after(() => worker.app.stop('SIGTERM'));
  await worker.waitForLine('gateway.ready');
  return {
    fake, db, worker, steps,
    record: () => { recording = true; },
    saved: (seq) => (savedSeqs.includes(seq) ? Promise.resolve() : new Promise((resolve) => saveWaiters.push({ seq, resolve }))),
  };
}

/** Posts a launch and resolves with the seq of the MESSAGE_CREATE the fake sends for it. */
function postLaunch(fake: FakeDiscord, content: string): Promise<number> {
  // The fake may send the frame inside postMessage, so the listener goes first and matches the content.
  const seq = new Promise<number>((resolve) => {
    const on = (e: { frame: { t?: string | null; s?: number | null; d?: { content?: string } } }) => {
      if (e.frame.t === 'MESSAGE_CREATE' && e.frame.d?.content === content && typeof e.frame.s === 'number') { fake.events.off('gateway-sent', on); resolve(e.frame.s); }
    };
    fake.events.on('gateway-sent', on);
  });
  fake.postMessage({ channelId: fake.channels.shipped, authorId: fake.members[0]!.id, content });
  return seq;
}

const stoppingLines = (w: InProcessWorker) => w.lines.filter((l) => l.startsWith('worker.stopping '));

test('stop(SIGTERM): close 4200, then the final session save with the last processed seq, then ingest halted, status stopped, lock released, pool ended', async (t) => {
  const c = await setup(t, 'order');
  const { fake, worker } = c;
  const seq = await postLaunch(fake, 'shipped https://example.com/order today');
  // The handler finished and its seq is stored: nothing is in hand, so after stop() the only
  // session save is the final one.
  await c.saved(seq);
  const session = fake.gateway.sessions().find((s) => s.connected);
  assert.equal(session?.seq, seq, 'the MESSAGE_CREATE is the last dispatch the fake sent');

  c.record();
  const info = await worker.app.stop('SIGTERM');

  assert.deepEqual(info, { why: 'SIGTERM', exitCode: 0 });
  assert.deepEqual(c.steps, ['gateway closed 4200', `session saved seq=${seq}`, 'ingest halted', 'status stopped', 'lock released', 'pool ended']);
  assert.deepEqual(stoppingLines(worker), ['worker.stopping proc=worker why=SIGTERM exit_code=0']);
  assert.equal(worker.pool?.ended, true);
  assert.deepEqual(await loadSession(c.db.pool), { sessionId: session!.sessionId, seq, resumeUrl: fake.resumeGatewayUrl });
  assert.equal((await readWorkerStatus(c.db.pool))?.state, 'stopped');
  assert.equal(fake.gateway.connections(), 0);
  // A second stop() neither repeats the shutdown nor changes its answer.
  assert.deepEqual(await worker.app.stop('lock_lost'), { why: 'SIGTERM', exitCode: 0 });
  assert.equal(stoppingLines(worker).length, 1);
});

test('a fatal close 4004 stops the worker by itself: why=gateway_fatal, exit code 79, session forgotten, no reconnect, lock released, pool ended', async (t) => {
  const c = await setup(t, 'fatal');
  const { fake, worker } = c;
  await c.saved(await postLaunch(fake, 'shipped https://example.com/fatal today'));
  assert.ok(await loadSession(c.db.pool), 'a session is stored');
  const identifies = fake.gateway.identifyCount;
  c.record();
  fake.gateway.closeAll(4004, 'Authentication failed.');

  assert.deepEqual(await worker.app.stopping, { why: 'gateway_fatal', exitCode: 79 });
  assert.deepEqual(await worker.app.stopped, { why: 'gateway_fatal', exitCode: 79 });
  assert.match(await worker.waitForLine('gateway.fatal'), /^gateway\.fatal proc=worker code=4004 meaning="authentication failed: bot token invalid or reset" exit_code=79 /);
  assert.deepEqual(stoppingLines(worker), ['worker.stopping proc=worker why=gateway_fatal exit_code=79 detail="gateway closed with fatal code 4004 (authentication failed: bot token invalid or reset)"']);
  // The shard forgets the session when the close arrives and stop() saves that again; the status
  // row's own writes (closing, idle) run concurrently with those saves, so only the order the
  // stop imposes is asserted: both saves, then the ingest halted, then the final status, the
  // lock and the pool.
  assert.equal(c.steps[0], 'gateway closed 4004');
  const saves = c.steps.filter((s) => s.startsWith('session saved'));
  assert.deepEqual(saves, ['session saved seq=null', 'session saved seq=null']);
  assert.ok(c.steps.lastIndexOf('session saved seq=null') < c.steps.indexOf('ingest halted'), c.steps.join(', '));
  assert.deepEqual(c.steps.slice(c.steps.indexOf('ingest halted')).filter((s) => !/^status (closing|idle)$/.test(s)), ['ingest halted', 'status fatal', 'lock released', 'pool ended']);
  assert.equal(worker.pool?.ended, true);
  assert.equal(await loadSession(c.db.pool), undefined, 'a session Discord ended for good is not RESUMEd by the next start');
  assert.equal((await readWorkerStatus(c.db.pool))?.state, 'fatal');
  assert.equal(fake.gateway.connections(), 0);
  assert.equal(fake.gateway.identifyCount, identifies, 'no new IDENTIFY');
});

test('an unreachable database at start: worker.start_failed, then it stops itself with why=start_failed, exit code 1', async (t) => {
  const fake = await startFakeDiscord();
  t.after(() => fake.close());
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  const worker = startInProcessWorker({ fake, databaseUrl: 'postgres://shiptrack@127.0.0.1:1/shiptrack', name: 'no-db' });
  t.after(() => worker.app.stop('SIGTERM'));

  assert.deepEqual(await worker.app.stopped, { why: 'start_failed', exitCode: 1 });
  assert.match(await worker.waitForLine('worker.start_failed'), /DB_UNREACHABLE: database at 127\.0\.0\.1:1\/shiptrack is unreachable/);
  assert.equal(stoppingLines(worker).length, 1);
  assert.match(stoppingLines(worker)[0]!, /^worker\.stopping proc=worker why=start_failed exit_code=1 detail=/);
  assert.ok(!worker.lines.some((l) => l.startsWith('worker.starting') || l.startsWith('lock.')), 'nothing after the pool was attempted');
  assert.equal(fake.gateway.connections(), 0);
});

test('the lock is released at stop: a second worker waiting in standby acquires it', { skip: needsRealPostgres, timeout: 30_000 }, async (t) => {
  const c = await setup(t, 'handover');
  const { worker } = c;
  const second = captureLogger();
  const giveUp = new AbortController();
  t.after(() => giveUp.abort());
  let standby!: () => void;
  const inStandby = new Promise<void>((resolve) => { standby = resolve; });
  const acquired = acquireGatewayLock({ url: c.db.url, clock: systemClock, log: second.log, retryMs: 50, signal: giveUp.signal, onStandby: () => standby() })
    .then((lock) => { c.steps.push('second worker acquired the lock'); return lock; });
  await inStandby;
  c.record();
  await worker.app.stop('SIGTERM');
  const lock = await acquired;
  t.after(() => lock.release());
  const at = (s: string) => c.steps.indexOf(s);
  assert.ok(at('ingest halted') >= 0 && at('lock released') > at('ingest halted'), c.steps.join(', '));
  // The release happens in PostgreSQL before the first worker hears back, so the second one may
  // record its acquisition before 'lock released' is recorded: what must come first is every step
  // of the first worker's stop that precedes the release (its last status write).
  assert.ok(at('status stopped') > at('ingest halted') && at('second worker acquired the lock') > at('status stopped'), c.steps.join(', '));
  assert.ok(second.lines.some((l) => l.startsWith('lock.acquired ') && l.includes('after_standby=true')), second.lines.join('\n'));
});
