// Owns `shiptrack status`: gathers what the sysadmin needs from the database and the web
// service's /healthz, and judges it. The judging (assess) is pure so every verdict is testable.

import type { Queryable } from '../db/pool.js';
import { readWorkerStatus, type WorkerStatusRow } from '../db/gateway-state.js';
import { listWindows } from '../db/digests.js';
import { readTokenChecks, type TokenCheck } from '../db/token-checks.js';
import { windowsToCatchUp } from '../digest/catch-up.js';
import { windowEndingAt } from '../digest/window.js';
import { reactionCounts, type ReactionCounts } from '../db/launches.js';

/**
 * `launchCount` is what the digest listed: its own week's launches plus launches logged late from
 * earlier weeks ("Logged late, from earlier weeks:"); `lateCount` is how many of them were late.
 */
export interface DigestSummary { isoWeek: string; windowStart: Date; windowEnd: Date; status: string; launchCount: number; lateCount?: number; parts: number; posted: number; finishedAt: Date | null }
/**
 * A window that is not finished: `unfinished` (a row still posting, any age) or `missed` (no row,
 * within the look-back; src/digest/catch-up.ts). `inLookback`: the next timer run handles it.
 */
export interface OutstandingDigest { isoWeek: string; windowEnd: Date; reason: 'unfinished' | 'missed'; parts: number; posted: number; inLookback: boolean }
export interface StatusReport {
  now: Date;
  worker: WorkerStatusRow | undefined;
  /** 🚀 still owed by the worker, and refused by Discord for good (recorded, never re-sent). */
  reactions?: ReactionCounts;
  web: { ok: boolean; detail: string };
  lastDigest: DigestSummary | undefined;
  nextDigestAt: Date;
  launchesThisWeek: number;
  /** Every unfinished or missed window, oldest first; when absent only `lastDigest` is judged. */
  outstanding?: OutstandingDigest[];
  /** DIGEST_CATCHUP_WEEKS, for the advice on windows outside the look-back. */
  catchUpWeeks?: number;
  /**
   * When ShipTrack was installed: the first migration's applied_at (see installedAt below). A
   * digest window that ended before it could not have run and is never reported missing.
   * Absent or null: unknown, every window is judged.
   */
  installedAt?: Date | null;
  /** What the digest last learnt about the bot token (sql/0010); absent: never checked. */
  digestTokenCheck?: TokenCheck;
}
export interface Verdict { ok: boolean; problems: string[] }

const WEEK_MS = 7 * 24 * 3600_000;
/** The worker refreshes its row at least every ~15 s while connected. */
export const WORKER_STALE_MS = 120_000;
/** An event received this long ago and still not handled: the ingest is stuck (a blocked statement, a silent connection). */
export const INGEST_LAG_MS = 120_000;

export interface AssessOptions { maxIngestLagMs?: number }

/** The next Monday 09:00 UTC strictly after `now` (what the timer's OnCalendar fires on). */
export function nextDigestRun(now: Date): Date {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 9));
  const daysToMonday = (8 - d.getUTCDay()) % 7;
  d.setUTCDate(d.getUTCDate() + daysToMonday);
  if (d.getTime() <= now.getTime()) d.setUTCDate(d.getUTCDate() + 7);
  return d;
}

export async function collectStatus(
  db: Queryable, now: Date, web: () => Promise<{ ok: boolean; detail: string }>, options: { catchUpWeeks?: number } = {},
): Promise<StatusReport> {
  const next = nextDigestRun(now);
  const weekStart = new Date(next.getTime() - WEEK_MS);
  const catchUpWeeks = options.catchUpWeeks ?? 4;
  const [worker, reactions, digest, count, webHealth, installed, tokenChecks] = await Promise.all([
    readWorkerStatus(db),
    reactionCounts(db),
    listWindows(db),
    db.query<{ n: number }>('SELECT count(*)::int AS n FROM launches WHERE deleted_at IS NULL AND created_at >= $1', [weekStart]),
    web().catch((err: Error) => ({ ok: false, detail: err.message })),
    installedAt(db),
    readTokenChecks(db),
  ]);
  const digestTokenCheck = tokenChecks.find((c) => c.proc === 'digest');
  const last = digest.at(-1);
  const lastDigest = last ? { ...last, lateCount: await lateLaunchesCarried(db, last.windowStart) } : undefined;
  return { now, worker, reactions, web: webHealth, lastDigest, nextDigestAt: next, launchesThisWeek: count.rows[0]?.n ?? 0,
    outstanding: outstandingDigests(digest, now, catchUpWeeks)
      // A missed week before the installation could not have run; a started (unfinished) one did, whenever it was.
      .filter((o) => o.reason === 'unfinished' || windowEndedAfter(o.windowEnd, installed)), catchUpWeeks, installedAt: installed,
    ...(digestTokenCheck ? { digestTokenCheck } : {}) };
}

