// Owns `shiptrack status`: gathers what the sysadmin needs from the database and the web
// service's /healthz, and judges it. The judging (assess) is pure so every verdict is testable.

import type { Queryable } from '../db/pool.js';
import { readWorkerStatus, type WorkerStatusRow } from '../db/gateway-state.js';

export interface DigestSummary { isoWeek: string; windowStart: Date; windowEnd: Date; status: string; launchCount: number; parts: number; posted: number; finishedAt: Date | null }
export interface StatusReport {
  now: Date;
  worker: WorkerStatusRow | undefined;
  web: { ok: boolean; detail: string };
  lastDigest: DigestSummary | undefined;
  nextDigestAt: Date;
  launchesThisWeek: number;
}
export interface Verdict { ok: boolean; problems: string[] }

const WEEK_MS = 7 * 24 * 3600_000;
/** The worker refreshes its row at least every ~15 s while connected. */
export const WORKER_STALE_MS = 120_000;

/** The next Monday 09:00 UTC strictly after `now` (what the timer's OnCalendar fires on). */
export function nextDigestRun(now: Date): Date {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 9));
  const daysToMonday = (8 - d.getUTCDay()) % 7;
  d.setUTCDate(d.getUTCDate() + daysToMonday);
  if (d.getTime() <= now.getTime()) d.setUTCDate(d.getUTCDate() + 7);
  return d;
}

export async function collectStatus(db: Queryable, now: Date, web: () => Promise<{ ok: boolean; detail: string }>): Promise<StatusReport> {
  const next = nextDigestRun(now);
  const weekStart = new Date(next.getTime() - WEEK_MS);
  const [worker, digest, count, webHealth] = await Promise.all([
    readWorkerStatus(db),
    db.query<DigestSummary>(
      `SELECT d.iso_week AS "isoWeek", d.window_start AS "windowStart", d.window_end AS "windowEnd", d.status,
              d.launch_count AS "launchCount", d.finished_at AS "finishedAt",
              count(p.part_no)::int AS parts, count(p.message_id)::int AS posted
       FROM digests d LEFT JOIN digest_parts p ON p.window_start = d.window_start
       GROUP BY d.window_start ORDER BY d.window_start DESC LIMIT 1`),
    db.query<{ n: number }>('SELECT count(*)::int AS n FROM launches WHERE deleted_at IS NULL AND created_at >= $1', [weekStart]),
    web().catch((err: Error) => ({ ok: false, detail: err.message })),
  ]);
  return { now, worker, web: webHealth, lastDigest: digest.rows[0], nextDigestAt: next, launchesThisWeek: count.rows[0]?.n ?? 0 };
}

/** What is wrong, in words a sysadmin can act on. Empty = healthy. */
export function assess(r: StatusReport): Verdict {
  const problems: string[] = [];
  const w = r.worker;
  if (!w) problems.push('worker has never reported (is shiptrack-worker running?)');
  else {
    const age = r.now.getTime() - new Date(w.updatedAt).getTime();
    if (age > WORKER_STALE_MS) problems.push(`worker status is ${Math.round(age / 1000)} s old (worker down or stuck)`);
    else if (w.state === 'standby') { /* a standby is fine only if another holds the gateway; the row would say ready then */ problems.push('worker is in standby: no instance holds the gateway'); }
    else if (w.state !== 'ready') problems.push(`worker gateway state is ${w.state}${w.detail ? ` (${w.detail})` : ''}`);
  }
  if (!r.web.ok) problems.push(`web service unhealthy: ${r.web.detail}`);
  const lastRun = new Date(r.nextDigestAt.getTime() - WEEK_MS);
  const graceMs = 3600_000;
  const d = r.lastDigest;
  if (d && d.status === 'posting') problems.push(`digest ${d.isoWeek} is stuck half-posted (${d.posted}/${d.parts} parts); run the digest again to finish it`);
  else if (r.now.getTime() - lastRun.getTime() > graceMs && (!d || new Date(d.windowEnd).getTime() < lastRun.getTime())) {
    problems.push(`no digest for the window ending ${lastRun.toISOString()} (did shiptrack-digest.timer run?)`);
  }
  return { ok: problems.length === 0, problems };
}

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString().replace('.000Z', 'Z') : 'never');

export function formatStatus(r: StatusReport, v: Verdict): string {
  const w = r.worker;
  const lines = [
    `worker:   ${w ? `${w.state}${w.detail ? ` (${w.detail})` : ''} on ${w.instance}, since ${iso(w.startedAt)}` : 'never reported'}`,
    `          last event ${iso(w?.lastEventAt)}, last heartbeat ACK ${iso(w?.lastAckAt)}${w?.lastAckLatencyMs != null ? ` (${w.lastAckLatencyMs} ms)` : ''}, reported ${iso(w?.updatedAt)}`,
    `web:      ${r.web.ok ? 'ok' : 'FAILING'} ${r.web.detail}`,
    `digest:   ${r.lastDigest ? `${r.lastDigest.isoWeek} ${r.lastDigest.status}, ${r.lastDigest.launchCount} launches, ${r.lastDigest.posted}/${r.lastDigest.parts} parts posted, finished ${iso(r.lastDigest.finishedAt)}` : 'none posted yet'}`,
    `          next run ${iso(r.nextDigestAt)}`,
    `launches: ${r.launchesThisWeek} since ${iso(new Date(r.nextDigestAt.getTime() - WEEK_MS))}`,
    v.ok ? 'status:   OK' : `status:   PROBLEM\n${v.problems.map((p) => `  - ${p}`).join('\n')}`,
  ];
  return lines.join('\n');
}
