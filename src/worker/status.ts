// Owns the worker_status row while this process holds the gateway: written on every state change
// and at most every ~15 s with the last event time, heartbeat ACK latency and the ingest's lag
// (queue depth, oldest unhandled event, last handled), so `shiptrack status` can tell a healthy
// worker from a wedged one; and the ingest.lagging warning when the oldest unhandled event gets
// old. Does not decide states (the bin does). A failed write is logged, never thrown: health
// reporting must not take the worker down.

import type { Clock, TimerHandle } from '../clock.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { SerialQueue } from '../serial-queue.js';
import type { Queryable } from '../db/pool.js';
import { writeWorkerStatus } from '../db/gateway-state.js';
import type { IngestLag } from './ingest.js';

export interface StatusReporterOptions {
  db: Queryable;
  clock: Clock;
  log: Logger;
  instance: string;
  /** Periodic refresh (default 15000 ms). */
  intervalMs?: number;
  lastEventAt: () => Date | undefined;
  /** The ingest's lag, read at every write and every tick. */
  ingestLag?: () => IngestLag;
  /** Warn (ingest.lagging) once the oldest unhandled event is this old (default 60000 ms). */
  lagWarnMs?: number;
}

export class StatusReporter {
  private state = 'starting';
  private detail: string | undefined;
  private ackLatencyMs: number | undefined;
  private ackAt: Date | undefined;
  private timer: TimerHandle | undefined;
  /** Writes go out one at a time, in order, so an older snapshot never lands after a newer one. */
  private readonly writes = new SerialQueue();
  private failing = false;
  private lastWriteAt = 0;
  private eventWritten = false;
  private lagging = false;
  /** A write queued behind the one in flight: it takes its snapshot when it runs, so one is enough. */
  private queuedWrite: Promise<void> | undefined;

  constructor(private readonly o: StatusReporterOptions) {}

  get current(): string { return this.state; }

  start(): void {
    if (this.timer) return;
    this.timer = this.o.clock.setInterval(() => { this.checkLag(); void this.write(); }, this.o.intervalMs ?? 15_000);
  }

  /** A state change: written now (in order with earlier writes). */
  set(state: string, detail?: string): Promise<void> {
    if (state === this.state && detail === this.detail) return this.writes.idle;
    this.state = state;
    this.detail = detail;
    return this.write();
  }

  /**
   * A gateway event arrived: refresh the row if the last write is ~15 s old, or if no event time
   * was written yet (so the first event after start shows up at once, then at most every 15 s).
   */
  noteEvent(): void {
    if (!this.eventWritten || this.o.clock.now() - this.lastWriteAt >= (this.o.intervalMs ?? 15_000)) {
      this.eventWritten = true;
      void this.write();
    }
  }

  /** Recorded for the next periodic write (ACKs come every ~41 s; no write per ACK). */
  ack(latencyMs: number): void {
    this.ackLatencyMs = Math.round(latencyMs);
    this.ackAt = new Date(this.o.clock.now());
  }

  /** Stops the timer; `final` is written last (bounded by the caller). */
  async stop(final?: { state: string; detail?: string }): Promise<void> {
    this.o.clock.clearInterval(this.timer);
    this.timer = undefined;
    if (final) await this.set(final.state, final.detail);
    else await this.writes.idle;
  }

  /**
   * A blocked statement or a silent connection shows up here first: events keep arriving (and
   * heartbeats keep being ACKed) while none is handled. Warns once per episode.
   */
  private checkLag(): void {
    const lag = this.o.ingestLag?.();
    if (!lag) return;
    const ageMs = lag.oldestPendingAt ? this.o.clock.now() - lag.oldestPendingAt.getTime() : 0;
    if (ageMs >= (this.o.lagWarnMs ?? 60_000)) {
      if (!this.lagging) this.o.log.warn('ingest.lagging', { oldest_age_ms: ageMs, depth: lag.depth, last_handled_at: lag.lastHandledAt?.toISOString() ?? 'never' });
      this.lagging = true;
    } else if (this.lagging) {
      this.lagging = false;
      this.o.log.info('ingest.caught_up', { depth: lag.depth, last_handled_at: lag.lastHandledAt?.toISOString() });
    }
  }

  /**
   * Queues one write of the state as it is when the write runs. While the database is slow, ticks
   * and state changes share the one queued write instead of piling up behind the one in flight
   * (each could wait out a timeout, and stop() waits for them all).
   */
  private write(): Promise<void> {
    this.lastWriteAt = this.o.clock.now();
    if (this.queuedWrite) return this.queuedWrite;
    let state = this.state;
    let started = false;
    const queued = this.writes.add(() => {
      started = true;
      this.queuedWrite = undefined;
      const lag = this.o.ingestLag?.();
      state = this.state;
      return writeWorkerStatus(this.o.db, {
        instance: this.o.instance, state, detail: this.detail ?? null,
        lastEventAt: this.o.lastEventAt() ?? null, lastAckLatencyMs: this.ackLatencyMs ?? null, lastAckAt: this.ackAt ?? null,
        ingestQueueDepth: lag?.depth ?? null, ingestOldestPendingAt: lag?.oldestPendingAt ?? null, ingestLastHandledAt: lag?.lastHandledAt ?? null,
      });
    }).then(
      () => { if (this.failing) this.o.log.info('status.write_recovered'); this.failing = false; },
      (err: unknown) => {
        if (!this.failing) this.o.log.warn('status.write_failed', { state, error: describeError(err) });
        this.failing = true;
      });
    // With nothing in flight the write started at once (synchronously): nothing is queued then.
    if (!started) this.queuedWrite = queued;
    return queued;
  }
}
