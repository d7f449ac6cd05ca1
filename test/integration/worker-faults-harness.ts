// Support for the worker fault suites (worker-faults-*.test.ts; not a test file): one fixture per
// test (a fake Discord, its own database behind a TCP proxy, a Supervisor playing systemd), a
// poster that keeps posting launches and chat while a fault is injected, and the per-fault tally:
// afterwards every launch-shaped message is stored exactly once and carries exactly one 🚀, no
// other message is stored. Prints one tally line per fault.
// For faults whose cost is a production wait (IDENTIFY spacing, the op 9 wait), the worker can
// instead run in this process (createWorker, src/worker/app.ts) with those timings scaled down:
// runningAppFixture and startInProcessWorker. Both kinds expose the same `lines`/`waitForLine`.
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { startFakeDiscord, type FakeDiscord } from '../../src/fake-discord/index.js';
import { getCursor } from '../../src/db/gateway-state.js';
import { compareSnowflakes } from '../../src/discord/snowflake.js';
import { RestClient } from '../../src/discord/rest/client.js';
import { systemClock, type Clock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { openDatabase } from '../../src/bin/bootstrap.js';
import { createWorker, type Worker, type WorkerDeps, type WorkerPool, type WorkerTiming } from '../../src/worker/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { Supervisor, lineWaiter, waitFor, type WorkerProcess } from './worker-harness.js';

export interface Posted { id: string; launch: boolean }

/**
 * The fake's heartbeat interval: short, so a zombie is detected within ~1 s, and long enough that
 * a busy machine does not miss the fake's own heartbeat timeout (2.5 intervals).
 */
export const HEARTBEAT_MS = 500;
/**
 * How often the poster posts. A fault that keeps the worker away for seconds (IDENTIFY spacing,
 * REST backoff) is tallied with the slow rate: whatever piles up is caught up afterwards at the
 * fake's reaction rate limit (1 per 250 ms, like Discord's), so a long outage at the fast rate
 * costs seconds of catch-up without testing anything more.
 */
export const POST_EVERY_MS = { fast: 200, slow: 500 } as const;

export interface Poster {
  readonly posted: Posted[];
  /** Resolves once `n` messages have been posted in all. */
  reached(n: number): Promise<void>;
  /** Posts `extra` more (after recovery), then stops. */
  stop(extra?: number): Promise<Posted[]>;
  /** Stops at once (a fault that failed). */
  cancel(): void;
}

/** Posts alternately a launch and a chat line every `everyMs` until stopped. */
export function startPoster(fake: FakeDiscord, fault: string, everyMs: number = POST_EVERY_MS.fast): Poster {
  const posted: Posted[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const authors = fake.members.map((m) => m.id);
  const post = () => {
    const i = posted.length;
    const launch = i % 2 === 0;
    const content = launch ? `shipped https://example.com/${fault}/${i} today` : `chatting during ${fault}, message ${i}`;
    posted.push({ id: fake.postMessage({ channelId: fake.channels.shipped, authorId: authors[i % authors.length]!, content }).id, launch });
    for (const w of waiters.filter((x) => posted.length >= x.n)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
  };
  post();
  const timer = setInterval(post, everyMs);
  timer.unref(); // a failed test must not be kept alive by its poster
  const reached = (n: number) => (posted.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })));
  return {
    posted,
    reached,
    async stop(extra = 3) {
      await reached(posted.length + extra);
      clearInterval(timer);
      return posted;
    },
    cancel: () => clearInterval(timer),
  };
}

/** A worker's log lines as they arrive: a spawned one (Supervisor) or one in this process. */
export interface WorkerLines {
  readonly lines: string[];
  /** Resolves with the first line from index `from` starting with `event` (one of them); rejects on timeout or when the worker stopped first. */
  waitForLine(event: string | string[], opts?: { timeoutMs?: number; from?: number; match?: (line: string) => boolean }): Promise<string>;
}

/** What runFault, resumed and readyAgain need: the fake, the database and the worker's lines. */
export interface FaultTarget { fake: FakeDiscord; db: TestDatabase; worker: WorkerLines }

