// Owns turning message events from #i-shipped into launches: one serial queue, so events are
// handled in the order they arrived, each retried until done (DB or Discord outages never drop
// an event), then the backfill cursor moves (written coalesced by cursor-writer.ts). A stored launch's 🚀 goes to the reaction queue
// (reactions.ts), which pays it on its own: a rate-limited reaction never holds up storing.
// New messages that arrive while an earlier job is running wait in one open batch and are stored
// with one INSERT when their turn comes (src/db/launch-batch.ts): under a burst or a RESUME's
// replay the database sees one round trip per batch, not one per message.
// Does not talk to the gateway (the bin wires that), does not decide what is a launch
// (src/launch/detect.ts) and does not page history (backfill.ts).

import type { Clock } from '../clock.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { SerialQueue } from '../serial-queue.js';
import type { Queryable } from '../db/pool.js';
import { findByMessageId, insertLaunch, softDeleteByMessageIds, updateLaunchText } from '../db/launches.js';
import { insertChannelLaunches, MAX_BATCH_ROWS } from '../db/launch-batch.js';
import type { RestClient } from '../discord/rest/client.js';
import { detectLaunch, extractUrls, type LaunchDecision } from '../launch/detect.js';
import { displayName } from '../discord/display-name.js';
import { asDeleteBulk, asMessage, editedAt, isComplete, postedAt, toLaunchMessage, type MessagePayload } from './payloads.js';
import { ReactionQueue } from './reactions.js';
import { retryUntilDone, type RetryOptions } from './retry.js';
import { runBackfill, type BackfillResult } from './backfill.js';
import { CursorWriter } from './cursor-writer.js';

export interface IngestOptions {
  db: Queryable;
  rest: RestClient;
  clock: Clock;
  log: Logger;
  channelId: string;
  guildId?: string | undefined;
  words: readonly string[];
  minLength: number;
  /** Known before READY from GET /users/@me; READY's user.id replaces it. */
  botUserId?: string;
  /** First start with no cursor: backfill this far back (0 = start from now). */
  backfillWindowMs: number;
  retry?: Pick<RetryOptions, 'baseMs' | 'maxMs'>;
  /**
   * At a halt, how long the reaction in hand may still finish (its PUT answered and reacted_at
   * written) before it is aborted (default 1000 ms, well inside the worker's 5 s stop budget).
   */
  reactionGraceMs?: number;
  /**
   * The backfill cursor is written at most once per this many ms while messages flow, and always
   * before a backfill and at a halt (default 500; src/worker/cursor-writer.ts says why a lagging
   * cursor loses nothing).
   */
  cursorWriteMs?: number;
}

export type Via = 'gateway' | 'backfill' | 'edit';

export interface IngestStats {
  events: number;
  logged: number;
  ignored: number;
  edited: number;
  deleted: number;
  /** 🚀 confirmed by this process. */
  readonly reactions: number;
  lastEventAt: Date | undefined;
}

/** How far behind the ingest is: what `shiptrack status` judges a stall by (worker_status). */
export interface IngestLag {
  /** Events and backfills received but not finished, the one in hand included. */
  depth: number;
  /** When the oldest of those arrived; undefined when none is waiting. */
  oldestPendingAt: Date | undefined;
  /** When the last one finished. */
  lastHandledAt: Date | undefined;
}

/** Counters; `reactions` reads the reaction queue's own count. */
function ingestStats(reacted: () => number): IngestStats {
  return { events: 0, logged: 0, ignored: 0, edited: 0, deleted: 0, get reactions() { return reacted(); }, lastEventAt: undefined };
}

const MESSAGE_EVENTS = new Set(['MESSAGE_CREATE', 'MESSAGE_UPDATE', 'MESSAGE_DELETE', 'MESSAGE_DELETE_BULK']);

/** New messages stored together; `resolve` settles each one's handleDispatch. */
interface CreateBatch { items: { m: MessagePayload; resolve: () => void }[]; started: boolean }

