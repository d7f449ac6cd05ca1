// Owns the worker_status row while this process holds the gateway: written on every state change
// and at most every ~15 s with the last event time and heartbeat ACK latency, so `shiptrack
// status` can tell a healthy worker from a wedged one. Does not decide states (the bin does).
// A failed write is logged, never thrown: health reporting must not take the worker down.

import type { Clock, TimerHandle } from '../clock.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { SerialQueue } from '../serial-queue.js';
import type { Queryable } from '../db/pool.js';
import { writeWorkerStatus } from '../db/gateway-state.js';

export interface StatusReporterOptions {
  db: Queryable;
  clock: Clock;
  log: Logger;
  instance: string;
  /** Periodic refresh (default 15000 ms). */
  intervalMs?: number;
  lastEventAt: () => Date | undefined;
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

  constructor(private readonly o: StatusReporterOptions) {}

  get current(): string { return this.state; }

  start(): void {
    if (this.timer) return;
    this.timer = this.o.clock.setInterval(() => void this.write(), this.o.intervalMs ?? 15_000);
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

  private write(): Promise<void> {
    this.lastWriteAt = this.o.clock.now();
    const snapshot = {
      instance: this.o.instance, state: this.state, detail: this.detail ?? null,
      lastEventAt: this.o.lastEventAt() ?? null, lastAckLatencyMs: this.ackLatencyMs ?? null, lastAckAt: this.ackAt ?? null,
    };
    return this.writes.add(() => writeWorkerStatus(this.o.db, snapshot)).then(
      () => { if (this.failing) this.o.log.info('status.write_recovered'); this.failing = false; },
      (err: unknown) => {
        if (!this.failing) this.o.log.warn('status.write_failed', { state: snapshot.state, error: describeError(err) });
        this.failing = true;
      });
  }
}