/** `worker` is `sup`: the lines of every generation the Supervisor started. */
export interface Fixture extends FaultTarget { proxy: TcpProxy; sup: Supervisor; env: Record<string, string> }

/**
 * A fake Discord, a fresh database reached through a TCP proxy, and a (not yet started) Supervisor.
 * Teardown runs in reverse: the worker first (so nothing restarts it while its database goes away),
 * then the proxy, the database and the fake.
 */
export async function fixture(t: TestContext, name = 'w'): Promise<Fixture> {
  const undo: Array<() => Promise<unknown>> = [];
  t.after(async () => { for (const u of undo.reverse()) await u(); });
  const fake = await startFakeDiscord({ heartbeatIntervalMs: HEARTBEAT_MS });
  undo.push(() => fake.close());
  const db = await createTestDatabase();
  undo.push(() => db.close());
  const u = new URL(db.url);
  const proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
  undo.push(() => proxy.close());
  const env = {
    DATABASE_URL: proxy.rewrite(db.url), DISCORD_BOT_TOKEN: fake.botToken, SHIPPED_CHANNEL_ID: fake.channels.shipped,
    DISCORD_API_BASE: fake.apiBase, DISCORD_GUILD_ID: fake.guildId, WORKER_BACKFILL_HOURS: '0',
  };
  const sup = new Supervisor(env, name, 300);
  undo.push(() => sup.stop('SIGKILL'));
  return { fake, db, proxy, sup, env, worker: sup };
}

/** A fixture whose worker is up: gateway READY. */
export async function runningFixture(t: TestContext, name = 'w'): Promise<Fixture> {
  const f = await fixture(t, name);
  f.sup.start();
  await f.sup.waitForLine('gateway.ready', { timeoutMs: 20_000 });
  return f;
}

export const resumed = (f: FaultTarget, from: number) => f.worker.waitForLine('gateway.resumed', { from, timeoutMs: 20_000 });
export const readyAgain = (f: FaultTarget, from: number) => f.worker.waitForLine('gateway.ready', { from, timeoutMs: 20_000 });

export interface TallyOptions { repeatPutsAllowed?: boolean }
export interface FaultOptions extends TallyOptions { postEveryMs?: number }

/**
 * Posts while `inject` runs the fault (it gets the index of the first log line of this fault and
 * returns once the worker has recovered), then tallies.
 */
export async function runFault(f: FaultTarget, fault: string, inject: (from: number) => Promise<void>, opts: FaultOptions = {}): Promise<void> {
  const from = f.worker.lines.length;
  const poster = startPoster(f.fake, fault, opts.postEveryMs);
  try {
    await poster.reached(3);
    await inject(from);
    await tally(f, fault, await poster.stop(), opts);
  } finally {
    poster.cancel();
  }
}

