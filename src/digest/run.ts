// Owns one digest run for one window: claim (exactly-once via the digests row and its lease),
// build and freeze the parts once, post the unposted parts in order with deterministic nonces,
// mark the window done. Does not parse arguments, read config or exit (src/bin/digest.ts does).

import type pg from 'pg';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { ShipTrackError, describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { launchTextsForTheme, readDigestLaunches, type DigestSourceRow } from '../db/launches.js';
import { streakMilestones } from '../db/streaks.js';
import * as store from '../db/digests.js';
import type { RestClient } from '../discord/rest/client.js';
import { createMessage } from '../discord/rest/api.js';
import { WeekReader, buildDigest, type DigestLaunch } from './build.js';
import { MAX_PROMPT_LAUNCHES, fetchTheme, type FetchLike, type LlmSettings } from './theme.js';
import { findPostedParts } from './adopt.js';
import { isLate, windowEndingAt, type DigestWindow } from './window.js';
import { windowsToCatchUp } from './catch-up.js';

/** SUPPRESS_EMBEDS: product links must not unfurl into a wall of previews (docs/interactions.md §4.1). */
export const DIGEST_MESSAGE_FLAGS = 4;
/** A crashed run blocks its window this long at most; a live run renews every third of it. */
export const DEFAULT_LEASE_MS = 60_000;

export interface DigestDeps {
  pool: pg.Pool;
  rest: RestClient;
  log: Logger;
  clock?: Clock;
  /** For the LLM theme request (tests inject; default node-fetch). */
  fetch?: FetchLike;
  /** Where --dry-run writes the parts (default stdout). */
  out?: (text: string) => void;
}

export interface DigestRunOptions {
  window: DigestWindow;
  channelId: string;
  /** Identifies this run in digests.claimed_by (host:pid:random). */
  runId: string;
  quietWeek: boolean;
  /** Cap on the number of messages (config DIGEST_MAX_PARTS); undefined = no cap. */
  maxParts?: number;
  llm?: LlmSettings | undefined;
  dryRun?: boolean;
  leaseMs?: number;
  /** Aborted (e.g. SIGTERM): stop before the next part and give the claim back. */
  signal?: AbortSignal;
  /** Built after the next window had ended: the header says "(posted late)" (window.ts isLate). */
  late?: boolean;
}

export interface ScheduledRunOptions extends Omit<DigestRunOptions, 'window' | 'late'> {
  now: Date;
  /** DIGEST_CATCHUP_WEEKS: how many windows before the latest are finished or caught up; 0 = none. */
  catchUpWeeks: number;
}

export type DigestOutcome =
  | { status: 'posted'; count: number; parts: number; postedNow: number }
  | { status: 'already_done' | 'already_empty'; count: number; parts: number }
  | { status: 'busy'; claimedBy: string | null; leaseUntil: Date | null }
  | { status: 'empty'; count: 0 }
  | { status: 'dry_run'; count: number; parts: string[]; frozen: boolean };

/** Deterministic per window and part, <= 25 characters: `dg` + window start (epoch s, base36) + `p<n>`. */
function partNonce(window: DigestWindow, partNo: number): string {
  return `dg${Math.floor(window.start.getTime() / 1000).toString(36)}p${partNo}`;
}

export function toDigestLaunch(r: DigestSourceRow): DigestLaunch {
  const messageUrl = r.guildId && r.channelId && r.messageId
    ? `https://discord.com/channels/${r.guildId}/${r.channelId}/${r.messageId}` : undefined;
  return { id: r.id, userId: r.userId, userName: r.userName, content: r.content, urls: r.urls, createdAt: r.createdAt, source: r.source, messageUrl };
}

function windowFields(w: DigestWindow): Record<string, string> {
  return { week: w.isoWeek, window_start: w.start.toISOString(), window_end: w.end.toISOString() };
}

interface Built {
  parts: string[]; count: number; founders: number; late: number; theme: boolean; themeText: string | undefined;
  /** What the parts were built from, for the freeze to check and record (store.freezeParts). */
  carried: store.CarriedLaunches;
}

/**
 * Reads the window's launches, only as far as `opts.maxParts` messages can show them, and the late
 * ones from earlier weeks (db/launches.ts readDigestLaunches), and builds the parts; asks the LLM
 * for a theme when configured (`theme` given: reuse it, for a rebuild).
 */
async function build(deps: DigestDeps, opts: DigestRunOptions, reuseTheme?: { theme: string | undefined }): Promise<Built> {
  const reader = new WeekReader({ maxParts: opts.maxParts });
  // Asked at the same time as the launches, on the pool's other connection; used if the week has any.
  const milestonesRead = streakMilestones(deps.pool, opts.window.start, opts.window.end);
  milestonesRead.catch(() => {}); // a failure surfaces where it is awaited, not as an unhandled rejection
  const rows = await readDigestLaunches(deps.pool, opts.window.start, opts.window.end, (page) => reader.more(page.map(toDigestLaunch)));
  const week = rows.week.map(toDigestLaunch);
  const late = rows.late.map(toDigestLaunch);
  let theme = reuseTheme?.theme;
  if (!reuseTheme && rows.weekTotal + late.length > 0 && opts.llm) {
    // The model reads the week in the order it happened (the first MAX_PROMPT_LAUNCHES), not the digest's order.
    const texts = [...await launchTextsForTheme(deps.pool, opts.window.start, opts.window.end, MAX_PROMPT_LAUNCHES), ...late.map((l) => l.content)];
    const r = await fetchTheme(opts.llm, texts, { log: deps.log, clock: deps.clock, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
    if (r.ok) theme = r.theme;
  }
  const milestones = rows.weekTotal > 0 ? await milestonesRead : [];
  const digest = buildDigest(week, opts.window, {
    theme, quietWeek: opts.quietWeek, maxParts: opts.maxParts, late: opts.late, lateLaunches: late, streakMilestones: milestones,
    weekTotal: rows.weekTotal, founderTotal: rows.founders,
  });
  return {
    parts: digest.parts, count: digest.count, founders: digest.founders, late: digest.late, theme: theme !== undefined, themeText: theme,
    carried: { weekFingerprint: rows.fingerprint, lateIds: rows.late.map((r) => r.id) },
  };
}

/** Freezing fails this often at most because another window's digest carried a late launch first. */
const MAX_FREEZE_ATTEMPTS = 3;

function printParts(out: (t: string) => void, parts: readonly { content: string; note?: string }[]): void {
  if (parts.length === 0) out('(nothing would be posted)\n');
  parts.forEach((p, i) => {
    const label = `part ${i + 1}/${parts.length}, ${p.content.length} characters${p.note ? `, ${p.note}` : ''}`;
    out(`===== digest ${label} =====\n${p.content}\n===== end of part ${i + 1}/${parts.length} =====\n`);
  });
}

async function dryRun(deps: DigestDeps, opts: DigestRunOptions): Promise<DigestOutcome> {
  const out = deps.out ?? ((t: string) => void process.stdout.write(t));
  const row = await store.getDigest(deps.pool, opts.window.start);
  if (row && row.partCount > 0) {
    // Already built: these frozen parts are exactly what a run posts (or posted).
    const parts = await store.listParts(deps.pool, opts.window.start);
    deps.log.notice('digest.dry_run', { ...windowFields(opts.window), state: row.status, count: row.launchCount, parts: parts.length, frozen: true });
    printParts(out, parts.map((p) => ({ content: p.content, note: p.messageId ? `already posted as ${p.messageId}` : `nonce ${p.nonce}` })));
    return { status: 'dry_run', count: row.launchCount, parts: parts.map((p) => p.content), frozen: true };
  }
  const built = await build(deps, opts);
  deps.log.notice('digest.dry_run', { ...windowFields(opts.window), state: row?.status ?? 'unclaimed', count: built.count, parts: built.parts.length, frozen: false });
  printParts(out, built.parts.map((content, i) => ({ content, note: `nonce ${partNonce(opts.window, i + 1)}` })));
  return { status: 'dry_run', count: built.count, parts: built.parts, frozen: false };
}

/** Keeps this run's lease alive while it builds and posts; `lost` turns true if another run took over. */
function keepLease(deps: DigestDeps, opts: DigestRunOptions, leaseMs: number): { stop(): void; readonly lost: boolean } {
  const clock = deps.clock ?? systemClock;
  let lost = false;
  let busy = false;
  const handle: TimerHandle = clock.setInterval(() => {
    if (busy || lost) return;
    busy = true;
    store.renewLease(deps.pool, opts.window.start, opts.runId, leaseMs)
      .then((ok) => { if (!ok) { lost = true; deps.log.error('digest.lease_lost', { ...windowFields(opts.window), run: opts.runId }); } })
      .catch((err: unknown) => deps.log.warn('digest.lease_renew_failed', { error: describeError(err) }))
      .finally(() => { busy = false; });
  }, Math.max(1000, Math.floor(leaseMs / 3)));
  return { stop: () => clock.clearInterval(handle), get lost() { return lost; } };
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ShipTrackError('DIGEST_ABORTED', 'digest run stopped by a signal before finishing; the next run resumes', { cause: signal.reason });
}

/**
 * Records as posted every pending part found among the bot's messages since the window was first
 * claimed (src/digest/adopt.ts); returns their part numbers.
 */
async function adoptPostedParts(
  deps: DigestDeps, opts: DigestRunOptions, claimedAt: Date, total: number, pending: readonly store.DigestPartRow[],
): Promise<Set<number>> {
  const taken = new Set(await store.recordedMessageIds(deps.pool));
  let search: Awaited<ReturnType<typeof findPostedParts>>;
  try {
    search = await findPostedParts(deps.rest, opts.channelId, claimedAt, pending, taken);
  } catch (err) {
    // Posting without looking could double a part, so the run fails (and is retried) instead.
    deps.log.error('digest.adopt_search_failed', {
      ...windowFields(opts.window), error: describeError(err),
      msg: 'could not read the channel to check for parts an interrupted run already posted; the bot needs View Channel and Read Message History there',
    });
    throw err;
  }
  deps.log.info('digest.adopt_search', { ...windowFields(opts.window), since: claimedAt.toISOString(), scanned: search.scanned, found: search.found.size, truncated: search.truncated });
  if (search.truncated) {
    deps.log.warn('digest.adopt_search_truncated', { ...windowFields(opts.window), scanned: search.scanned, msg: 'too many channel messages to search; unfinished parts are posted again and may appear twice' });
  }
  const adopted = new Set<number>();
  for (const [partNo, messageId] of search.found) {
    const recorded = await store.recordPartPosted(deps.pool, opts.window.start, partNo, messageId);
    adopted.add(partNo);
    deps.log.notice('digest.part_adopted', {
      ...windowFields(opts.window), part: `${partNo}/${total}`, message_id: messageId,
      msg: 'already in the channel from an interrupted run; not posted again', ...(recorded ? {} : { note: 'already recorded by another run' }),
    });
  }
  return adopted;
}

/** One run for `opts.window`. Throws when posting fails (the claim is released first, so the next run resumes). */
export async function runDigest(deps: DigestDeps, opts: DigestRunOptions): Promise<DigestOutcome> {
  const log = deps.log;
  const w = opts.window;
  if (opts.dryRun) return dryRun(deps, opts);

  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  const claim = await store.claimWindow(deps.pool, w, opts.runId, leaseMs);
  if (claim.kind === 'done' || claim.kind === 'empty') {
    log.notice('digest.already_posted', { ...windowFields(w), state: claim.kind, count: claim.row.launchCount, parts: claim.row.partCount, finished_at: claim.row.finishedAt?.toISOString() });
    return { status: claim.kind === 'done' ? 'already_done' : 'already_empty', count: claim.row.launchCount, parts: claim.row.partCount };
  }
  if (claim.kind === 'busy') {
    log.notice('digest.busy', { ...windowFields(w), msg: 'another run is posting this window', claimed_by: claim.row.claimedBy, lease_until: claim.row.leaseUntil?.toISOString() });
    return { status: 'busy', claimedBy: claim.row.claimedBy, leaseUntil: claim.row.leaseUntil };
  }

  const lease = keepLease(deps, opts, leaseMs);
  try {
    let count = claim.row.launchCount;
    if (claim.row.partCount === 0) {
      // Building happens once per window: the parts are frozen before anything is posted, so a
      // resumed run posts the very same text and never asks the LLM again.
      // The freeze also records which launches this digest carries; if another window's digest
      // carried one of them meanwhile (a late launch, two runs at once), build again without it.
      let built: Built | undefined;
      let parts: { content: string; nonce: string }[] = [];
      for (let attempt = 1; ; attempt++) {
        throwIfAborted(opts.signal);
        built = await build(deps, opts, built ? { theme: built.themeText } : undefined);
        parts = built.parts.map((content, i) => ({ content, nonce: partNonce(w, i + 1) }));
        const frozen = await store.freezeParts(deps.pool, w.start, opts.runId, built.count, parts, built.carried);
        if (frozen === true) break;
        if (frozen === false) throw new ShipTrackError('DIGEST_CLAIMED_ELSEWHERE', `lost the claim on ${w.isoWeek} while building; another run owns it now`);
        log.info('digest.rebuild', { ...windowFields(w), attempt, msg: 'another digest carried one of these launches first; building again' });
        if (attempt >= MAX_FREEZE_ATTEMPTS) throw new ShipTrackError('DIGEST_CLAIMED_ELSEWHERE', `${w.isoWeek}: other digests kept carrying its launches while it was built; the next run builds it again`);
      }
      count = built.count;
      log.info('digest.built', { ...windowFields(w), count: built.count, late: built.late, founders: built.founders, parts: parts.length, theme: built.theme });
      if (parts.length === 0) {
        log.notice('digest.empty', { ...windowFields(w), count: 0, msg: 'no launches in the window; nothing posted' });
        return { status: 'empty', count: 0 };
      }
    }

    const parts = await store.listParts(deps.pool, w.start);
    let pending = parts.filter((p) => p.messageId === null);
    if (!claim.fresh && pending.length > 0) {
      // An earlier run may have died after Discord stored a part but before the answer arrived.
      // The nonce de-duplicates only for a few minutes, so look in the channel before posting.
      const adopted = await adoptPostedParts(deps, opts, claim.row.createdAt, parts.length, pending);
      pending = pending.filter((p) => !adopted.has(p.partNo));
    }
    log.info(claim.fresh ? 'digest.posting' : 'digest.resuming', {
      ...windowFields(w), count, parts: parts.length, already_posted: parts.length - pending.length, taken_over: !claim.fresh,
    });

    let postedNow = 0;
    for (const part of pending) {
      throwIfAborted(opts.signal);
      const label = `${part.partNo}/${parts.length}`;
      const state = lease.lost ? 'lease_lost' : await store.checkPart(deps.pool, w.start, part.partNo, opts.runId);
      if (state === 'posted') { log.info('digest.part_skipped', { part: label, reason: 'already posted' }); continue; }
      if (state === 'lease_lost') throw new ShipTrackError('DIGEST_CLAIMED_ELSEWHERE', `lost the claim on ${w.isoWeek} before part ${label}; another run owns it now`);
      log.info('digest.part_posting', { part: label, nonce: part.nonce, length: part.content.length });
      const msg = await createMessage(deps.rest, opts.channelId, {
        content: part.content, nonce: part.nonce, enforce_nonce: true, allowed_mentions: { parse: [] }, flags: DIGEST_MESSAGE_FLAGS,
      });
      const recorded = await store.recordPartPosted(deps.pool, w.start, part.partNo, msg.id);
      postedNow++;
      log.info('digest.part_posted', { part: label, message_id: msg.id, ...(recorded ? {} : { note: 'already recorded by another run' }) });
    }

    if (!await store.finishDigest(deps.pool, w.start, opts.runId)) {
      throw new ShipTrackError('DIGEST_CLAIMED_ELSEWHERE', `could not mark ${w.isoWeek} done: the claim was lost or a part has no message id`);
    }
    log.notice('digest.done', { ...windowFields(w), count, parts: parts.length, posted_now: postedNow });
    return { status: 'posted', count, parts: parts.length, postedNow };
  } catch (err) {
    // Give the window back at once so the next run (timer or by hand) resumes without waiting out the lease.
    const released = await store.releaseClaim(deps.pool, w.start, opts.runId).catch(() => false);
    log.error('digest.failed', { ...windowFields(w), error: describeError(err), claim_released: released });
    throw err;
  } finally {
    lease.stop();
  }
}

/**
 * What the timer runs: first every unfinished window and every missed window of the last
 * `catchUpWeeks` weeks, oldest first, each built as "posted late" (digest.catch_up), then the
 * latest window that has ended by `now`. Stops at the first failure (throws; the unit's
 * Restart=on-failure runs it again, docs/systemd.md §1.3), so windows are never posted out of
 * order; stops quietly when another run holds a window, since that run works through the same list.
 */
export async function runScheduled(deps: DigestDeps, opts: ScheduledRunOptions): Promise<DigestOutcome[]> {
  const latest = windowEndingAt(opts.now);
  const due = opts.catchUpWeeks > 0 ? windowsToCatchUp(latest, opts.catchUpWeeks, await store.listWindows(deps.pool)) : [];
  const { now, catchUpWeeks, ...common } = opts;
  const outcomes: DigestOutcome[] = [];
  for (const d of due) {
    deps.log.notice('digest.catch_up', {
      ...windowFields(d.window), reason: d.reason, lookback_weeks: catchUpWeeks,
      msg: d.reason === 'unfinished' ? 'finishing an earlier window first' : 'posting a missed window late',
    });
    const outcome = await runDigest(deps, { ...common, window: d.window, late: isLate(d.window, now) });
    outcomes.push(outcome);
    if (outcome.status === 'busy') return outcomes;
  }
  outcomes.push(await runDigest(deps, { ...common, window: latest, late: isLate(latest, now) }));
  return outcomes;
}
