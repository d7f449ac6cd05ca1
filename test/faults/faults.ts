// `npm run faults` (issue 13, "The fault suite at scale"; driven by test/faults/run.mjs, never part
// of npm test): every worker fault of the fault suites (test/integration/worker-faults-*.test.ts,
// worker-stall.test.ts, test/regressions/reactions-never-hold-up-launches.test.ts) with at least
// 200 launch-shaped messages posted into #i-shipped of the fake Discord before, during and after
// the fault, then a wait until everything posted is stored and carries its 🚀, and one table row
// per fault. Exits 1 when any fault has a double, a loss or did not catch up.
//
// The workers are the same as in the fault suites: the real worker as `node <compiled>/bin/worker.js`
// under a Supervisor playing systemd, or createWorker in this process with FAST_TIMING where a
// production wait would dominate. The fake's 🚀 bucket is widened from Discord's 1 per 250 ms to
// 50 per second (the global limit), so 200 reactions take seconds, not a minute, per fault.
//
// `node test/faults/run.mjs op9 stall` runs only the faults whose name contains one of the words.
import type { TestContext } from 'node:test';
import pg from 'pg';
import { startFakeDiscord, type FakeDiscord, type RecordedRequest } from '../../src/fake-discord/index.js';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/db.js';
import {
  FAST_IDENTIFY_WINDOW_MS, FAST_TIMING, HEARTBEAT_MS, readyAgain, resumed, runningAppFixture, runningFixture,
  STALL_TIMING, startInProcessWorker, type FaultTarget, type Fixture,
} from '../integration/worker-faults-harness.js';
import { Supervisor } from '../integration/worker-harness.js';
import { JumpClock } from '../helpers/jump-clock.js';
import { startStallProxy, type StallProxy } from '../helpers/stall-proxy.js';

/** Launch-shaped messages per fault, at least; BEFORE of them before the fault, AFTER after it. */
const MIN_POSTED = Number(process.env.FAULTS_MIN_POSTED) || 200;
const BEFORE = Math.round(MIN_POSTED * 0.35);
const AFTER = Math.round(MIN_POSTED * 0.35);
/** One launch every POST_EVERY_MS (50 a second: the 🚀 rate below, so the bot can keep up outside a fault). */
const POST_EVERY_MS = 20;
const CATCH_UP_TIMEOUT_MS = 120_000;
const REACTION_ROUTE = 'PUT /channels/:id/messages/:id/reactions/:reaction/@me';

interface Row {
  fault: string; posted: number; stored: number; reacted: number; doubles: number; lost: number;
  catchUpS: number | undefined; rePuts: number; rePutsAllowed?: boolean; note: string; failed: boolean;
}
const rows: Row[] = [];
const only = process.argv.slice(2);
const wanted = (fault: string) => only.length === 0 || only.some((w) => fault.includes(w));

// ---------------------------------------------------------------------------------------------
// A TestContext stand-in for the harness fixtures (they only use t.after).

class Scope {
  private readonly undo: Array<() => unknown> = [];
  after(fn: () => unknown): void { this.undo.push(fn); }
  get t(): TestContext { return this as unknown as TestContext; }
  async close(): Promise<void> {
    for (const u of this.undo.reverse()) {
      try { await u(); } catch (err) { console.error(`# teardown: ${String(err)}`); }
    }
  }
}

async function group(name: string, faults: string[], body: (s: Scope) => Promise<void>, skip?: string): Promise<void> {
  const mine = faults.filter(wanted);
  if (mine.length === 0) return;
  if (skip) {
    for (const fault of mine) rows.push({ fault, posted: 0, stored: 0, reacted: 0, doubles: 0, lost: 0, catchUpS: undefined, rePuts: 0, note: `skipped: ${skip}`, failed: false });
    printRowsSoFar();
    return;
  }
  const s = new Scope();
  try {
    await body(s);
  } catch (err) {
    console.error(`# ${name}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    for (const fault of mine) {
      if (!rows.some((r) => r.fault === fault)) rows.push({ fault, posted: 0, stored: 0, reacted: 0, doubles: 0, lost: 0, catchUpS: undefined, rePuts: 0, note: `not run: ${name} failed`, failed: true });
    }
  } finally {
    await s.close();
  }
}

const widenReactions = (fake: FakeDiscord) => fake.rest.setBucket(REACTION_ROUTE, 50, 1);

// ---------------------------------------------------------------------------------------------
// Posting and counting.

interface Poster { ids: string[]; reached(n: number): Promise<void>; stop(): void }

function startPoster(fake: FakeDiscord, fault: string): Poster {
  const ids: string[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const authors = fake.members.map((m) => m.id);
  const post = () => {
    const i = ids.length;
    ids.push(fake.postMessage({ channelId: fake.channels.shipped, authorId: authors[i % authors.length]!, content: `shipped https://example.com/${fault}/${i} today` }).id);
    for (const w of waiters.filter((x) => ids.length >= x.n)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
  };
  const timer = setInterval(post, POST_EVERY_MS);
  post();
  return {
    ids,
    reached: (n) => (ids.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }))),
    stop: () => clearInterval(timer),
  };
}

