// `npm run worker` / shiptrack-worker.service: the gateway worker. Composes config, the pool, the
// gateway lock (standby until it is ours), REST, the gateway shard and the ingest; owns the
// process-level reactions: systemd notifications, lock loss, fatal close codes and SIGTERM.
//
// Exit codes: 0 after SIGTERM/SIGINT (gateway closed resumably, session saved, lock released);
// 1 when the lock connection is lost or start-up fails (systemd restarts us; the new process
// waits in standby if another worker took over); 78 bad configuration; 79 Discord closed the
// gateway with a fatal code (4004 bad token, 4010-4014): restarting cannot help.
// Every exit is announced by `worker.stopping why=<reason>` (STOP_EXIT_CODES): lock loss and a failed
// start both exit 1 for systemd, and the log line tells them apart for the sysadmin.
import { hostname } from 'node:os';
import { fatal, openDatabase, startProcess } from './bootstrap.js';
import { systemClock } from '../clock.js';
import { ExitCode, ShipTrackError, describeError } from '../errors.js';
import { loadSession, saveSession } from '../db/gateway-state.js';
import { DiscordApiError, RestClient } from '../discord/rest/client.js';
import { getGatewayBot } from '../discord/rest/api.js';
import { GatewayShard, GatewayIntent, type Dispatch, type SessionStore } from '../discord/gateway/index.js';
import { createNotifier, createWatchdogFeeder } from '../systemd/notify.js';
import { acquireGatewayLock, type GatewayLock } from '../worker/lock.js';
import { Ingest } from '../worker/ingest.js';
import { StatusReporter } from '../worker/status.js';

/** GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT = 33281 (docs/gateway.md §1.4). */
const INTENTS = GatewayIntent.Guilds | GatewayIntent.GuildMessages | GatewayIntent.MessageContent;
/** SIGTERM to exit: systemd's TimeoutStopSec is 10 s; we promise 5. */
const SHUTDOWN_DEADLINE_MS = 5000;

/** The `why=` of worker.stopping and worker.exit: one stable token per exit path, and its exit code. */
const STOP_EXIT_CODES = {
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
} as const;
type StopWhy = keyof typeof STOP_EXIT_CODES;

const rt = startProcess('worker');
const { config, log } = rt;
const clock = systemClock;
const instance = `${hostname()}:${process.pid}`;
const notifier = createNotifier({ env: process.env, log });
const watchdog = createWatchdogFeeder(notifier, clock);
const stopSignal = new AbortController();

let lock: GatewayLock | undefined;
let shard: GatewayShard | undefined;
let ingest: Ingest | undefined;
let status: StatusReporter | undefined;
let rest: RestClient | undefined;
let pool: Awaited<ReturnType<typeof openDatabase>> | undefined;
let exiting = false;

/** Bot tokens start with base64(user id): the bot's id before READY (a RESUME never sends READY). */
function botIdFromToken(token: string): string | undefined {
  try {
    const id = Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8');
    return /^\d{17,20}$/.test(id) ? id : undefined;
  } catch { return undefined; }
}

function tokenRejected(err: unknown): boolean {
  return (err instanceof DiscordApiError && err.status === 401) || (err instanceof ShipTrackError && err.code === 'REST_TOKEN_REJECTED');
}

/** One exit path: stop everything that runs, bounded by a hard timer, then exit with why's code. */
async function shutdown(why: StopWhy, detail?: string, opts: { resumable?: boolean; state?: string } = {}): Promise<never> {
  if (exiting) return new Promise<never>(() => {});
  exiting = true;
  const code = STOP_EXIT_CODES[why];
  const hard = setTimeout(() => { log.warn('worker.shutdown_forced', { after_ms: SHUTDOWN_DEADLINE_MS, why }); process.exit(code); }, SHUTDOWN_DEADLINE_MS);
  hard.unref();
  log.notice('worker.stopping', { why, exit_code: code, detail });
  stopSignal.abort(new Error(detail ?? why));
  // STOPPING=1 goes out now; the exit below waits for it (systemd-notify returns once PID 1 has
  // read it), or a quick exit - from standby, say - would kill the message with the process.
  const stoppingSent = code === ExitCode.ok ? notifier.stopping() : Promise.resolve(false);
  try {
    // The gateway first, resumably (close 4200, session saved with the last processed seq), so
    // the next holder RESUMEs and replays what we had not finished; then the ingest. After a fatal
    // close the socket is already gone and stop() only waits for the session to be forgotten.
    if (shard) await shard.stop({ resumable: opts.resumable ?? true }).catch((err: unknown) => log.warn('gateway.stop_failed', { error: describeError(err) }));
    await ingest?.halt(detail ?? why);
    if (status && !lock?.lost) await status.stop({ state: opts.state ?? 'stopped', detail: detail ?? why });
    else await status?.stop();
    await lock?.release();
    rest?.destroy();
    await pool?.end().catch(() => {});
  } catch (err) {
    log.error('worker.shutdown_error', { error: describeError(err) });
  }
  await stoppingSent;
  log.notice('worker.exit', { code, why });
  process.exit(code);
}

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => { void shutdown(sig); });
}

