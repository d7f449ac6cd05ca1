// Owns `shiptrack status --json`: the same report and verdict as the text, as one JSON object for
// monitoring scripts. The shape is documented in README ("shiptrack status --json"); add fields,
// never rename or remove them.
import { assessChecks, CHECKS, discordDown, INGEST_LAG_MS, type AssessOptions, type CheckName, type StatusReport } from './report.js';

const WEEK_MS = 7 * 24 * 3600_000;

type Iso = string | null;
export interface StatusJson {
  ok: boolean;
  /** Every problem, as the text form lists them. */
  problems: string[];
  checkedAt: string;
  checks: Record<CheckName, { ok: boolean; detail: string }>;
  worker: null | {
    instance: string; state: string; detail: string | null; startedAt: Iso; reportedAt: Iso; reportAgeSeconds: number;
    lastEventAt: Iso; lastAckAt: Iso; lastAckLatencyMs: number | null;
    /** Set while the worker runs but has no gateway connection; null when connected. */
    discordUnreachableSince: Iso; connectionAttempts: number | null; channelProblem: string | null;
    ingest: { waiting: number | null; oldestPendingAt: Iso; lagSeconds: number; lastHandledAt: Iso };
  };
  reactions: null | { owed: number; refused: number };
  web: { ok: boolean; detail: string };
  digest: {
    last: null | {
      isoWeek: string; windowStart: Iso; windowEnd: Iso; status: string;
      /** Everything the digest listed, including launches logged late from earlier weeks. */
      launchCount: number; lateLaunchCount: number | null; parts: number; posted: number; finishedAt: Iso;
    };
    nextRunAt: Iso;
    installedAt: Iso;
    unfinished: { isoWeek: string; windowEnd: Iso; parts: number; posted: number; inLookback: boolean }[];
    missed: { isoWeek: string; windowEnd: Iso }[];
  };
  launchesThisWeek: { count: number; since: Iso };
}

const iso = (d: Date | string | null | undefined): Iso => (d ? new Date(d).toISOString() : null);
const seconds = (ms: number) => Math.round(ms / 1000);

export function statusJson(r: StatusReport, opts: AssessOptions = {}): StatusJson {
  const byCheck = assessChecks(r, opts);
  const w = r.worker;
  const d = r.lastDigest;
  const lagMs = w?.ingestOldestPendingAt ? r.now.getTime() - new Date(w.ingestOldestPendingAt).getTime() : 0;
  const healthyDetail: Record<CheckName, string> = {
    worker: w ? `${w.state} on ${w.instance}, reported ${seconds(r.now.getTime() - new Date(w.updatedAt).getTime())} s ago` : 'never reported',
    ingest: w?.ingestQueueDepth != null
      ? `${w.ingestQueueDepth} waiting, lag ${seconds(lagMs)} s (limit ${seconds(opts.maxIngestLagMs ?? INGEST_LAG_MS)} s)`
      : 'not reported',
    web: r.web.detail,
    digest: `${d ? `last ${d.isoWeek} ${d.status}` : 'none posted yet'}; next run ${iso(r.nextDigestAt)}`,
  };
  const checks = Object.fromEntries(CHECKS.map((c) => [c, byCheck[c].length === 0
    ? { ok: true, detail: healthyDetail[c] }
    : { ok: false, detail: byCheck[c].join('; ') }])) as StatusJson['checks'];
  const problems = CHECKS.flatMap((c) => byCheck[c]);
  const down = !!w && discordDown(w);
  return {
    ok: problems.length === 0,
    problems,
    checkedAt: r.now.toISOString(),
    checks,
    worker: w ? {
      instance: w.instance, state: w.state, detail: w.detail ?? null, startedAt: iso(w.startedAt), reportedAt: iso(w.updatedAt),
      reportAgeSeconds: seconds(r.now.getTime() - new Date(w.updatedAt).getTime()),
      lastEventAt: iso(w.lastEventAt), lastAckAt: iso(w.lastAckAt), lastAckLatencyMs: w.lastAckLatencyMs ?? null,
      discordUnreachableSince: down ? iso(w.gatewayDownSince) : null, connectionAttempts: down ? (w.gatewayAttempts ?? 0) : null,
      channelProblem: w.channelProblem ?? null,
      ingest: { waiting: w.ingestQueueDepth ?? null, oldestPendingAt: iso(w.ingestOldestPendingAt), lagSeconds: seconds(lagMs), lastHandledAt: iso(w.ingestLastHandledAt) },
    } : null,
    reactions: r.reactions ? { owed: r.reactions.owed, refused: r.reactions.refused } : null,
    web: { ok: r.web.ok, detail: r.web.detail },
    digest: {
      last: d ? {
        isoWeek: d.isoWeek, windowStart: iso(d.windowStart), windowEnd: iso(d.windowEnd), status: d.status,
        launchCount: d.launchCount, lateLaunchCount: d.lateCount ?? null, parts: d.parts, posted: d.posted, finishedAt: iso(d.finishedAt),
      } : null,
      nextRunAt: iso(r.nextDigestAt),
      installedAt: iso(r.installedAt),
      unfinished: (r.outstanding ?? []).filter((o) => o.reason === 'unfinished')
        .map((o) => ({ isoWeek: o.isoWeek, windowEnd: iso(o.windowEnd), parts: o.parts, posted: o.posted, inLookback: o.inLookback })),
      missed: (r.outstanding ?? []).filter((o) => o.reason === 'missed').map((o) => ({ isoWeek: o.isoWeek, windowEnd: iso(o.windowEnd) })),
    },
    launchesThisWeek: { count: r.launchesThisWeek, since: iso(new Date(r.nextDigestAt.getTime() - WEEK_MS)) },
  };
}