interface MeasureOptions {
  /** Repeated 🚀 PUTs of one message are expected (the worker died between Discord's answer and its own record); shown, not counted as doubles. */
  repeatPutsAllowed?: boolean;
}

/**
 * Posts BEFORE launches, runs `inject` (given the index of the worker's next log line; it returns
 * once the worker recovered, optionally with a note), posts until at least AFTER more and
 * MIN_POSTED in all, then waits until caught up and adds the row.
 */
async function measure(f: Pick<FaultTarget, 'fake' | 'db'> & { worker: { lines: string[] } }, fault: string,
  inject: (from: number, poster: Poster) => Promise<string | void>, opts: MeasureOptions = {}): Promise<void> {
  if (!wanted(fault)) return;
  const poster = startPoster(f.fake, fault);
  let note = '';
  let injectFailed = false;
  try {
    await poster.reached(BEFORE);
    const t0 = Date.now();
    try {
      note = (await inject(f.worker.lines.length, poster)) ?? '';
    } catch (err) {
      injectFailed = true;
      note = `fault did not go as expected: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`;
    }
    const during = poster.ids.length - BEFORE;
    note = [`fault ${((Date.now() - t0) / 1000).toFixed(1)} s, ${during} posted during`, note].filter(Boolean).join('; ');
    await poster.reached(Math.max(MIN_POSTED, poster.ids.length + AFTER));
  } finally {
    poster.stop();
  }
  const stoppedAt = Date.now();
  const ids = [...poster.ids];
  const caughtUp = await waitCaughtUp(f, ids);
  const catchUpS = caughtUp ? (Date.now() - stoppedAt) / 1000 : undefined;
  const row = await count(f, fault, ids, opts);
  rows.push({ ...row, catchUpS, note, rePutsAllowed: opts.repeatPutsAllowed, failed: injectFailed || row.doubles > 0 || row.lost > 0 || !caughtUp || row.reacted < row.posted });
  printRowsSoFar();
}