async function main(): Promise<void> {
  pool = await openDatabase(rt);
  const db = pool;
  log.info('worker.starting', { instance, channel_id: config.shippedChannelId, intents: INTENTS });

  let standbyNotified = false;
  lock = await acquireGatewayLock({
    url: config.databaseUrl, clock, log, signal: stopSignal.signal,
    onStandby: () => {
      // Under Type=notify a standby must still report READY, or systemd kills it at TimeoutStartSec.
      standbyNotified = true;
      void notifier.ready('standby: another worker holds the gateway lock');
    },
    onAttempt: () => watchdog.feed(),
  });
  const held = lock;

  const restRef = new RestClient({ baseUrl: config.discordApiBase, token: config.botToken, timeoutMs: config.restTimeoutMs, clock, log: log.child({ component: 'rest' }) });
  rest = restRef;
  const ingestRef = new Ingest({
    db, rest: restRef, clock, log, channelId: config.shippedChannelId, guildId: config.guildId,
    words: config.launchWords, minLength: config.launchMinLength, botUserId: botIdFromToken(config.botToken) ?? '',
    backfillWindowMs: config.workerBackfillHours * 3_600_000,
  });
  ingest = ingestRef;
  status = new StatusReporter({ db, clock, log, instance, lastEventAt: () => ingestRef.stats.lastEventAt });

  // Lock loss: stop handing events to the ingest at once (synchronously, before any other
  // callback can run), then stop the shard resumably and exit 1; systemd restarts us into standby.
  held.onLost((reason) => {
    void ingestRef.halt(`gateway lock lost: ${reason}`);
    void shutdown('lock_lost', `gateway lock lost: ${reason}`);
  });

  const sessionStore: SessionStore = {
    load: () => loadSession(db),
    // A worker that lost the lock must not overwrite the session of the one that took over. While
    // stopping for any other reason we still hold the lock (released last), and the shard's final
    // save is the one that records the last processed seq, so the next start replays nothing twice
    // and misses nothing (docs/gateway.md §1.6).
    save: async (s) => { if (!held.lost) await saveSession(db, s); },
  };
  const gw = new GatewayShard({
    token: config.botToken, intents: INTENTS, getGatewayBot: async () => {
      try {
        return await getGatewayBot(restRef);
      } catch (err) {
        // 401 on /gateway/bot is the REST form of close 4004: retrying would loop forever.
        if (tokenRejected(err)) void shutdown('token_rejected', 'bot token rejected (HTTP 401 on GET /gateway/bot; same meaning as gateway close 4004 authentication failed)', { state: 'fatal' });
        throw err;
      }
    },
    sessionStore,
    onDispatch: (d: Dispatch) => {
      const handled = ingestRef.handleDispatch(d.t, d.d);
      status?.noteEvent();
      return handled;
    },
    clock, log: log.child({ component: 'gateway' }),
  });
  shard = gw;
  gw.on('state', (_from: string, to: string, reason: string) => {
    if (!exiting && to !== 'ready') void status?.set(to, reason);
  });
  gw.on('ready', (e: { user?: { id: string } }) => {
    if (e.user?.id) ingestRef.setBotUserId(e.user.id);
    // A new session: Discord replays nothing from before it, so catch up from the cursor.
    void ingestRef.backfill();
    ingestRef.payOwedReactions();
    void status?.set('ready', 'READY (new session)');
    void notifier.ready('connected: READY');
    watchdog.feed({ now: true });
  });
  gw.on('resumed', (e: { replayed: number }) => {
    ingestRef.payOwedReactions();
    void status?.set('ready', `RESUMED (replayed ${e.replayed})`);
    void notifier.ready('connected: RESUMED');
    watchdog.feed({ now: true });
  });
  gw.on('heartbeatAck', (e: { latencyMs: number }) => {
    status?.ack(e.latencyMs);
    watchdog.feed();
  });
  gw.on('fatal', (e: { code: number; why: string }) => {
    log.error('gateway.fatal', { code: e.code, meaning: e.why, exit_code: ExitCode.gatewayFatal, hint: 'not restarting: fix the token/intents/config, then start the worker again' });
    void shutdown('gateway_fatal', `gateway closed with fatal code ${e.code} (${e.why})`, { resumable: false, state: 'fatal' });
  });

  await status.set('starting', standbyNotified ? 'took over from standby' : 'lock acquired');
  status.start();
  // Start-up: catch up on what happened while no worker was running, and pay owed reactions.
  void ingestRef.backfill();
  ingestRef.payOwedReactions();
  if (exiting) return;
  await gw.start();
}

main().catch((err: unknown) => {
  if (stopSignal.signal.aborted) return; // SIGTERM during standby or start-up: shutdown() exits.
  log.error('worker.start_failed', { error: describeError(err) });
  void shutdown('start_failed', describeError(err)).catch(() => fatal(log, err));
});
