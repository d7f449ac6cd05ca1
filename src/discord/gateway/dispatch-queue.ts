// Owns in-order delivery of dispatches to the application: one handler call at a time, in
// arrival order, across reconnects. Does not persist anything; it reports each processed item.
import type { Logger } from '../../log.js';
import { SerialQueue } from '../../serial-queue.js';

export interface Dispatch { t: string; s: number; d: any } // eslint-disable-line @typescript-eslint/no-explicit-any
/** A dispatch tagged with the session it arrived on, so a late item never persists into a newer session. */
export interface QueuedDispatch extends Dispatch { sessionId: string | undefined }

export class DispatchQueue {
  private readonly jobs = new SerialQueue();

  constructor(
    private readonly handler: (d: Dispatch) => Promise<void>,
    private readonly onProcessed: (item: QueuedDispatch) => void,
    private readonly log: Logger,
  ) {}

  /** Dispatches waiting; the one being handled is not counted. */
  get length(): number { return this.jobs.size; }
  /** Resolves when the handler call in progress (if any) and everything queued are done. */
  get idle(): Promise<void> { return this.jobs.idle; }

  push(item: QueuedDispatch): void {
    void this.jobs.add(async () => {
      try {
        await this.handler({ t: item.t, s: item.s, d: item.d });
      } catch (err) {
        // The worker catches its own unit-of-work errors; this is the last line of defence.
        this.log.error('gateway.dispatch_handler_failed', { t: item.t, s: item.s, err });
      }
      this.onProcessed(item);
    });
  }

  /** Drops what has not started; the call in progress finishes. */
  clear(): void { this.jobs.clear(); }
}