/**
 * When this installation began: the first migration's applied_at. It is written once, by the very
 * first `shiptrack migrate` (before any worker or digest could run), never updated, and survives a
 * pg_dump/restore. The alternatives are worse: worker_status.started_at is rewritten whenever
 * another instance takes over, and launches.created_at is Discord's time (the first start
 * back-fills posts from before the installation).
 */
export async function installedAt(db: Queryable): Promise<Date | null> {
  const { rows } = await db.query<{ at: Date | null }>('SELECT min(applied_at) AS at FROM schema_migrations');
  return rows[0]?.at ? new Date(rows[0].at) : null;
}

/**
 * How many launches the digest of the window starting at `windowStart` carried from earlier weeks
 * (launches.digest_window_start, sql/0006). Deleted ones count too: launch_count was frozen with them.
 */
export async function lateLaunchesCarried(db: Queryable, windowStart: Date): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM launches WHERE digest_window_start = $1 AND created_at < $1', [windowStart]);
  return rows[0]?.n ?? 0;
}

/** A window could have been digested only if it ended after the installation (unknown: assume so). */
function windowEndedAfter(windowEnd: Date, installed: Date | null | undefined): boolean {
  return !installed || new Date(windowEnd).getTime() > new Date(installed).getTime();
}

/** Every row still posting, and every missed window the next timer run would post late, oldest first. */
export function outstandingDigests(digests: readonly DigestSummary[], now: Date, catchUpWeeks: number): OutstandingDigest[] {
  const latest = windowEndingAt(now);
  const oldest = latest.start.getTime() - catchUpWeeks * WEEK_MS;
  const unfinished: OutstandingDigest[] = digests.filter((d) => d.status === 'posting').map((d) => ({
    isoWeek: d.isoWeek, windowEnd: new Date(d.windowEnd), reason: 'unfinished', parts: d.parts, posted: d.posted,
    inLookback: new Date(d.windowStart).getTime() >= oldest,
  }));
  const missed: OutstandingDigest[] = windowsToCatchUp(latest, catchUpWeeks, digests).filter((d) => d.reason === 'missed').map((d) => ({
    isoWeek: d.window.isoWeek, windowEnd: d.window.end, reason: 'missed', parts: 0, posted: 0, inLookback: true,
  }));
  return [...unfinished, ...missed].sort((a, b) => a.windowEnd.getTime() - b.windowEnd.getTime());
}

/** The checks `status` makes, in the order their problems are listed. */
export const CHECKS = ['worker', 'ingest', 'web', 'digest'] as const;
export type CheckName = (typeof CHECKS)[number];

/** What is wrong, in words a sysadmin can act on. Empty = healthy. */
export function assess(r: StatusReport, opts: AssessOptions = {}): Verdict {
  const byCheck = assessChecks(r, opts);
  const problems = CHECKS.flatMap((c) => byCheck[c]);
  return { ok: problems.length === 0, problems };
}

