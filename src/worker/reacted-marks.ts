// Owns confirming paid 🚀s in the database (launches.reacted_at) in batches: the reaction queue
// hands over each launch whose PUT Discord answered, and this writes them in one UPDATE per batch
// (at most `intervalMs` after the first, or at once when `maxBatch` are waiting), retried until
// done, instead of one round trip per reaction (issue 14).
//
// A crash before a batch is written leaves those launches owed: the next start PUTs their 🚀 again,
// which Discord treats as a set operation, so each message still carries one 🚀 from the bot
// (docs/gateway.md §5.3). Does not send reactions (reactions.ts does).

import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../log.js';
import type { Queryable } from '../db/pool.js';
import { markReactedMany } from '../db/launches.js';
import { retryUntilDone, type RetryOptions } from './retry.js';

export interface ReactedMarksOptions {
  db: Queryable;
  clock: Clock;
  log: Logger;
  /** Stops the write in hand (its retries) at a halt. */
  signal: AbortSignal;
  retry?: Pick<RetryOptions, 'baseMs' | 'maxMs'>;
  /** A waiting mark is written at most this long after it was added (default 250 ms). */
  intervalMs?: number;
  /** This many waiting are written at once (default 100). */
  maxBatch?: number;
}

export class ReactedMarks {
  private waiting: { id: string; at: Date; done: () => void }[] = [];
  private timer: TimerHandle | undefined;
  /** Batches are written one at a time. */
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly o: ReactedMarksOptions) {}

  /** Launches paid and not yet confirmed in the database. */
  get pending(): number { return this.waiting.length; }

  /** Queue reacted_at = `at` for launch `id`; resolves once it is written (or the write was aborted by a halt). */
  add(id: string, at: Date): Promise<void> {
    return new Promise<void>((done) => {
      this.waiting.push({ id, at, done });
      if (this.waiting.length >= (this.o.maxBatch ?? 100)) void this.flush();
      else this.timer ??= this.o.clock.setTimeout(() => { this.timer = undefined; void this.flush(); }, this.o.intervalMs ?? 250);
    });
  }

  /** Writes everything waiting now; resolves when that and every earlier batch is done. */
  flush(): Promise<void> {
    this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.waiting;
    this.waiting = [];
    this.writing = this.writing.then(async () => {
      if (batch.length === 0) return;
      try {
        await retryUntilDone(() => markReactedMany(this.o.db, batch), {
          clock: this.o.clock, log: this.o.log, signal: this.o.signal, what: 'launch.mark_reacted', fields: { count: batch.length }, ...this.o.retry,
        });
      } catch {
        // Halted (the signal): these stay owed in the database, and the next start pays them.
      } finally {
        for (const m of batch) m.done();
      }
    });
    return this.writing;
  }
}