/** Waits until everything posted is handled, then counts rows and reactions per message. */
export async function tally(f: Pick<FaultTarget, 'fake' | 'db'>, fault: string, posted: Posted[], opts: TallyOptions = {}): Promise<void> {
  const ch = f.fake.channels.shipped;
  const launches = posted.filter((p) => p.launch).map((p) => p.id);
  const all = posted.map((p) => p.id);
  const last = all.reduce((a, b) => (compareSnowflakes(a, b) >= 0 ? a : b));
  await waitFor(`${fault}: all handled`, async () => {
    const cursor = await getCursor(f.db.pool, ch);
    if (!cursor || compareSnowflakes(cursor, last) < 0) return false;
    const r = await f.db.pool.query('SELECT count(*)::int AS n FROM launches WHERE message_id = ANY($1::bigint[]) AND reacted_at IS NOT NULL', [launches]);
    return r.rows[0].n >= launches.length;
  }, 30_000, 50);
  const { rows } = await f.db.pool.query<{ id: string; n: number }>(
    'SELECT message_id::text AS id, count(*)::int AS n FROM launches WHERE message_id = ANY($1::bigint[]) GROUP BY message_id', [all]);
  const rowsById = new Map(rows.map((r) => [r.id, r.n]));
  const puts = f.fake.reactionPuts();
  const putsFor = (id: string) => puts.filter((p) => p.messageId === id).length;
  const stored = launches.filter((id) => rowsById.get(id) === 1).length;
  const reacted = launches.filter((id) => {
    const r = f.fake.reactions(ch, id);
    return r.length === 1 && r[0]!.emoji === '🚀' && r[0]!.userIds.length === 1 && r[0]!.userIds[0] === f.fake.botUserId;
  }).length;
  const doubles = [...rowsById.values()].filter((n) => n > 1).length;
  const repeatPuts = launches.filter((id) => putsFor(id) > 1).length;
  const wrong = all.filter((id) => !launches.includes(id) && rowsById.has(id)).length;
  console.log(`fault=${fault} posted=${posted.length} launches=${launches.length} stored=${stored} reacted=${reacted} doubles=${doubles} repeat_puts=${repeatPuts} non_launch_stored=${wrong}`);
  assert.equal(stored, launches.length, `${fault}: every launch stored exactly once`);
  assert.equal(reacted, launches.length, `${fault}: every launch carries exactly one 🚀 from the bot`);
  assert.equal(doubles, 0);
  assert.equal(wrong, 0, `${fault}: no chat message stored`);
  for (const id of launches) assert.ok(putsFor(id) >= 1, `${fault}: PUT for ${id}`);
  if (!opts.repeatPutsAllowed) assert.equal(repeatPuts, 0, `${fault}: one PUT per launch`);
}

/** How a worker process ended: the `why=` and `exit_code=` of its one worker.stopping line, and its real exit code. */
export function verdict(w: WorkerProcess): { why: string | undefined; announced: number | undefined; exit: number | string | undefined } {
  const stopping = w.lines.filter((l) => l.startsWith('worker.stopping '));
  assert.ok(stopping.length <= 1, `one worker.stopping line at most:\n${stopping.join('\n')}`);
  const line = stopping[0] ?? '';
  const announced = / exit_code=(\d+)/.exec(line)?.[1];
  return { why: / why=(\S+)/.exec(line)?.[1], announced: announced === undefined ? undefined : Number(announced), exit: w.exitCode };
}

/**
 * Production timings scaled down for in-process runs: IDENTIFY spacing 300 ms against a fake whose
 * IDENTIFY window is 250 ms (production: 5.5 s against Discord's 5 s, the margin absorbing jitter;
 * docs/gateway.md §1.11), the op 9 wait 50-250 ms instead of 1-5 s (docs/gateway.md §1.9),
 * reconnect backoff from 100 ms instead of 1 s, and the ingest's retry from 50 ms. Everything else
 * keeps its production value.
 */
export const FAST_TIMING = {
  gateway: { invalidSessionMinMs: 50, invalidSessionMaxMs: 250, backoffBaseMs: 100, backoffMaxMs: 2000 },
  identifySpacingMs: 300,
  ingestRetry: { baseMs: 50, maxMs: 1000 },
} as const satisfies WorkerTiming;

/**
 * FAST_TIMING with the database guards scaled down for stall tests (worker-stall, npm run faults):
 * slow call 300 ms, statement timeout 1 s, read timeout 1.5 s, lag warning 1 s. The lock connection
 * goes through the same stalling proxy; its liveness check is not what those tests look at.
 */
export const STALL_TIMING: WorkerTiming = {
  ...FAST_TIMING,
  db: { statementTimeoutMs: 1000, queryTimeoutMs: 1500, slowMs: 300 },
  statusIntervalMs: 200,
  ingestLagWarnMs: 1000,
  lock: { checkMs: 600_000 },
};
export const FAST_IDENTIFY_WINDOW_MS = 250;

export interface InProcessWorker extends WorkerLines {
  readonly app: Worker;
  /** The pool the worker opened (undefined until it did); the worker ends it when it stops. */
  readonly pool: pg.Pool | undefined;
}