export class Ingest {
  readonly stats: IngestStats = ingestStats(() => this.reactions.stats.reacted);
  private readonly o: IngestOptions;
  private readonly log: Logger;
  private readonly abort = new AbortController();
  /** Aborts the reaction in hand, reactionGraceMs after a halt. */
  private readonly reactionsAbort = new AbortController();
  /** Events and backfills, one at a time in arrival order. */
  private readonly jobs = new SerialQueue();
  /** Arrival times of the jobs not finished, oldest first (the queue runs them in that order). */
  private readonly pendingSince: number[] = [];
  private lastHandledAt: Date | undefined;
  private botUserId: string;
  /** The 🚀 of stored launches, paid apart from the events. */
  readonly reactions: ReactionQueue;
  /** The backfill cursor: the newest message finished, written coalesced. */
  private readonly cursor: CursorWriter;
  /** The last job in the queue, while it is a batch of new messages that has not started: later ones join it. */
  private openBatch: CreateBatch | undefined;

  constructor(options: IngestOptions) {
    this.o = options;
    this.log = options.log;
    this.botUserId = options.botUserId ?? '';
    this.cursor = new CursorWriter({ db: options.db, clock: options.clock, log: options.log, channelId: options.channelId, intervalMs: options.cursorWriteMs ?? 500 });
    this.reactions = new ReactionQueue({ db: options.db, rest: options.rest, clock: options.clock, log: options.log, signal: this.reactionsAbort.signal, ...(options.retry ? { retry: options.retry } : {}) });
  }

  get halted(): boolean { return this.abort.signal.aborted; }
  get pending(): number { return this.jobs.pending; }

  /** The ingest's lag right now (the status row's ingest_* columns). */
  lag(): IngestLag {
    const oldest = this.pendingSince[0];
    return { depth: this.pendingSince.length, oldestPendingAt: oldest === undefined ? undefined : new Date(oldest), lastHandledAt: this.lastHandledAt };
  }

  setBotUserId(id: string): void { this.botUserId = id; }

  /**
   * The gateway's onDispatch (the shard awaits it, then persists the seq). Resolves when the event
   * is fully handled. After a halt it never resolves: the shard must not record the seq of an
   * event that was dropped, so a RESUME (by this or the next worker) replays it.
   */
  handleDispatch(t: string, d: unknown): Promise<void> {
    if (this.halted) return new Promise<void>(() => {});
    this.stats.lastEventAt = new Date(this.o.clock.now());
    if (!MESSAGE_EVENTS.has(t)) return Promise.resolve();
    const channelId = (d as { channel_id?: unknown } | null)?.channel_id;
    if (channelId !== this.o.channelId) {
      this.log.debug('launch.ignored', { reason: 'other-channel', event: t, channel_id: channelId, message_id: (d as { id?: unknown } | null)?.id });
      return Promise.resolve();
    }
    this.stats.events++;
    if (t === 'MESSAGE_CREATE') {
      const m = asMessage(d);
      if (m && isComplete(m)) return this.queueCreate(m);
    }
    return new Promise<void>((resolve) => {
      this.enqueue(t, async () => {
        try { await this.handle(t, d); } finally { if (!this.halted) resolve(); }
      });
    });
  }

  /** Fire-and-forget form of handleDispatch (tests, benchmarks). */
  dispatch(t: string, d: unknown): void {
    void this.handleDispatch(t, d);
  }

  /** Queue a history catch-up (after READY, i.e. a new session, and at start-up). */
  backfill(): Promise<BackfillResult | undefined> {
    return new Promise((resolve) => {
      this.enqueue('backfill', async () => {
        try {
          // The backfill starts reading at the stored cursor: bring it up to date first.
          await this.cursor.flush();
          const result = await runBackfill({
            db: this.o.db, rest: this.o.rest, clock: this.o.clock, log: this.log, signal: this.abort.signal,
            channelId: this.o.channelId, windowMs: this.o.backfillWindowMs, ...(this.o.retry ? { retry: this.o.retry } : {}),
          }, (m) => this.handleCreate(m, 'backfill'));
          // A backfill is a catch-up in bulk: its cursor is written when it ends, not a tick later.
          await this.cursor.flush();
          resolve(result);
        } finally {
          resolve(undefined);
        }
      }, () => resolve(undefined));
    });
  }

  /** Queue paying reactions owed from earlier runs (start-up, each (re)connect) on the reaction queue. */
  payOwedReactions(): void {
    this.reactions.payOwed();
  }

