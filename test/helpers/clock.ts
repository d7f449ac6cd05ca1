// A manual Clock for tests: time moves only when advance() is called; due timers fire in order.
import type { Clock, TimerHandle } from '../../src/clock.js';

interface Timer { id: number; at: number; fn: () => void; every?: number }

export class ManualClock implements Clock {
  private t: number;
  private nextId = 1;
  private timers = new Map<number, Timer>();
  private randomValues: number[] = [];
  constructor(start = Date.UTC(2026, 10, 23, 12, 0, 0)) { this.t = start; }

  now(): number { return this.t; }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.t + Math.max(0, ms), fn });
    return { id };
  }
  clearTimeout(h: TimerHandle | undefined): void { if (h && 'id' in h) this.timers.delete(h.id as number); }
  setInterval(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.t + ms, fn, every: Math.max(1, ms) });
    return { id };
  }
  clearInterval(h: TimerHandle | undefined): void { this.clearTimeout(h); }
  /** Queue values for random(); 0.5 when the queue is empty. */
  queueRandom(...values: number[]): void { this.randomValues.push(...values); }
  random(): number { return this.randomValues.shift() ?? 0.5; }
  /** Number of timers pending (a leak check for teardown tests). */
  pending(): number { return this.timers.size; }

  /** Moves time forward by `ms`, firing every timer that falls due, in due order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: Timer | undefined;
      for (const timer of this.timers.values()) if (timer.at <= end && (!next || timer.at < next.at || (timer.at === next.at && timer.id < next.id))) next = timer;
      if (!next) break;
      this.t = next.at;
      if (next.every !== undefined) next.at += next.every; else this.timers.delete(next.id);
      next.fn();
    }
    this.t = end;
  }
  /** advance(), then yield to the event loop so promise continuations run. */
  async tick(ms: number): Promise<void> {
    this.advance(ms);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  }
}
