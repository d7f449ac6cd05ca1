// The digest run as a function of its command line and environment: exit code out. The bin
// (src/bin/digest.ts, what shiptrack-digest.service runs) calls it with the real process; tests
// call it in-process for what does not need a process of its own, and spawn the bin for what does
// (signals, exit by itself, peak RSS). Which window, and whether it was already posted, is decided
// in run.ts.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { fatalExitCode, openDatabase, startRuntime } from '../bin/bootstrap.js';
import type { Env } from '../config.js';
import { isTimedOutQuery } from '../db/pool.js';
import { ExitCode, describeError } from '../errors.js';
import { DiscordApiError, RestClient } from '../discord/rest/client.js';
import { recordTokenCheck } from '../db/token-checks.js';
import type { Queryable } from '../db/pool.js';
import type { Logger } from '../log.js';
import { runDigest, runScheduled, type DigestOutcome } from './run.js';
import { isLate, windowEndingAt, windowForIsoWeek, type DigestWindow } from './window.js';

/** What a run reads and writes besides the database and Discord: the process, or a test's stand-in. */
export interface DigestIo {
  env: Env;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Calls `handler` on SIGTERM/SIGINT until the returned function is called. */
  onSignal(handler: (signal: NodeJS.Signals) => void): () => void;
}

export const processIo: DigestIo = {
  env: process.env,
  stdout: (text) => { process.stdout.write(text); },
  stderr: (text) => { process.stderr.write(text); },
  onSignal(handler) {
    process.once('SIGTERM', handler);
    process.once('SIGINT', handler);
    return () => { process.off('SIGTERM', handler); process.off('SIGINT', handler); };
  },
};

const USAGE = `usage: npm run digest -- [--dry-run] [--week YYYY-Www] [--now ISO-8601]
  (no option)    post the digest for the latest window that has ended (the one posted on the
                 most recent Monday 09:00 UTC); does nothing if that window was already posted.
                 First finishes unfinished windows and posts missed ones ("posted late") from
                 the DIGEST_CATCHUP_WEEKS weeks before it, oldest first
  --dry-run      print the parts exactly as they would be posted; changes nothing
  --week 2026-W48  only the window posted on Monday of that ISO week ([Mon W47 09:00, Mon W48 09:00) UTC);
                 must have ended; an already posted week is not posted again; no catch-up
  --now ISO      pretend the clock says ISO when choosing the window (tests, what-if runs)`;
/** sysexits EX_USAGE: a bad command line; the timer never passes options. */
const EX_USAGE = 64;
/** A run stopped by SIGTERM/SIGINT (128 + 15): not a success, the next run resumes. */
const EX_TERMINATED = 143;
/**
 * Every digest statement is bounded, so a database that stalls (a lock another session holds, a
 * link that stopped answering) fails the run with a log line instead of hanging it: the unit's
 * Restart=on-failure runs it again (docs/systemd.md §1.3). Server-side statement_timeout, then
 * node-postgres's read timeout; both well under the 60 s lease (src/digest/run.ts) and far under
 * the unit's TimeoutStartSec=15min, the last resort.
 */
const DIGEST_DB_TIMEOUTS = { statementTimeoutMs: 15_000, queryTimeoutMs: 20_000 } as const;

/**
 * Peak RSS of this process in KiB. /proc's VmHWM belongs to this program image; getrusage's
 * maxRSS on Linux also carries the parent's peak across fork+exec, so it is only the fallback.
 */
function peakRssKb(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch { /* not Linux, or /proc hidden */ }
  return process.resourceUsage().maxRSS;
}

/** Ends the run early with an exit code (a bad command line, --help). */
class Exit { constructor(readonly code: number) {} }

function usageError(io: DigestIo, message: string): never {
  io.stderr(`${message}\n${USAGE}\n`);
  throw new Exit(EX_USAGE);
}

function parseCommandLine(io: DigestIo, argv: string[]): { dryRun: boolean; week?: string; now?: Date } {
  let values: { 'dry-run'?: boolean; week?: string; now?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: {
      'dry-run': { type: 'boolean' }, week: { type: 'string' }, now: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    } }));
  } catch (err) {
    usageError(io, describeError(err));
  }
  if (values.help) { io.stdout(`${USAGE}\n`); throw new Exit(0); }
  let now: Date | undefined;
  if (values.now !== undefined) {
    now = new Date(values.now);
    if (!Number.isFinite(now.getTime())) usageError(io, `--now must be an ISO-8601 date-time, got "${values.now}"`);
  }
  return { dryRun: values['dry-run'] ?? false, ...(values.week !== undefined ? { week: values.week } : {}), ...(now ? { now } : {}) };
}