  /**
   * Resolves when no event or backfill is queued or running: everything received is stored, and
   * the cursor written. Reactions may still be owed.
   */
  async stored(): Promise<void> {
    await this.jobs.idle;
    await this.cursor.flush();
  }

  /** Resolves when neither events nor reactions are queued or running and the cursor is written (tests, benchmarks). */
  async idle(): Promise<void> {
    do {
      await this.jobs.idle;
      await this.reactions.idle();
    } while (this.jobs.pending > 0 || this.reactions.depth > 0);
    await this.cursor.flush();
  }

  /**
   * Stop now: nothing queued runs, nothing new is accepted, the event in progress is aborted at its
   * next await; the reaction in progress gets reactionGraceMs to finish (a PUT on the wire is
   * usually answered at once, and recording it spares the next start a second PUT), then it is
   * aborted too. Used when the gateway lock is lost (another worker may take over) and on shutdown.
   * Unfinished events are not lost: the cursor never moved past them, so backfill finds them;
   * unpaid reactions stay owed in the database. The cursor of the events finished is written once
   * more (bounded by reactionGraceMs, like the reaction in hand).
   */
  halt(reason: string): Promise<void> {
    if (!this.halted) {
      const dropped = this.jobs.clear();
      const reactions = this.reactions.close();
      const why = new Error(`ingest halted: ${reason}`);
      this.abort.abort(why);
      const grace = this.o.clock.setTimeout(() => this.reactionsAbort.abort(why), this.o.reactionGraceMs ?? 1000);
      void this.reactions.idle().then(() => { this.o.clock.clearTimeout(grace); this.reactionsAbort.abort(why); });
      this.log.info('ingest.halted', { reason, dropped, reactions_dropped: reactions });
    }
    const cursorWritten = this.jobs.idle.then(() => this.boundedByGrace(this.cursor.close()));
    return Promise.all([cursorWritten, this.reactions.idle()]).then(() => {});
  }

