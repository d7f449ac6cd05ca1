// Owns the gateway worker as one application object: start-up (pool, gateway lock with standby,
// ingest, status row, gateway shard), the reactions to lock loss, fatal closes and a rejected
// token, and the one ordered shutdown path. Does not read the environment, handle signals, arm
// the hard shutdown deadline or exit the process: src/bin/worker.ts does, from `stopping`/`stopped`.
import type { Config } from '../config.js';
import type { Clock } from '../clock.js';
import { ExitCode, ShipTrackError, describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { guardQueries, type Queryable, type QueryGuardOptions } from '../db/pool.js';
import { loadSession, saveSession } from '../db/gateway-state.js';
import { DiscordApiError, type RestClient } from '../discord/rest/client.js';
import { getGatewayBot } from '../discord/rest/api.js';
import { isSnowflake } from '../discord/snowflake.js';
import { GatewayIntent, GatewayShard, IdentifyLimiter, type Dispatch, type GatewayTiming, type SessionStore } from '../discord/gateway/index.js';
import { createNotifier, createWatchdogFeeder, type Notifier, type WatchdogFeeder } from '../systemd/notify.js';
import { acquireGatewayLock, type GatewayLock, type GatewayLockOptions } from './lock.js';
import { Ingest } from './ingest.js';
import { StatusReporter } from './status.js';
import { Liveness } from './liveness.js';
import { ChannelWatch } from './channel-watch.js';
import type { TimerHandle } from '../clock.js';

/** GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT = 33281 (docs/gateway.md §1.4). */
export const INTENTS = GatewayIntent.Guilds | GatewayIntent.GuildMessages | GatewayIntent.MessageContent;

/** The `why=` of worker.stopping and worker.exit: one stable token per exit path, and its exit code. */
export const STOP_EXIT_CODES = {
  SIGTERM: ExitCode.ok,
  SIGINT: ExitCode.ok,
  /** The advisory-lock connection died: another worker may hold the gateway now. */
  lock_lost: ExitCode.failure,
  /** Something threw before the gateway started (database unreachable, …). */
  start_failed: ExitCode.failure,
  /** Discord closed the gateway with 4004 or 4010-4014. */
  gateway_fatal: ExitCode.gatewayFatal,
  /** GET /gateway/bot answered 401: the REST form of close 4004. */
  token_rejected: ExitCode.gatewayFatal,
  /** Another ShipTrack keeps resuming our gateway session (same bot token, another database). */
  session_conflict: ExitCode.sessionConflict,
} as const;
export type StopWhy = keyof typeof STOP_EXIT_CODES;

/** Why the worker stopped and the exit code that reason maps to. */
export interface StopInfo { why: StopWhy; exitCode: number }

export interface StopOptions {
  /** Close 4200 and keep the session (default); false closes 1000 and forgets it. */
  resumable?: boolean;
  /** The final worker_status state (default 'stopped'; skipped when the lock was lost). */
  state?: string;
}

export type WorkerConfig = Pick<Config, 'databaseUrl' | 'botToken' | 'shippedChannelId' | 'guildId' | 'launchWords' | 'launchMinLength' | 'workerBackfillHours'>;

/** The pool the worker runs on; stop() ends it last. */
export type WorkerPool = Queryable & { end(): Promise<void> };

/**
 * The gateway session and the backfill cursor are written at most this often while events flow
 * (issue 14: a write per event cost more than the event). Both only say where a restart resumes;
 * what they lag is replayed and de-duplicated by the idempotent store.
 */
const STATE_WRITE_MS = 500;

/** Every timing the worker passes down; omitted ones keep the production defaults. */
export interface WorkerTiming {
  gateway?: GatewayTiming;
  /** IDENTIFY spacing per concurrency bucket (IdentifyLimiter, default 5500 ms; docs/gateway.md §1.11). */
  identifySpacingMs?: number;
  /**
   * Session and cursor writes while events flow: at most one each per this many ms (default 500),
   * and always at a new session, before a backfill and at shutdown. Replayed events are
   * de-duplicated (docs/gateway.md §3.4), so a crash between two writes loses nothing.
   */
  stateWriteMs?: number;
  /** The ingest's retry backoff for one event (default 500 ms doubling to 15 s). */
  ingestRetry?: { baseMs?: number; maxMs?: number };
  lock?: Pick<GatewayLockOptions, 'retryMs' | 'checkMs' | 'checkTimeoutMs'>;
  /** worker_status refresh (default 15 s). */
  statusIntervalMs?: number;
  /** Statement and read timeouts and the slow-call warning on the worker's pool (src/db/pool.ts guardQueries). */
  db?: Pick<QueryGuardOptions, 'statementTimeoutMs' | 'queryTimeoutMs' | 'slowMs'>;
  /** ingest.lagging once the oldest unhandled event is this old (default 60 s). */
  ingestLagWarnMs?: number;
  /** First gateway.unreachable after this long without a gateway connection (default 60 s; then 2×, 4×, …, hourly). */
  unreachableWarnMs?: number;
  /** What the watchdog pings depend on (src/worker/liveness.ts); see watchdogHealth() for the defaults. */
  watchdog?: { dbStaleMs?: number; gatewayStallMs?: number };
}

/**
 * The liveness thresholds: the database must have answered within four status refreshes (60 s);
 * the gateway must have made progress within the longest legitimate pause of its reconnect loop
 * (the backoff cap, a HELLO timeout and a close, plus 30 s for GET /gateway/bot and IDENTIFY
 * pacing: 123 s with the defaults). Connected, progress is a heartbeat ACK every ~41 s.
 */
export function watchdogHealth(timing: WorkerTiming): { dbStaleMs: number; gatewayStallMs: number } {
  const g = timing.gateway ?? {};
  return {
    dbStaleMs: timing.watchdog?.dbStaleMs ?? 4 * (timing.statusIntervalMs ?? 15_000),
    gatewayStallMs: timing.watchdog?.gatewayStallMs ?? (g.backoffMaxMs ?? 60_000) + (g.helloTimeoutMs ?? 30_000) + (g.closeTimeoutMs ?? 3000) + 30_000,
  };
}

export interface WorkerDeps {
  config: WorkerConfig;
  clock: Clock;
  log: Logger;
  /** `host:pid`, written to worker_status. */
  instance: string;
  /** Opens the pool (the bin: openDatabase). Called by start(); a failure is a start failure. */
  openPool: () => Promise<WorkerPool>;
  /** The Discord REST client; the worker destroys it when it stops. */
  rest: RestClient;
  /** Default: no systemd (every notification a no-op). */
  notifier?: Notifier;
  watchdog?: WatchdogFeeder;
  /** Default acquireGatewayLock (src/worker/lock.ts). */
  acquireLock?: (o: GatewayLockOptions) => Promise<GatewayLock>;
  timing?: WorkerTiming;
}

export interface Worker {
  /**
   * Opens the pool, waits for the gateway lock (standby while another worker holds it) and starts
   * the gateway. Never rejects: a failure logs worker.start_failed and stops the worker
   * (why=start_failed), which `stopping`/`stopped` report like every other stop.
   */
  start(): Promise<void>;
  /**
   * The one shutdown path, in order: gateway closed resumably (4200, final session save with the
   * last processed seq), ingest halted, status row written, lock released, REST destroyed, pool
   * ended. Later calls return the first call's result.
   */
  stop(why: StopWhy, detail?: string, opts?: StopOptions): Promise<StopInfo>;
  /** Resolves when a stop begins, whether asked for or decided by the worker (lock lost, fatal close, …). */
  readonly stopping: Promise<StopInfo>;
  /** Resolves when that stop has finished. */
  readonly stopped: Promise<StopInfo>;
}

/** Bot tokens start with base64(user id): the bot's id before READY (a RESUME never sends READY). */
export function botIdFromToken(token: string): string | undefined {
  try {
    const id = Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8');
    return isSnowflake(id) ? id : undefined;
  } catch { return undefined; }
}

function tokenRejected(err: unknown): boolean {
  return (err instanceof DiscordApiError && err.status === 401) || (err instanceof ShipTrackError && err.code === 'REST_TOKEN_REJECTED');
}

export function createWorker(deps: WorkerDeps): Worker {
  const { config, clock, log, rest } = deps;
  const timing = deps.timing ?? {};
  const notifier = deps.notifier ?? createNotifier({ log });
  const watchdog = deps.watchdog ?? createWatchdogFeeder(notifier, clock);
  const acquireLock = deps.acquireLock ?? acquireGatewayLock;
  const stopSignal = new AbortController();

  let pool: WorkerPool | undefined;
  let lock: GatewayLock | undefined;
  let shard: GatewayShard | undefined;
  let ingest: Ingest | undefined;
  let status: StatusReporter | undefined;
  let watchdogTimer: TimerHandle | undefined;
  let started = false;
  /** Set by the first stop(), before anything is torn down: from then on nothing new starts. */
  let stopInfo: StopInfo | undefined;
  let announceStopping!: (info: StopInfo) => void;
  const stopping = new Promise<StopInfo>((resolve) => { announceStopping = resolve; });
  let announceStopped!: (info: StopInfo) => void;
  const stopped = new Promise<StopInfo>((resolve) => { announceStopped = resolve; });

  function stop(why: StopWhy, detail?: string, opts: StopOptions = {}): Promise<StopInfo> {
    if (stopInfo) return stopped;
    const info: StopInfo = { why, exitCode: STOP_EXIT_CODES[why] };
    stopInfo = info;
    log.notice('worker.stopping', { why, exit_code: info.exitCode, detail });
    stopSignal.abort(new Error(detail ?? why));
    announceStopping(info);
    void shutdown(info, detail ?? why, opts).then(announceStopped);
    return stopped;
  }

  async function shutdown(info: StopInfo, detail: string, opts: StopOptions): Promise<StopInfo> {
    // STOPPING=1 goes out now; the stop waits for it (systemd-notify returns once PID 1 has read
    // it), or a quick exit - from standby, say - would kill the message with the process.
    const stoppingSent = info.exitCode === ExitCode.ok ? notifier.stopping() : Promise.resolve(false);
    clock.clearInterval(watchdogTimer);
    watchdogTimer = undefined;
    try {
      // The gateway first, resumably (close 4200, session saved with the last processed seq), so
      // the next holder RESUMEs and replays what we had not finished; then the ingest. After a fatal
      // close the socket is already gone and stop() only waits for the session to be forgotten.
      if (shard) await shard.stop({ resumable: opts.resumable ?? true }).catch((err: unknown) => log.warn('gateway.stop_failed', { error: describeError(err) }));
      await ingest?.halt(detail);
      if (status && !lock?.lost) await status.stop({ state: opts.state ?? 'stopped', detail });
      else await status?.stop();
      await lock?.release();
      rest.destroy();
      await pool?.end().catch(() => {});
    } catch (err) {
      log.error('worker.shutdown_error', { error: describeError(err) });
    }
    await stoppingSent;
    return info;
  }

  async function run(): Promise<void> {
    // Anything acquired after stop() began is given back here: stop() only sees what was in place.
    const db = guardQueries(await deps.openPool(), { log, clock, ...timing.db });
    if (stopInfo) { await db.end().catch(() => {}); return; }
    pool = db;
    log.info('worker.starting', { instance: deps.instance, channel_id: config.shippedChannelId, intents: INTENTS });

    let standbyNotified = false;
    const held = await acquireLock({
      url: config.databaseUrl, clock, log, signal: stopSignal.signal, ...timing.lock,
      onStandby: () => {
        // Under Type=notify a standby must still report READY, or systemd kills it at TimeoutStartSec.
        standbyNotified = true;
        void notifier.ready('standby: another worker holds the gateway lock');
      },
      onAttempt: () => watchdog.feed(),
    });
    if (stopInfo) { await held.release(); return; }
    lock = held;

    const ing = new Ingest({
      db, rest, clock, log, channelId: config.shippedChannelId, guildId: config.guildId,
      words: config.launchWords, minLength: config.launchMinLength, botUserId: botIdFromToken(config.botToken) ?? '',
      backfillWindowMs: config.workerBackfillHours * 3_600_000, ...(timing.ingestRetry ? { retry: timing.ingestRetry } : {}),
      cursorWriteMs: timing.stateWriteMs ?? STATE_WRITE_MS,
    });
    ingest = ing;
    // The watchdog reflects the process's own health, never Discord's availability (src/worker/liveness.ts).
    const liveness = new Liveness({ clock, log, ...watchdogHealth(timing) });
    const st = new StatusReporter({
      db, clock, log, instance: deps.instance, lastEventAt: () => ing.stats.lastEventAt, intervalMs: timing.statusIntervalMs,
      ingestLag: () => ing.lag(), lagWarnMs: timing.ingestLagWarnMs, unreachableWarnMs: timing.unreachableWarnMs,
      onWriteOk: () => liveness.dbAnswered(),
    });
    status = st;
    // From the first READY=1 on (systemd expects no ping before it; TimeoutStartSec= covers the
    // start), one WATCHDOG=1 per gap while the process is healthy, whether Discord answers or not.
    const startWatchdog = () => {
      if (watchdogTimer !== undefined || stopInfo || !watchdog.enabled || watchdog.gapMs === undefined) return;
      watchdogTimer = clock.setInterval(() => { if (!stopInfo && liveness.check()) watchdog.feed(); }, watchdog.gapMs);
    };

    // Lock loss: stop handing events to the ingest at once (synchronously, before any other
    // callback can run), then stop the shard resumably; the bin exits 1 and systemd restarts us
    // into standby.
    held.onLost((reason) => {
      void ing.halt(`gateway lock lost: ${reason}`);
      void stop('lock_lost', `gateway lock lost: ${reason}`);
    });

    // The channel check (issue 15; src/worker/channel-watch.ts): the worker keeps running with a
    // problem, since the fix is made in Discord and reaches us as a gateway event.
    const channelWatch = new ChannelWatch({
      guildId: config.guildId, channelId: config.shippedChannelId, botId: botIdFromToken(config.botToken) ?? '', log,
      record: (problem) => { void st.setChannelProblem(problem); },
    });

    const sessionStore: SessionStore = {
      load: () => loadSession(db),
      // A worker that lost the lock must not overwrite the session of the one that took over. While
      // stopping for any other reason we still hold the lock (released after the gateway), and the
      // shard's final save is the one that records the last processed seq, so the next start
      // replays nothing twice and misses nothing (docs/gateway.md §1.6).
      save: async (s) => { if (!held.lost) await saveSession(db, s); },
    };
    const gwLog = log.child({ component: 'gateway' });
    const gw = new GatewayShard({
      token: config.botToken, intents: INTENTS, getGatewayBot: async () => {
        try {
          return await getGatewayBot(rest);
        } catch (err) {
          // 401 on /gateway/bot is the REST form of close 4004: retrying would loop forever.
          if (tokenRejected(err)) void stop('token_rejected', 'bot token rejected (HTTP 401 on GET /gateway/bot; same meaning as gateway close 4004 authentication failed)', { state: 'fatal' });
          throw err;
        }
      },
      sessionStore,
      onDispatch: (d: Dispatch) => {
        try { channelWatch.handle(d.t, d.d); } catch (err) { log.warn('worker.channel_check_failed', { event: d.t, error: describeError(err) }); }
        const handled = ing.handleDispatch(d.t, d.d);
        st.noteEvent();
        return handled;
      },
      clock, log: gwLog, timing: { sessionSaveMs: timing.stateWriteMs ?? STATE_WRITE_MS, ...timing.gateway },
      identifyLimiter: new IdentifyLimiter({
        clock, log: gwLog, ...(timing.identifySpacingMs !== undefined ? { spacingMs: timing.identifySpacingMs } : {}),
        // Waiting out a used-up daily quota is progress, however long (the watchdog must not restart us for it).
        onQuotaWait: (untilMs) => liveness.gatewayWaitsUntil(untilMs),
      }),
    });
    shard = gw;
    gw.on('attempt', () => {
      liveness.gatewayProgressed();
      st.noteAttempt();
    });
    gw.on('state', (_from: string, to: string, reason: string) => {
      if (!stopInfo && to !== 'ready') void st.set(to, reason);
    });
    gw.on('ready', (e: { user?: { id: string } }) => {
      if (e.user?.id) ing.setBotUserId(e.user.id);
      // A new session: Discord replays nothing from before it, so catch up from the cursor.
      void ing.backfill();
      ing.payOwedReactions();
      void st.set('ready', 'READY (new session)');
      void notifier.ready('connected: READY');
      liveness.gatewayProgressed();
      watchdog.feed({ now: true });
      startWatchdog();
    });
    gw.on('resumed', (e: { replayed: number }) => {
      ing.payOwedReactions();
      void st.set('ready', `RESUMED (replayed ${e.replayed})`);
      void notifier.ready('connected: RESUMED');
      liveness.gatewayProgressed();
      watchdog.feed({ now: true });
      startWatchdog();
    });
    gw.on('heartbeatAck', (e: { latencyMs: number }) => {
      st.ack(e.latencyMs);
      liveness.gatewayProgressed();
    });
    gw.on('conflict', (e: { takeovers: number; windowMs: number }) => {
      log.error('gateway.session_conflict', {
        error: 'another ShipTrack is connected with this bot token', takeovers: e.takeovers, within_ms: e.windowMs, exit_code: ExitCode.sessionConflict,
        hint: 'two installations share the bot token (a restored backup on another server?): stop one of them for good, then start this one again if it is the one to keep',
      });
      void stop('session_conflict', `another ShipTrack is connected with this bot token (our gateway session was taken over ${e.takeovers} times within ${e.windowMs} ms)`, { state: 'conflict' });
    });
    gw.on('fatal', (e: { code: number; why: string }) => {
      log.error('gateway.fatal', { code: e.code, meaning: e.why, exit_code: ExitCode.gatewayFatal, hint: 'not restarting: fix the token/intents/config, then start the worker again' });
      void stop('gateway_fatal', `gateway closed with fatal code ${e.code} (${e.why})`, { resumable: false, state: 'fatal' });
    });

    await st.set('starting', standbyNotified ? 'took over from standby' : 'lock acquired');
    if (stopInfo) return;
    st.start();
    // Start-up: catch up on what happened while no worker was running, and pay owed reactions.
    void ing.backfill();
    ing.payOwedReactions();
    await gw.start();
  }

  return {
    async start() {
      if (started) throw new Error('worker start() called twice');
      started = true;
      try {
        await run();
      } catch (err) {
        if (stopSignal.signal.aborted) return; // stopped during standby or start-up: stop() reports
        log.error('worker.start_failed', { error: describeError(err) });
        void stop('start_failed', describeError(err));
      }
    },
    stop,
    stopping,
    stopped,
  };
}
