// Owns in-order delivery of dispatches to the application: one handler call at a time, in
// arrival order, across reconnects. Does not persist anything; it reports each processed item.
import type { Logger } from '../../log.js';

export interface Dispatch { t: string; s: number; d: any } // eslint-disable-line @typescript-eslint/no-explicit-any
/** A dispatch tagged with the session it arrived on, so a late item never persists into a newer session. */
export interface QueuedDispatch extends Dispatch { sessionId: string | undefined }

export class DispatchQueue {
  private readonly items: QueuedDispatch[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly handler: (d: Dispatch) => Promise<void>,
    private readonly onProcessed: (item: QueuedDispatch) => void,
    private readonly log: Logger,
  ) {}

  get length(): number { return this.items.length; }
  /** Resolves when the handler call in progress (if any) and everything queued are done. */
  get idle(): Promise<void> { return this.running ?? Promise.resolve(); }

  push(item: QueuedDispatch): void {
    this.items.push(item);
    if (this.running) return;
    this.running = (async () => {
      try {
        while (this.items.length > 0) {
          const next = this.items.shift()!;
          try {
            await this.handler({ t: next.t, s: next.s, d: next.d });
          } catch (err) {
            // The worker catches its own unit-of-work errors; this is the last line of defence.
            this.log.error('gateway.dispatch_handler_failed', { t: next.t, s: next.s, err });
          }
          this.onProcessed(next);
        }
      } finally {
        // Runs in the same continuation as the last empty check: no push can slip in between.
        this.running = undefined;
      }
    })();
  }

  /** Drops what has not started; the call in progress finishes. */
  clear(): void { this.items.length = 0; }
}
