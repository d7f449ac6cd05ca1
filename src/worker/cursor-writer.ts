// Owns writing the backfill cursor (channel_cursors) for the ingest, coalesced: the ingest reports
// each message it finished, in order, and this writes the newest of them at most once per
// `intervalMs` (and on flush(), which the ingest calls before a backfill reads the cursor and when
// it halts). A write that fails is logged and tried again at the next interval.
//
// Why coalescing is safe (docs/gateway.md §3.4): the cursor only says where the next backfill starts
// reading. A cursor that lags (a crash before the next write) makes the backfill read a few messages
// again, and the ingest's store is idempotent on the message id, so they are stored and reacted to
// once. The cursor never moves past a message the ingest did not finish, since only finished
// messages are reported, and the database keeps the greatest id ever written (advanceCursor).
// Does not decide what was finished (ingest.ts) and does not read the cursor (backfill.ts).

import type { Clock, TimerHandle } from '../clock.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Queryable } from '../db/pool.js';
import { advanceCursor } from '../db/gateway-state.js';
import { compareSnowflakes } from '../discord/snowflake.js';

export interface CursorWriterOptions {
  db: Queryable;
  clock: Clock;
  log: Logger;
  channelId: string;
  /** At most one write per this many ms while messages flow (0: a write per message, not awaited). */
  intervalMs: number;
}

export class CursorWriter {
  /** The newest finished message not written yet. */
  private pending: string | undefined;
  private timer: TimerHandle | undefined;
  /** The write in flight: flushes run one at a time, so an older id never lands after a newer one. */
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly o: CursorWriterOptions) {}

  /** The ingest finished message `id` (stored, or decided not to be a launch). */
  advance(id: string): void {
    if (this.pending === undefined || compareSnowflakes(id, this.pending) > 0) this.pending = id;
    if (this.closed) return;
    this.timer ??= this.o.clock.setTimeout(() => { this.timer = undefined; void this.flush(); }, this.o.intervalMs);
  }

  /** Writes what is pending now; resolves when it is written or the write failed (then it stays pending). */
  flush(): Promise<void> {
    this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.writing = this.writing.then(() => this.writeOnce());
    return this.writing;
  }

  /** No further timed writes; the last write (what is pending now) is flushed. */
  close(): Promise<void> {
    this.closed = true;
    return this.flush();
  }

  private async writeOnce(): Promise<void> {
    const id = this.pending;
    if (id === undefined) return;
    this.pending = undefined;
    try {
      await advanceCursor(this.o.db, this.o.channelId, id);
    } catch (err) {
      // Kept for the next write; a newer id reported meanwhile supersedes it.
      this.o.log.warn('cursor.write_failed', { channel_id: this.o.channelId, message_id: id, action: 'retried at the next write', error: describeError(err) });
      if (this.pending === undefined || compareSnowflakes(id, this.pending) > 0) this.pending = id;
      if (!this.closed) this.timer ??= this.o.clock.setTimeout(() => { this.timer = undefined; void this.flush(); }, Math.max(this.o.intervalMs, 1000));
    }
  }
}