/** Every posted message has a row with reacted_at set and a 🚀 PUT at the fake; false on timeout. */
async function waitCaughtUp(f: Pick<FaultTarget, 'fake' | 'db'>, ids: string[]): Promise<boolean> {
  const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
  const want = new Set(ids);
  for (;;) {
    const put = new Set(f.fake.reactionPuts().filter((p) => want.has(p.messageId)).map((p) => p.messageId));
    if (put.size >= ids.length) {
      try {
        const r = await f.db.pool.query('SELECT count(DISTINCT message_id)::int AS n FROM launches WHERE message_id = ANY($1::bigint[]) AND reacted_at IS NOT NULL', [ids]);
        if (r.rows[0].n >= ids.length) return true;
      } catch { /* the database may be cut in this moment: ask again */ }
    }
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function count(f: Pick<FaultTarget, 'fake' | 'db'>, fault: string, ids: string[], opts: MeasureOptions) {
  const ch = f.fake.channels.shipped;
  const { rows: found } = await f.db.pool.query<{ id: string; n: number }>(
    'SELECT message_id::text AS id, count(*)::int AS n FROM launches WHERE message_id = ANY($1::bigint[]) GROUP BY message_id', [ids]);
  const byId = new Map(found.map((r) => [r.id, r.n]));
  const putsById = new Map<string, number>();
  const want = new Set(ids);
  for (const p of f.fake.reactionPuts()) if (want.has(p.messageId) && p.emoji === '🚀') putsById.set(p.messageId, (putsById.get(p.messageId) ?? 0) + 1);
  const rowDoubles = ids.filter((id) => (byId.get(id) ?? 0) > 1).length;
  const rePuts = ids.filter((id) => (putsById.get(id) ?? 0) > 1).length;
  // What a member sees: more than one reaction (or another emoji) on a message is a double too.
  const shownTwice = ids.filter((id) => {
    const r = f.fake.reactions(ch, id);
    return r.length > 1 || r.some((x) => x.userIds.length > 1);
  }).length;
  return {
    fault, posted: ids.length,
    stored: ids.filter((id) => byId.has(id)).length,
    reacted: putsById.size,
    doubles: rowDoubles + shownTwice + (opts.repeatPutsAllowed ? 0 : rePuts),
    lost: ids.filter((id) => !byId.has(id)).length,
    rePuts,
  };
}

// ---------------------------------------------------------------------------------------------
// The table.

const HEAD = ['fault', 'posted', 'stored', 'reacted', 'doubles', 'lost', 'catch-up s', 're-PUTs', 'note'];
function cells(r: Row): string[] {
  if (r.note.startsWith('skipped') || r.note.startsWith('not run')) return [r.fault, '-', '-', '-', '-', '-', '-', '-', r.note];
  return [r.fault, String(r.posted), String(r.stored), String(r.reacted), String(r.doubles), String(r.lost),
    r.catchUpS === undefined ? 'TIMEOUT' : r.catchUpS.toFixed(1), r.rePuts ? `${r.rePuts}${r.rePutsAllowed ? ' (allowed)' : ''}` : '0',
    (r.failed ? 'FAIL ' : '') + r.note];
}
function printRowsSoFar(): void {
  const last = rows[rows.length - 1];
  if (last) console.log(`# ${cells(last).map((c, i) => `${HEAD[i]}=${c}`).join(' | ')}`);
}
function printTable(): void {
  const all = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 || i === r.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(`\nworker faults at scale on ${backend === 'postgres' ? 'real PostgreSQL' : 'embedded PGlite'} (at least ${MIN_POSTED} launches posted per fault)`);
  console.log(line(HEAD));
  console.log(`|${widths.map((w, i) => (i === 0 || i === HEAD.length - 1 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of all.slice(1)) console.log(line(r));
}

// ---------------------------------------------------------------------------------------------
// The faults, grouped by fixture as in the fault suites.

const realPg = backend === 'postgres' ? undefined : 'needs separate PostgreSQL sessions (set TEST_DATABASE_URL)';

async function main(): Promise<number> {

/** worker-faults-gateway.test.ts: the real worker RESUMEs (close 1000 needs a new session). */
await group('gateway', ['tcp-drop', 'zombie', 'op7-reconnect', 'close-4000', 'close-1001', 'close-1000'], async (s) => {
  const f = await runningFixture(s.t, 'gateway');
  widenReactions(f.fake);
  const { fake, sup } = f;
  await measure(f, 'tcp-drop', async (from) => { fake.gateway.dropAll(); await resumed(f, from); });
  await measure(f, 'zombie', async (from) => {
    fake.gateway.stopAcking();
    try { await sup.waitForLine('gateway.zombie', { from, timeoutMs: 10_000 }); } finally { fake.gateway.stopAcking(false); }
    await resumed(f, from);
  });
  await measure(f, 'op7-reconnect', async (from) => { fake.gateway.sendReconnect(); await resumed(f, from); });
  await measure(f, 'close-4000', async (from) => { fake.gateway.closeAll(4000, 'Unknown error'); await resumed(f, from); });
  await measure(f, 'close-1001', async (from) => { fake.gateway.closeAll(1001, 'Going away'); await resumed(f, from); });
  await measure(f, 'close-1000', async (from) => { fake.gateway.closeAll(1000, 'Normal closure'); await readyAgain(f, from); });
});

/** worker-faults-identify.test.ts and worker-faults-op9.test.ts: in this process with FAST_TIMING. */
await group('identify+op9', ['close-4007', 'close-4009', 'op9-true', 'op9-false'], async (s) => {
  const f = await runningAppFixture(s.t, 'identify');
  widenReactions(f.fake);
  const { fake, worker } = f;
  await measure(f, 'close-4007', async (from) => { fake.gateway.closeAll(4007, 'Invalid seq'); await readyAgain(f, from); });
  await measure(f, 'close-4009', async (from) => { fake.gateway.closeAll(4009, 'Session timed out'); await readyAgain(f, from); });
  await measure(f, 'op9-true', async (from) => { fake.gateway.invalidateSessions(true); await resumed(f, from); });
  await measure(f, 'op9-false', async (from) => {
    fake.gateway.invalidateSessions(false);
    await readyAgain(f, from);
    await worker.waitForLine('backfill.done', { from });
  });
});

/** worker-faults-rest.test.ts: 429s then more 503s than the REST client retries. */
await group('rest', ['reactions-429-5xx'], async (s) => {
  const f = await runningFixture(s.t, 'rest');
  widenReactions(f.fake);
  await measure(f, 'reactions-429-5xx', async (from) => {
    f.fake.rest.script({ method: 'PUT', path: /reactions/, status: 429, retryAfterSec: 0.2, times: 2 });
    f.fake.rest.script({ method: 'PUT', path: /reactions/, status: 503, times: 4 });
    await f.sup.waitForLine('worker.retry', { from, match: (l) => l.includes('what=reaction.put'), timeoutMs: 20_000 });
  });
});

/** worker-faults-process.test.ts: SIGKILL and a Postgres outage (lock lost, restarts fail, take-over). */
await group('process', ['worker-sigkill', 'postgres-outage'], async (s) => {
  const f = await runningFixture(s.t, 'process');
  widenReactions(f.fake);
  const { sup } = f;
  await measure(f, 'worker-sigkill', async (from) => {
    const decision = sup.waitForDecision();
    await sup.current!.kill('SIGKILL');
    await decision;
    await resumed(f, from);
  }, { repeatPutsAllowed: true });
  await measure(f, 'postgres-outage', async (from) => {
    f.proxy.cut();
    try {
      await sup.waitForLine('lock.lost', { from, timeoutMs: 15_000 });
      await sup.waitForLine('worker.stopping', { from, match: (l) => l.includes('why=start_failed'), timeoutMs: 15_000 });
    } finally {
      f.proxy.restore();
    }
    await sup.waitForLine('lock.acquired', { from, timeoutMs: 20_000 });
    await sup.waitForLine(['gateway.resumed', 'gateway.ready'], { from, timeoutMs: 20_000 });
    return `${sup.generation} generations so far`;
  }, { repeatPutsAllowed: true });
});

/** worker-faults-standby.test.ts: a hot standby takes over from a killed holder; a holder loses its lock session. */
await group('standby', ['standby-takeover', 'lock-loss'], async (s) => {
  const f: Fixture = await runningFixture(s.t, 'holder');
  widenReactions(f.fake);
  const { sup } = f;
  const standby = new Supervisor(f.env, 'standby', 300);
  s.after(() => standby.stop('SIGKILL'));
  standby.start();
  await standby.waitForLine('worker.standby', { timeoutMs: 20_000 });
  // Both workers' lines: the measure's `from` is not used by these injections.
  await measure(f, 'standby-takeover', async () => {
    const from = standby.lines.length;
    await sup.stop('SIGKILL'); // no restart: the standby must take over
    await standby.waitForLine('lock.acquired', { from, match: (l) => l.includes('after_standby=true'), timeoutMs: 15_000 });
    await standby.waitForLine(['gateway.resumed', 'gateway.ready'], { from, timeoutMs: 20_000 });
  }, { repeatPutsAllowed: true });
  const back = sup.lines.length;
  sup.start(); // the old worker comes back and waits as standby
  await sup.waitForLine('worker.standby', { from: back, timeoutMs: 20_000 });
  await measure(f, 'lock-loss', async () => {
    const from = sup.lines.length;
    const holderFrom = standby.lines.length;
    standby.noRestart(); // the take-over is by the other worker, not by this one's restart
    await f.db.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_locks
      WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
    await standby.waitForLine('lock.lost', { from: holderFrom, timeoutMs: 15_000 });
    await sup.waitForLine('lock.acquired', { from, match: (l) => l.includes('after_standby=true'), timeoutMs: 15_000 });
    await sup.waitForLine(['gateway.resumed', 'gateway.ready'], { from, timeoutMs: 20_000 });
  }, { repeatPutsAllowed: true });
}, realPg);

/** worker-stall.test.ts: a database connection that stops answering (bytes held, not dropped). */
await group('db-stall', ['db-stall'], async (s) => {
  let proxy!: StallProxy;
  const f = await runningAppFixture(s.t, 'stall', STALL_TIMING, async (db) => {
    proxy = await startStallProxy(db.url);
    s.after(() => proxy.close());
    return proxy.url;
  });
  widenReactions(f.fake);
  await measure(f, 'db-stall', async (from) => {
    proxy.stall();
    try {
      await f.worker.waitForLine('worker.retry', { from, match: (l) => l.includes('Query read timeout'), timeoutMs: 15_000 });
      await f.worker.waitForLine('ingest.lagging', { from, timeoutMs: 15_000 });
    } finally {
      proxy.resume();
    }
    await f.worker.waitForLine('ingest.caught_up', { from, timeoutMs: 30_000 });
  });
});

/** worker-stall.test.ts: a table lock held by another session (real PostgreSQL: separate sessions). */
await group('table-lock', ['table-lock'], async (s) => {
  const f = await runningAppFixture(s.t, 'locked', STALL_TIMING);
  widenReactions(f.fake);
  const locker = new pg.Client({ connectionString: f.db.url });
  locker.on('error', () => {});
  await locker.connect();
  s.after(() => locker.end());
  await measure(f, 'table-lock', async (from) => {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE launches IN ACCESS EXCLUSIVE MODE');
    try {
      await f.worker.waitForLine('worker.retry', { from, match: (l) => l.includes('what=launch.insert'), timeoutMs: 15_000 });
      await f.worker.waitForLine('ingest.lagging', { from, timeoutMs: 15_000 });
    } finally {
      await locker.query('COMMIT');
    }
    await f.worker.waitForLine('ingest.caught_up', { from, timeoutMs: 30_000 });
  });
}, realPg);

/**
 * reactions-never-hold-up-launches.test.ts, with the whole worker: the 🚀 route answers one 429
 * with Retry-After 600 s. Every launch posted meanwhile must be stored while no 🚀 is sent; then
 * the REST client's clock jumps 600 s (the window passes) and the 🚀s are paid.
 */
await group('reaction-retry-after', ['reaction-429-retry-after-600s'], async (s) => {
  const fake = await startFakeDiscord({ heartbeatIntervalMs: HEARTBEAT_MS, identifyWindowMs: FAST_IDENTIFY_WINDOW_MS });
  s.after(() => fake.close());
  widenReactions(fake);
  const db = await createTestDatabase();
  s.after(() => db.close());
  const clock = new JumpClock();
  const worker = startInProcessWorker({ fake, databaseUrl: db.url, name: 'retry-after', timing: FAST_TIMING, restClock: clock });
  s.after(() => worker.app.stop('SIGTERM'));
  await worker.waitForLine('gateway.ready', { timeoutMs: 20_000 });
  await measure({ fake, db, worker }, 'reaction-429-retry-after-600s', async (_from, poster) => {
    let limited = false;
    const on = (r: RecordedRequest) => { if (r.status === 429 && r.route.includes('/reactions/')) limited = true; };
    fake.events.on('request', on);
    try {
      fake.rest.script({ method: 'PUT', path: /reactions/, status: 429, retryAfterSec: 600, times: 1 });
      await waitUntil('the 429 on the 🚀 route', () => limited, 15_000);
      const puts = fake.reactionPuts().length;
      const heldFrom = poster.ids.length;
      await poster.reached(heldFrom + AFTER);
      const ids = [...poster.ids];
      const t0 = Date.now();
      await waitUntil('every launch posted in the window stored', async () =>
        (await db.pool.query('SELECT count(*)::int AS n FROM launches WHERE message_id = ANY($1::bigint[])', [ids])).rows[0].n >= ids.length, 30_000);
      const heldPuts = fake.reactionPuts().length - puts;
      if (heldPuts > 0) throw new Error(`${heldPuts} 🚀 PUTs went out inside the Retry-After window`);
      clock.jump(600_000);
      return `all ${ids.length} posted so far stored (${ids.length - heldFrom} of them after the 429) ${((Date.now() - t0) / 1000).toFixed(1)} s after, with no 🚀 sent; then the 600 s passed`;
    } finally {
      fake.events.off('request', on);
    }
  });
});

printTable();
const failed = rows.filter((r) => r.failed);
if (failed.length) console.log(`\n${failed.length} fault(s) failed: ${failed.map((r) => r.fault).join(', ')}`);
if (realPg) console.log('# standby-takeover, lock-loss and table-lock need real PostgreSQL: TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run faults');
return failed.length ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Helpers (as in worker-stall.test.ts and reactions-never-hold-up-launches.test.ts).

async function waitUntil(what: string, fn: () => unknown, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try { if (await fn()) return; } catch { /* ask again */ }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}


process.exit(await main());
