// Owns putting the 🚀 on stored launches from its own serial queue, apart from the ingest: a
// launch is stored first and its reaction is paid here, at the rate the REST client's bucket for
// the route allows, so a long 429 on reactions never holds up storing launches. Confirms each in the
// database (reacted_at), records a refusal Discord gives for good (reaction_refused_at/_reason,
// never sent again), and pays reactions owed from earlier runs. Does not decide what is a launch.
//
// Exactly-once: the live path queues a reaction only when insertLaunch created the row; the owed
// path picks up rows whose reacted_at and reaction_refused_at are still NULL, and skips any launch
// already queued here. A crash after Discord applied the PUT but before markReacted makes the owed
// path PUT again; Discord treats PUT …/@me as a set operation, so the message still carries one 🚀
// from the bot (docs/gateway.md §5.3).

import type { Clock } from '../clock.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Queryable } from '../db/pool.js';
import { SerialQueue } from '../serial-queue.js';
import { isReactionOwed, listUnreacted, markReactionRefused, softDeleteByMessageIds } from '../db/launches.js';
import type { RestClient } from '../discord/rest/client.js';
import { DiscordApiError } from '../discord/rest/client.js';
import { retryUntilDone, type RetryOptions } from './retry.js';
import { ReactedMarks } from './reacted-marks.js';

export const ROCKET = '🚀';
/** Discord JSON code: the message no longer exists. */
const UNKNOWN_MESSAGE = 10008;

export interface ReactContext {
  db: Queryable;
  rest: RestClient;
  clock: Clock;
  log: Logger;
  /** Stops the reaction in hand: its retries, and its PUT even while that waits out a rate limit. */
  signal: AbortSignal;
  retry?: Pick<RetryOptions, 'baseMs' | 'maxMs'>;
}

/** Where reactToLaunch confirms a paid 🚀 (reacted_at): resolves once written. */
export type MarkReacted = (launchId: string, at: Date) => Promise<void>;

export type ReactResult = 'reacted' | 'refused' | 'left-owed' | 'not-owed';

/** One owed 🚀. */
export interface ReactionJob {
  launchId: string; channelId: string; messageId: string;
  /** Found owed outside this queue (a duplicate insert): confirm it is still owed right before the PUT. */
  recheck?: boolean;
}

/**
 * Discord's final "no" for this message: any 4xx except 401 (the token, not the message: once it
 * is fixed the reaction can be paid) and 429 (retried).
 * [JSON error codes](https://discord.com/developers/docs/topics/opcodes-and-status-codes#json)
 */
function refusal(err: unknown): string | undefined {
  if (!(err instanceof DiscordApiError) || err.status < 400 || err.status >= 500 || err.status === 401 || err.status === 429) return undefined;
  const message = (err.body as { message?: unknown } | null | undefined)?.message;
  return `HTTP ${err.status}${err.discordCode !== undefined ? ` code ${err.discordCode}` : ''}${typeof message === 'string' ? ` ${message}` : ''}`;
}

/**
 * PUT 🚀 then hand the launch to `mark` (reacted_at, written in batches by reacted-marks.ts; not
 * awaited here). A refusal for good is recorded with its reason (and 10008 Unknown Message
 * soft-deletes the row); any other permanent error (the token) leaves the reaction owed for the
 * next start.
 */
export async function reactToLaunch(ctx: ReactContext, job: ReactionJob, mark: MarkReacted): Promise<ReactResult> {
  const fields = { launch_id: job.launchId, message_id: job.messageId };
  const base = { clock: ctx.clock, log: ctx.log, signal: ctx.signal, fields, ...ctx.retry };
  if (job.recheck) {
    const owed = await retryUntilDone(() => isReactionOwed(ctx.db, job.launchId), { ...base, what: 'launch.reaction_owed' });
    if (!owed.ok || !owed.value) return 'not-owed';
  }
  // PUT /channels/{c}/messages/{m}/reactions/{emoji}/@me (docs/gateway.md §5.3), as addReaction
  // sends it, but abortable: a halt must not wait out a long Retry-After.
  const path = `/channels/${encodeURIComponent(job.channelId)}/messages/${encodeURIComponent(job.messageId)}/reactions/${encodeURIComponent(ROCKET)}/@me`;
  const put = await retryUntilDone(() => ctx.rest.request<void>('PUT', path, { signal: ctx.signal }), { ...base, what: 'reaction.put' });
  if (put.ok) {
    void mark(job.launchId, new Date(ctx.clock.now()));
    ctx.log.debug('reaction.added', fields);
    return 'reacted';
  }
  const err = put.permanent;
  const status = err instanceof DiscordApiError ? err.status : undefined;
  const code = err instanceof DiscordApiError ? err.discordCode : undefined;
  const reason = refusal(err);
  if (!reason) {
    ctx.log.warn('reaction.failed', { ...fields, permanent: true, status, discord_code: code, action: 'left owed for the next start', error: describeError(err) });
    return 'left-owed';
  }
  await retryUntilDone(() => markReactionRefused(ctx.db, job.launchId, new Date(ctx.clock.now()), reason), { ...base, what: 'launch.mark_reaction_refused' });
  ctx.log.warn('reaction.refused', { ...fields, status, discord_code: code, reason, action: 'recorded, never sent again' });
  if (code === UNKNOWN_MESSAGE) {
    // The message is gone (deleted while we were down or retrying): same outcome as MESSAGE_DELETE.
    await retryUntilDone(() => softDeleteByMessageIds(ctx.db, [job.messageId], new Date(ctx.clock.now())), { ...base, what: 'launch.soft_delete' });
    ctx.log.info('launch.deleted', { ...fields, reason: 'unknown-message' });
  }
  return 'refused';
}

