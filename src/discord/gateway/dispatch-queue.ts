// Owns in-order delivery of dispatches to the application: the handler is called for each
// dispatch as it arrives, in arrival order, across reconnects; each one is reported processed
// (onProcessed: the shard may then persist its seq) only once its handler call has settled AND
// every earlier one has been reported. Does not persist anything itself.
//
// The handler is called at once rather than after the previous call settled, so an application
// that works in batches (the worker stores a run of queued messages with one INSERT) sees the
// backlog; one that wants one-at-a-time keeps its own queue (the ingest does). What the shard
// relies on is unchanged: no seq is reported before its event and every earlier one were handled.
import type { Logger } from '../../log.js';

export interface Dispatch { t: string; s: number; d: any } // eslint-disable-line @typescript-eslint/no-explicit-any
/** A dispatch tagged with the session it arrived on, so a late item never persists into a newer session. */
export interface QueuedDispatch extends Dispatch { sessionId: string | undefined }

interface Entry { item: QueuedDispatch; done: Promise<void> }

export class DispatchQueue {
  /** Handed to the handler, not reported yet, oldest first. Replaced (not emptied) by clear(). */
  private entries: Entry[] = [];
  /** After clear(): the report of the event that was in hand then. */
  private inHand: Promise<void> = Promise.resolve();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handler: (d: Dispatch) => Promise<void>,
    private readonly onProcessed: (item: QueuedDispatch) => void,
    private readonly log: Logger,
  ) {}

  /** Dispatches handed over but not finished, apart from the oldest (the one in hand). */
  get length(): number { return Math.max(0, this.entries.length - 1); }

  /** Resolves when every dispatch handed over has been reported (and, after clear(), the one that was in hand). */
  get idle(): Promise<void> {
    const current = this.entries.length === 0 ? Promise.resolve() : new Promise<void>((r) => { this.idleWaiters.push(r); });
    return Promise.all([this.inHand, current]).then(() => {});
  }

  push(item: QueuedDispatch): void {
    const entry: Entry = { item, done: this.call(item) };
    const list = this.entries;
    list.push(entry);
    if (list.length === 1) void this.report(list);
  }

  /**
   * Stops reporting what has been handed over, except the oldest unfinished dispatch (the one in
   * hand), which is still reported when it finishes. The others are replayed by the next RESUME;
   * the handler de-duplicates them. Dispatches pushed afterwards are reported as usual.
   */
  clear(): void {
    const [head] = this.entries;
    this.entries = [];
    this.wakeIdle();
    if (head) this.inHand = head.done.then(() => this.onProcessed(head.item));
  }

  /** The handler's call for `item`, settled either way; a failure is logged, not thrown. */
  private call(item: QueuedDispatch): Promise<void> {
    const failed = (err: unknown) => {
      // The worker catches its own unit-of-work errors; this is the last line of defence.
      this.log.error('gateway.dispatch_handler_failed', { t: item.t, s: item.s, err });
    };
    try {
      return this.handler({ t: item.t, s: item.s, d: item.d }).then(() => {}, failed);
    } catch (err) {
      failed(err);
      return Promise.resolve();
    }
  }

  /** Reports the entries of `list` in order as each finishes; stops when clear() replaced the list. */
  private async report(list: Entry[]): Promise<void> {
    while (list.length > 0) {
      const entry = list[0]!;
      await entry.done;
      if (list !== this.entries) return;
      list.shift();
      this.onProcessed(entry.item);
    }
    this.wakeIdle();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