  /** `p`, or reactionGraceMs, whichever comes first (a stalled database must not hold up a stop). */
  private boundedByGrace(p: Promise<void>): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = this.o.clock.setTimeout(resolve, this.o.reactionGraceMs ?? 1000);
      void p.finally(() => { this.o.clock.clearTimeout(timer); resolve(); });
    });
  }

  /**
   * A complete MESSAGE_CREATE joins the open batch when there is one (it is the last job, so the
   * order of events is kept), else starts one. Resolves once the message is finished.
   */
  private queueCreate(m: MessagePayload): Promise<void> {
    return new Promise<void>((resolve) => {
      const open = this.openBatch;
      if (open && !open.started && open.items.length < MAX_BATCH_ROWS && !open.items.some((i) => i.m.id === m.id)) {
        open.items.push({ m, resolve });
        this.pendingSince.push(this.o.clock.now());
        return;
      }
      const batch: CreateBatch = { items: [{ m, resolve }], started: false };
      this.enqueue('MESSAGE_CREATE', async () => {
        batch.started = true;
        try {
          await this.storeBatch(batch.items);
        } finally {
          // As for any other event: settled unless halted, also when handling failed on a bug, so
          // the shard goes on persisting later sequence numbers (a no-op for those already settled).
          if (!this.halted) for (const item of batch.items) item.resolve();
        }
      }, undefined, () => batch.items.length);
      // With nothing else queued the job has already started (it runs synchronously up to its
      // first await), so the next message starts a batch of its own that collects what arrives.
      if (!batch.started && !this.halted) this.openBatch = batch;
    });
  }

  /**
   * `size()` is how many events the job stands for (a batch of new messages: one per message), for
   * the lag's depth and oldest arrival.
   */
  private enqueue(name: string, run: () => Promise<void>, onDrop?: () => void, size: () => number = () => 1): void {
    this.openBatch = undefined; // a later message must not jump ahead of this job
    if (this.halted) { onDrop?.(); return; }
    this.pendingSince.push(this.o.clock.now());
    const tracked = async () => {
      try {
        await run();
      } finally {
        this.pendingSince.splice(0, size());
        if (!this.halted) this.lastHandledAt = new Date(this.o.clock.now());
      }
    };
    // clear() drops the newest jobs: their arrival times are the last ones.
    const dropped = () => { this.pendingSince.splice(-size()); onDrop?.(); };
    void this.jobs.add(tracked, dropped).catch((err: unknown) => {
      // Only a halt (abort) or a bug lands here; either way the queue goes on with the next job.
      if (!this.halted) this.log.error('ingest.job_failed', { job: name, error: describeError(err) });
    });
  }

  private retry<T>(what: string, fn: () => Promise<T>, fields: Record<string, unknown>) {
    return retryUntilDone(fn, { clock: this.o.clock, log: this.log, signal: this.abort.signal, what, fields, ...this.o.retry });
  }

  private async handle(t: string, d: unknown): Promise<void> {
    if (t === 'MESSAGE_DELETE_BULK') {
      const bulk = asDeleteBulk(d);
      if (bulk) await this.softDelete(bulk.ids, t);
      return;
    }
    const m = asMessage(d);
    if (!m) { this.log.warn('launch.ignored', { reason: 'malformed-payload', event: t }); return; }
    if (t === 'MESSAGE_CREATE') return this.handleCreate(m, 'gateway');
    if (t === 'MESSAGE_UPDATE') return this.handleUpdate(m);
    return this.softDelete([m.id], t);
  }

  /** MESSAGE_CREATE and backfilled history: decide, store once, queue the one reaction, then move the cursor. */
  private async handleCreate(m: MessagePayload, via: Via): Promise<void> {
    if (!isComplete(m)) {
      const full = await this.fetchMessage(m);
      if (!full) return;
      m = full;
    }
    const stored = await this.decideAndStore(m, via);
    if (!stored || this.halted) return;
    this.cursor.advance(m.id);
  }

  /**
   * New messages from the gateway, in arrival order: every launch among them stored with one
   * INSERT (when there are several), then each finished in order (logged, 🚀 queued, cursor moved,
   * its dispatch resolved). A launch the statement did not store (stored before, or the statement
   * failed for good) goes through the one-message path, which says why.
   */
  private async storeBatch(items: CreateBatch['items']): Promise<void> {
    const decided = items.map(({ m, resolve }) => ({ m, resolve, decision: this.decide(m) }));
    const launches = decided.filter((x) => x.decision.launch);
    let created: Map<string, string> | undefined;
    if (launches.length > 1) {
      const got = await this.retry('launch.insert', () => insertChannelLaunches(this.o.db, launches.map(({ m, decision }) => ({
        ...this.row(m, decision), messageId: m.id,
      }))), { count: launches.length, first_message_id: launches[0]!.m.id, last_message_id: launches.at(-1)!.m.id });
      if (got.ok) created = got.value;
      else this.log.warn('launch.batch_failed', { count: launches.length, action: 'one at a time', error: describeError(got.permanent) });
    }
    for (const { m, resolve, decision } of decided) {
      if (this.halted) return;
      const id = created?.get(m.id);
      let stored = true;
      if (id !== undefined) this.logged(m, decision, 'gateway', id);
      else stored = await this.store(m, decision, 'gateway');
      if (this.halted) return;
      if (stored) this.cursor.advance(m.id);
      resolve();
    }
  }

  private decide(m: MessagePayload): LaunchDecision {
    return detectLaunch(toLaunchMessage(m), {
      channelId: this.o.channelId, botUserId: this.botUserId, words: this.o.words, minLength: this.o.minLength,
    });
  }

  private row(m: MessagePayload, decision: LaunchDecision) {
    return {
      guildId: m.guild_id ?? this.o.guildId ?? null, channelId: m.channel_id, userId: m.author!.id,
      userName: displayName(m.author, m.member), content: m.content ?? '', urls: decision.urls, createdAt: postedAt(m),
    };
  }

  /** Returns false only when the event could not be stored (a permanent DB error). */
  private decideAndStore(m: MessagePayload, via: Via): Promise<boolean> {
    return this.store(m, this.decide(m), via);
  }

  /** Stores one decided message (a non-launch only counts); false when it could not be stored for good. */
  private async store(m: MessagePayload, decision: LaunchDecision, via: Via): Promise<boolean> {
    const fields = { message_id: m.id, user_id: m.author?.id, via };
    if (!decision.launch) {
      this.stats.ignored++;
      this.log.info('launch.ignored', { ...fields, reason: decision.reason });
      return true;
    }
    const inserted = await this.retry('launch.insert', () => insertLaunch(this.o.db, {
      source: 'channel', ...this.row(m, decision), messageId: m.id,
    }), fields);
    if (!inserted.ok) {
      this.log.error('launch.failed', { ...fields, permanent: true, error: describeError(inserted.permanent) });
      return false;
    }
    if (!inserted.value.created) {
      this.stats.ignored++;
      this.log.info('launch.ignored', { ...fields, reason: 'duplicate', launch_id: inserted.value.id });
      // Stored, but its 🚀 never queued: the INSERT committed and its answer was lost (a timeout),
      // or an earlier process died before reacting. Queued at most once; rechecked before the PUT.
      if (inserted.value.reactionOwed) this.reactions.owe({ launchId: inserted.value.id, channelId: m.channel_id, messageId: m.id, recheck: true });
      return true;
    }
    this.logged(m, decision, via, inserted.value.id);
    return true;
  }

  /** A launch stored just now: counted, logged, and its 🚀 queued. */
  private logged(m: MessagePayload, decision: LaunchDecision, via: Via, launchId: string): void {
    this.stats.logged++;
    this.log.info('launch.logged', { message_id: m.id, user_id: m.author?.id, via, reason: 'launch', word: decision.word, urls: decision.urls.length, launch_id: launchId });
    this.reactions.owe({ launchId, channelId: m.channel_id, messageId: m.id });
  }

  /**
   * An edit of a logged launch updates its text (it stays logged even if it no longer looks like
   * one: un-logging on a typo fix would surprise people, docs/gateway.md §5.2). An edit that makes an
   * unlogged message launch-shaped logs it now. Partial payloads are completed over REST.
   */
  private async handleUpdate(m: MessagePayload): Promise<void> {
    const fields = { message_id: m.id, via: 'edit' as const };
    const found = await this.retry('launch.find', () => findByMessageId(this.o.db, m.id), fields);
    const existing = found.ok ? found.value : undefined;
    if (existing) {
      if (existing.deletedAt) { this.log.debug('launch.ignored', { ...fields, reason: 'deleted' }); return; }
      if (typeof m.content !== 'string' || m.content === existing.content) {
        // Embed unfurls and partial updates carry no new text: nothing to change.
        this.log.debug('launch.ignored', { ...fields, reason: typeof m.content !== 'string' ? 'no-content-in-update' : 'unchanged' });
        return;
      }
      const content = m.content;
      const still = detectLaunch(toLaunchMessage({ ...m, author: m.author ?? { id: existing.userId } }), {
        channelId: this.o.channelId, botUserId: this.botUserId, words: this.o.words, minLength: this.o.minLength,
      });
      await this.retry('launch.update', () => updateLaunchText(this.o.db, m.id, content, extractUrls(content), editedAt(m, this.o.clock.now())), fields);
      this.stats.edited++;
      this.log.info('launch.edited', { ...fields, launch_id: existing.id, still_launch: still.launch, reason: still.reason });
      return;
    }
    const full = isComplete(m) ? m : await this.fetchMessage(m);
    if (!full) return;
    await this.decideAndStore(full, 'edit');
  }

  /** GET the full message when a payload lacks author or content; undefined if it is gone. */
  private async fetchMessage(m: MessagePayload): Promise<MessagePayload | undefined> {
    const path = `/channels/${encodeURIComponent(m.channel_id)}/messages/${encodeURIComponent(m.id)}`;
    const got = await this.retry('message.fetch', () => this.o.rest.request<MessagePayload>('GET', path), { message_id: m.id });
    if (got.ok) return got.value;
    this.log.info('launch.ignored', { message_id: m.id, reason: 'partial-and-unfetchable', error: describeError(got.permanent) });
    return undefined;
  }

  private async softDelete(ids: string[], event: string): Promise<void> {
    const at = new Date(this.o.clock.now());
    const r = await this.retry('launch.soft_delete', () => softDeleteByMessageIds(this.o.db, ids, at), { event, count: ids.length });
    const n = r.ok ? r.value : 0;
    this.stats.deleted += n;
    if (n > 0) this.log.info('launch.deleted', { event, deleted: n, message_ids: ids.slice(0, 10).join(',') });
    else this.log.debug('launch.ignored', { event, reason: 'delete-of-unlogged', count: ids.length });
  }
}