export interface InProcessOptions {
  fake: FakeDiscord;
  databaseUrl: string;
  name?: string;
  timing?: WorkerTiming;
  /** Wraps the pool the worker opens (to observe its queries or its end). */
  wrapPool?: (pool: pg.Pool) => WorkerPool;
  acquireLock?: WorkerDeps['acquireLock'];
  /** Called with every log line as it is written. */
  onLine?: (line: string) => void;
  /** The REST client's clock (default the system clock): Retry-After windows run on it. */
  restClock?: Clock;
}

/**
 * createWorker in this process against the fake, configured from the same environment the spawned
 * worker gets, opening its pool as the bin does (openDatabase), logging at debug into `lines`;
 * started at once. Stop it with `app.stop(…)`.
 */
export function startInProcessWorker(o: InProcessOptions): InProcessWorker {
  const name = o.name ?? 'app';
  const lines: string[] = [];
  const events = new EventEmitter();
  events.setMaxListeners(100);
  const log = createLogger({ level: 'debug', write: (raw) => {
    const line = raw.replace(/^<\d>/, '');
    lines.push(line);
    if (process.env.WORKER_LOG) process.stderr.write(`${new Date().toISOString().slice(11, 23)} [${name}] ${line}\n`);
    o.onLine?.(line);
    events.emit('line', line);
  } }, { proc: 'worker' });
  const config = loadConfig('worker', {
    DATABASE_URL: o.databaseUrl, DISCORD_BOT_TOKEN: o.fake.botToken, SHIPPED_CHANNEL_ID: o.fake.channels.shipped,
    DISCORD_API_BASE: o.fake.apiBase, DISCORD_GUILD_ID: o.fake.guildId, WORKER_BACKFILL_HOURS: '0',
  }, { dotenvPath: false });
  let pool: pg.Pool | undefined;
  const app = createWorker({
    config, clock: systemClock, log, instance: `${name}:${process.pid}`,
    openPool: async () => {
      pool = await openDatabase({ config, log });
      return o.wrapPool ? o.wrapPool(pool) : pool;
    },
    rest: new RestClient({ baseUrl: config.discordApiBase, token: config.botToken, timeoutMs: config.restTimeoutMs, log: log.child({ component: 'rest' }), clock: o.restClock }),
    timing: o.timing, acquireLock: o.acquireLock,
  });
  let stopped = false;
  void app.stopped.then(() => { stopped = true; events.emit('stopped'); });
  void app.start();

  const waitForLine: WorkerLines['waitForLine'] = (event, opts = {}) => lineWaiter(name, lines, events, event, {
    ...opts,
    onExit: (cb) => {
      if (stopped) { queueMicrotask(cb); return () => {}; }
      events.once('stopped', cb);
      return () => events.off('stopped', cb);
    },
  });
  return { app, lines, waitForLine, get pool() { return pool; } };
}

export interface AppFixture extends FaultTarget { worker: InProcessWorker }

/**
 * A fake Discord (IDENTIFY window FAST_IDENTIFY_WINDOW_MS), a fresh database and an in-process
 * worker with `timing` (default FAST_TIMING) connected to `databaseUrl(db)` (default the database
 * itself; a test may put a proxy in between), up: gateway READY. Teardown stops the worker
 * (SIGTERM path) before the database and the fake go away.
 */
export async function runningAppFixture(t: TestContext, name = 'app', timing: WorkerTiming = FAST_TIMING,
  databaseUrl: (db: TestDatabase) => Promise<string> | string = (db) => db.url): Promise<AppFixture> {
  const undo: Array<() => Promise<unknown>> = [];
  t.after(async () => { for (const u of undo.reverse()) await u(); });
  const fake = await startFakeDiscord({ heartbeatIntervalMs: HEARTBEAT_MS, identifyWindowMs: FAST_IDENTIFY_WINDOW_MS });
  undo.push(() => fake.close());
  const db = await createTestDatabase();
  undo.push(() => db.close());
  const worker = startInProcessWorker({ fake, databaseUrl: await databaseUrl(db), name, timing });
  undo.push(() => worker.app.stop('SIGTERM'));
  await worker.waitForLine('gateway.ready', { timeoutMs: 20_000 });
  return { fake, db, worker };
}