/**
 * Asks Discord whether the bot token is still good (GET /users/@me), on every run: a week with
 * nothing to post makes no other request, and a token reset in the Developer Portal would otherwise
 * go unnoticed until a Monday post failed. The verdict goes to bot_token_checks for `shiptrack
 * status`. Only a 401 is a verdict; Discord unreachable is left to the run itself.
 */
async function tokenAccepted(rest: RestClient, log: Logger, db: Queryable): Promise<boolean> {
  let detail: string | null = null;
  try {
    await rest.request('GET', '/users/@me');
  } catch (err) {
    if (!(err instanceof DiscordApiError && err.status === 401)) return true;
    detail = describeError(err);
  }
  const ok = detail === null;
  if (!ok) {
    log.error('digest.token_rejected', {
      error: detail, hint: 'put the bot token from the Developer Portal (Bot → Reset Token) in DISCORD_BOT_TOKEN in /etc/shiptrack/env, restart shiptrack-worker, then `systemctl start shiptrack-digest`',
    });
  }
  await recordTokenCheck(db, { proc: 'digest', ok, checkedAt: new Date(), detail });
  return ok;
}

/** One digest run for `argv` (the options after the program name); resolves with the exit code. */
export async function digestMain(argv: string[], io: DigestIo = processIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (err) {
    if (err instanceof Exit) return err.code;
    throw err;
  }
}

async function run(argv: string[], io: DigestIo): Promise<number> {
  const args = parseCommandLine(io, argv);
  const rt = startRuntime('digest', io.env, (line, toStderr) => (toStderr ? io.stderr : io.stdout)(`${line}\n`));
  if (typeof rt === 'number') return rt;
  const { config, log } = rt;
  const started = Date.now();
  const now = args.now ?? new Date();

  let window: DigestWindow;
  try {
    window = args.week !== undefined ? windowForIsoWeek(args.week) : windowEndingAt(now);
  } catch (err) {
    usageError(io, describeError(err));
  }
  // Posting a week that has not ended would freeze a partial list and block the real run.
  if (window.end.getTime() > now.getTime() && !args.dryRun) {
    usageError(io, `--week ${window.isoWeek} ends ${window.end.toISOString()}, which has not happened yet; only --dry-run can preview it`);
  }

  const rest = new RestClient({ baseUrl: config.discordApiBase, token: config.botToken, timeoutMs: config.restTimeoutMs, log });
  const stop = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    log.notice('digest.signal', { signal: sig, msg: 'stopping; the next run resumes where this one stopped' });
    stop.abort(new Error(sig));
    // Also abandon an in-flight POST: if it reached Discord, the next run's retry carries the same nonce.
    rest.destroy();
  };
  const offSignal = io.onSignal(onSignal);

  const runId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  log.info('digest.start', {
    week: window.isoWeek, window_start: window.start.toISOString(), window_end: window.end.toISOString(), dry_run: args.dryRun, run: runId,
    catch_up_weeks: args.week === undefined ? config.digestCatchUpWeeks : 0,
  });

  let pool: Awaited<ReturnType<typeof openDatabase>> | undefined;
  try {
    pool = await openDatabase(rt, { max: 2, ...DIGEST_DB_TIMEOUTS, migrate: !args.dryRun });
    // A dry run sends Discord nothing at all, this question included.
    if (!args.dryRun && !await tokenAccepted(rest, log, pool)) {
      rest.destroy();
      await pool.end();
      offSignal();
      return ExitCode.config;
    }
    const common = {
      channelId: config.announcementsChannelId, runId, quietWeek: config.digestQuietWeek, maxParts: config.digestMaxParts, llm: config.llm,
      dryRun: args.dryRun, signal: stop.signal,
    };
    const deps = { pool, rest, log, out: io.stdout };
    const outcomes: DigestOutcome[] = args.week !== undefined
      ? [await runDigest(deps, { ...common, window, late: isLate(window, now) })]
      : await runScheduled(deps, { ...common, now, catchUpWeeks: config.digestCatchUpWeeks });
    await pool.end();
    rest.destroy();
    log.info('digest.finished', { status: outcomes.at(-1)!.status, windows: outcomes.length, ms: Date.now() - started, peak_rss_kb: peakRssKb() });
  } catch (err) {
    rest.destroy();
    await pool?.end().catch(() => {});
    offSignal();
    if (stop.signal.aborted) {
      log.error('digest.stopped', { error: describeError(err) });
      return EX_TERMINATED;
    }
    if (isTimedOutQuery(err)) {
      log.error('digest.db_stalled', {
        error: describeError(err), statement_timeout_ms: DIGEST_DB_TIMEOUTS.statementTimeoutMs, query_timeout_ms: DIGEST_DB_TIMEOUTS.queryTimeoutMs,
        msg: 'a database call did not finish in time (a lock held by another session, or the database stopped answering); exiting non-zero so the run is retried',
      });
    }
    return fatalExitCode(log, err);
  }
  offSignal();
  return 0;
}