/**
 * The reaction queue: one 🚀 at a time, oldest owed first, each waiting as long as Discord's rate
 * limit for the route says (the REST client waits out the bucket and any 429's Retry-After), and
 * none queued twice. Stopped by close() plus the context's signal.
 */
export class ReactionQueue {
  readonly stats = { reacted: 0, refused: 0 };
  private readonly queue = new SerialQueue();
  /** Launch ids queued or in flight: what the owed path must not queue again. */
  private readonly queued = new Set<string>();
  private closed = false;
  /** reacted_at of the 🚀s paid, written in batches. */
  private readonly marks: ReactedMarks;

  constructor(private readonly ctx: ReactContext) {
    this.marks = new ReactedMarks({ db: ctx.db, clock: ctx.clock, log: ctx.log, signal: ctx.signal, ...(ctx.retry ? { retry: ctx.retry } : {}) });
  }

  /** Reactions queued, in flight, or paid and not yet confirmed in the database. */
  get depth(): number { return this.queued.size; }

  /** Resolves once nothing is queued or running and every paid 🚀 is confirmed in the database. */
  async idle(): Promise<void> {
    await this.queue.idle;
    await this.marks.flush();
  }

  /** Queue the 🚀 for a launch just stored (or found owed); a launch already queued is not added again. */
  owe(job: ReactionJob): void {
    if (this.closed || this.ctx.signal.aborted || this.queued.has(job.launchId)) return;
    this.queued.add(job.launchId);
    // A paid 🚀 stays in `queued` until its reacted_at is written, so payOwed never queues it again.
    let marked: Promise<void> | undefined;
    const mark: MarkReacted = (id, at) => (marked = this.marks.add(id, at));
    this.run('reaction', async () => {
      try {
        const r = await reactToLaunch(this.ctx, job, mark);
        if (r === 'reacted') this.stats.reacted++;
        if (r === 'refused') this.stats.refused++;
      } finally {
        if (marked) void marked.then(() => this.queued.delete(job.launchId));
        else this.queued.delete(job.launchId);
      }
    }, () => this.queued.delete(job.launchId));
  }

  /**
   * Queue the reactions still owed in the database (a crash between insert and react, a 🚀 left
   * for a fixed token): listed from this queue, so a launch reacted to just before is no longer
   * owed, and one queued already is skipped.
   */
  payOwed(limit = 500): void {
    if (this.closed) return;
    this.run('owed-reactions', async () => {
      // Paid 🚀s still waiting for their reacted_at would be listed as owed: write them first.
      await this.marks.flush();
      const list = await retryUntilDone(() => listUnreacted(this.ctx.db, limit), {
        clock: this.ctx.clock, log: this.ctx.log, signal: this.ctx.signal, what: 'launch.list_unreacted', ...this.ctx.retry,
      });
      const rows = list.ok ? list.value.filter((r) => r.messageId && r.channelId && !this.queued.has(r.id)) : [];
      for (const r of rows) {
        this.ctx.log.info('reaction.owed', { launch_id: r.id, message_id: r.messageId });
        this.owe({ launchId: r.id, channelId: r.channelId!, messageId: r.messageId! });
      }
      if (rows.length > 0) this.ctx.log.info('reaction.owed_queued', { owed: rows.length });
    });
  }

  /** Drops everything not started and accepts nothing more (the signal aborts the one in flight); returns how many were dropped. */
  close(): number {
    this.closed = true;
    return this.queue.clear();
  }

  private run(name: string, job: () => Promise<void>, onDrop?: () => void): void {
    void this.queue.add(job, onDrop).catch((err: unknown) => {
      if (!this.ctx.signal.aborted) this.ctx.log.error('ingest.job_failed', { job: name, error: describeError(err) });
    });
  }
}
