// Owns the worker_status row while this process holds the gateway: written on every state change
// and at most every ~15 s with the last event time, heartbeat ACK latency, the ingest's lag
// (queue depth, oldest unhandled event, last handled) and since when the gateway has been
// unreachable (with the connection attempts made since) and what makes the channel unusable, so `shiptrack status` can tell a healthy
// worker from a wedged one and a Discord outage from either; the ingest.lagging warning when the
// oldest unhandled event gets old, and gateway.unreachable when Discord has been out of reach for
// long (once per escalation: after 1, 2, 4, … minutes, then hourly). Does not decide states (the
// app does). A failed write is logged, never thrown: health reporting must not take the worker
// down; each successful write is reported (onWriteOk), the worker's proof that its database answers.

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
  /** First gateway.unreachable warning after this long without a connection (default 60000 ms); then at 2×, 4×, …, at most hourly. */
  unreachableWarnMs?: number;
  /** Called after every write the database accepted. */
  onWriteOk?: () => void;
}

/** States in which the worker holds a gateway connection (the others count as Discord out of reach). */
const CONNECTED = new Set(['ready']);
/** Final states: the worker is not trying to reach Discord any more. */
const FINAL = new Set(['stopped', 'fatal', 'conflict']);
const MAX_UNREACHABLE_WARN_GAP_MS = 3_600_000;

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
  private downSince: number | undefined;
  private attempts = 0;
  /** What makes the channel unusable (null: usable; undefined: not checked yet, the row keeps its value). */
  private channelProblem: string | null | undefined;
  /** Outage age at which the next gateway.unreachable goes out. */
  private nextUnreachableWarnMs: number;
  /** A write queued behind the one in flight: it takes its snapshot when it runs, so one is enough. */
  private queuedWrite: Promise<void> | undefined;

  constructor(private readonly o: StatusReporterOptions) {
    this.nextUnreachableWarnMs = o.unreachableWarnMs ?? 60_000;
    this.noteState(this.state);
  }

  get current(): string { return this.state; }

  /** Since when the gateway has been out of reach (undefined while connected), and attempts made since. */
  get outage(): { since: Date; attempts: number } | undefined {
    return this.downSince === undefined ? undefined : { since: new Date(this.downSince), attempts: this.attempts };
  }

  start(): void {
    if (this.timer) return;
    this.timer = this.o.clock.setInterval(() => { this.checkLag(); this.checkUnreachable(); void this.write(); }, this.o.intervalMs ?? 15_000);
  }

  /** A state change: written now (in order with earlier writes). */
  set(state: string, detail?: string): Promise<void> {
    if (state === this.state && detail === this.detail) return this.writes.idle;
    this.state = state;
    this.detail = detail;
    this.noteState(state);
    return this.write();
  }

  /** The channel check's verdict (null: usable): written now when it changed. */
  setChannelProblem(problem: string | null): Promise<void> {
    if (problem === this.channelProblem) return this.writes.idle;
    this.channelProblem = problem;
    return this.write();
  }

  get currentChannelProblem(): string | null | undefined { return this.channelProblem; }

  /** The gateway started a connection attempt (counted while out of reach; written with the next write). */
  noteAttempt(): void {
    if (this.downSince !== undefined) this.attempts++;
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

  private noteState(state: string): void {
    if (CONNECTED.has(state) || FINAL.has(state)) {
      if (this.downSince !== undefined && CONNECTED.has(state) && this.nextUnreachableWarnMs > (this.o.unreachableWarnMs ?? 60_000)) {
        // Only an outage that was warned about gets its all-clear.
        this.o.log.notice('gateway.reachable', { since: new Date(this.downSince).toISOString(), down_ms: this.o.clock.now() - this.downSince, attempts: this.attempts });
      }
      this.downSince = undefined;
      this.attempts = 0;
      this.nextUnreachableWarnMs = this.o.unreachableWarnMs ?? 60_000;
    } else if (this.downSince === undefined) {
      this.downSince = this.o.clock.now();
    }
  }

  /** gateway.unreachable once per escalation (1×, 2×, 4×, … the first threshold, then hourly): never a flood. */
  private checkUnreachable(): void {
    if (this.downSince === undefined) return;
    const downMs = this.o.clock.now() - this.downSince;
    if (downMs < this.nextUnreachableWarnMs) return;
    this.o.log.warn('gateway.unreachable', { since: new Date(this.downSince).toISOString(), down_ms: downMs, attempts: this.attempts, state: this.state,
      hint: 'Discord cannot be reached; the worker keeps retrying with backoff and stays up (see `shiptrack status`)' });
    const step = Math.min(this.nextUnreachableWarnMs, MAX_UNREACHABLE_WARN_GAP_MS);
    while (this.nextUnreachableWarnMs <= downMs) this.nextUnreachableWarnMs += step;
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
        gatewayDownSince: this.downSince === undefined ? null : new Date(this.downSince), gatewayAttempts: this.downSince === undefined ? null : this.attempts,
        channelProblem: this.channelProblem,
      });
    }).then(
      () => { if (this.failing) this.o.log.info('status.write_recovered'); this.failing = false; this.o.onWriteOk?.(); },
      (err: unknown) => {
        if (!this.failing) this.o.log.warn('status.write_failed', { state, error: describeError(err) });
        this.failing = true;
      });
    // With nothing in flight the write started at once (synchronously): nothing is queued then.
    if (!started) this.queuedWrite = queued;
    return queued;
  }
}