/** The problems of each check (assess lists them all, in CHECKS order). */
export function assessChecks(r: StatusReport, opts: AssessOptions = {}): Record<CheckName, string[]> {
  const out: Record<CheckName, string[]> = { worker: [], ingest: [], web: [], digest: [] };
  let problems = out.worker;
  const w = r.worker;
  if (!w) problems.push('worker has never reported (is shiptrack-worker running?)');
  else {
    const age = r.now.getTime() - new Date(w.updatedAt).getTime();
    if (age > WORKER_STALE_MS) problems.push(`worker status is ${Math.round(age / 1000)} s old (worker down or stuck)`);
    else if (w.state === 'standby') { /* a standby is fine only if another holds the gateway; the row would say ready then */ problems.push('worker is in standby: no instance holds the gateway'); }
    else if (discordDown(w)) problems.push(`Discord unreachable since ${iso(w.gatewayDownSince)} (${Math.round((r.now.getTime() - new Date(w.gatewayDownSince!).getTime()) / 1000)} s, ${w.gatewayAttempts ?? 0} connection attempts; gateway state ${w.state}${w.detail ? ` (${w.detail})` : ''}); the worker is healthy and keeps retrying with backoff`);
    else if (w.state !== 'ready') problems.push(`worker gateway state is ${w.state}${w.detail ? ` (${w.detail})` : ''}`);
    // What the worker found wrong with #i-shipped (missing, not a text channel, or permissions), with its fix.
    if (w.channelProblem) problems.push(w.channelProblem);
    problems = out.ingest;
    const lagMs = w.ingestOldestPendingAt ? r.now.getTime() - new Date(w.ingestOldestPendingAt).getTime() : 0;
    if (age <= WORKER_STALE_MS && lagMs > (opts.maxIngestLagMs ?? INGEST_LAG_MS)) {
      problems.push(`worker ingest is stuck: the oldest of ${w.ingestQueueDepth ?? '?'} unhandled events arrived ${Math.round(lagMs / 1000)} s ago, last handled ${iso(w.ingestLastHandledAt)} (database blocked or slow? see journalctl -u shiptrack-worker)`);
    }
  }
  if (!r.web.ok) out.web.push(`web service unhealthy: ${r.web.detail}`);
  problems = out.digest;
  const token = r.digestTokenCheck;
  if (token && !token.ok) {
    problems.push(`Discord rejected the bot token when the digest checked it at ${iso(token.checkedAt)}${token.detail ? ` (${token.detail})` : ''}: `
      + 'put the current token (Developer Portal → Bot → Reset Token) in DISCORD_BOT_TOKEN in /etc/shiptrack/env, restart shiptrack-worker, then systemctl start shiptrack-digest');
  }
  const lastRun = new Date(r.nextDigestAt.getTime() - WEEK_MS);
  const graceMs = 3600_000;
  const d = r.lastDigest;
  for (const o of r.outstanding ?? []) {
    if (o.reason === 'missed') {
      problems.push(`digest ${o.isoWeek} was missed (no run for the window ending ${o.windowEnd.toISOString()}); the next digest run posts it late`);
    } else if (o.inLookback) {
      problems.push(`digest ${o.isoWeek} is unfinished (${o.posted}/${o.parts} parts posted); the next digest run finishes it`);
    } else {
      problems.push(`digest ${o.isoWeek} is unfinished (${o.posted}/${o.parts} parts posted) and older than the DIGEST_CATCHUP_WEEKS=${r.catchUpWeeks ?? '?'} look-back; finish it with \`shiptrack digest --week ${o.isoWeek}\``);
    }
  }
  if (d && d.status === 'posting') {
    // Listed above when `outstanding` was collected.
    if (!r.outstanding) problems.push(`digest ${d.isoWeek} is stuck half-posted (${d.posted}/${d.parts} parts); run the digest again to finish it`);
  } else if (r.now.getTime() - lastRun.getTime() > graceMs && (!d || new Date(d.windowEnd).getTime() < lastRun.getTime())
    && windowEndedAfter(lastRun, r.installedAt)) {
    // A window that ended before the installation (installed on a Wednesday: last Monday's) could not have run.
    problems.push(`no digest for the window ending ${lastRun.toISOString()} (did shiptrack-digest.timer run?)`);
  }
  return out;
}

/** The worker is alive but has no gateway connection (sql/0007): the row carries since when. */
export function discordDown(w: WorkerStatusRow): boolean {
  return !!w.gatewayDownSince && w.state !== 'ready' && w.state !== 'stopped' && w.state !== 'fatal' && w.state !== 'conflict' && w.state !== 'standby';
}

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString().replace('.000Z', 'Z') : 'never');

/** "N launches", and how many of them were logged late from earlier weeks when any were. */
function launchWords(d: DigestSummary): string {
  const n = `${d.launchCount} launch${d.launchCount === 1 ? '' : 'es'}`;
  return d.lateCount ? `${n} (incl. ${d.lateCount} logged late from earlier weeks)` : n;
}

export function formatStatus(r: StatusReport, v: Verdict): string {
  const w = r.worker;
  const lines = [
    `worker:   ${w ? `${w.state}${w.detail ? ` (${w.detail})` : ''} on ${w.instance}, since ${iso(w.startedAt)}` : 'never reported'}`,
    `          last event ${iso(w?.lastEventAt)}, last heartbeat ACK ${iso(w?.lastAckAt)}${w?.lastAckLatencyMs != null ? ` (${w.lastAckLatencyMs} ms)` : ''}, reported ${iso(w?.updatedAt)}`,
    ...(w && discordDown(w) ? [`          Discord unreachable since ${iso(w.gatewayDownSince)}, ${w.gatewayAttempts ?? 0} connection attempts since`] : []),
    ...(w?.ingestQueueDepth != null ? [`          ingest: ${w.ingestQueueDepth} waiting${w.ingestOldestPendingAt ? `, oldest since ${iso(w.ingestOldestPendingAt)}` : ''}, last handled ${iso(w.ingestLastHandledAt)}`] : []),
    ...(r.reactions ? [`          reactions: ${r.reactions.owed} owed, ${r.reactions.refused} refused by Discord (not retried)`] : []),
    `web:      ${r.web.ok ? 'ok' : 'FAILING'} ${r.web.detail}`,
    `digest:   ${r.lastDigest ? `${r.lastDigest.isoWeek} ${r.lastDigest.status}, ${launchWords(r.lastDigest)}, ${r.lastDigest.posted}/${r.lastDigest.parts} parts posted, finished ${iso(r.lastDigest.finishedAt)}` : `none posted yet${r.installedAt ? ` (installed ${iso(r.installedAt)})` : ''}`}`,
    `          next run ${iso(r.nextDigestAt)}`,
    `launches: ${r.launchesThisWeek} since ${iso(new Date(r.nextDigestAt.getTime() - WEEK_MS))}`,
    v.ok ? 'status:   OK' : `status:   PROBLEM\n${v.problems.map((p) => `  - ${p}`).join('\n')}`,
  ];
  return lines.join('\n');
}
