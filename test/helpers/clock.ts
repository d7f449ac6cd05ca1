// Clocks for tests: a manual one (time moves only when advance() is called; due timers fire in
// order), and the system clock counting its pending timers.
import { systemClock, type Clock, type TimerHandle } from '../../src/clock.js';

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

/**
 * The system clock, counting the timers that are still pending (set, neither fired nor cleared).
 * For "nothing more will happen" checks without a sleep: a component with no pending timer and no
 * open socket can do nothing further by itself.
 */
export class TrackingClock implements Clock {
  private readonly live = new Set<TimerHandle>();
  now(): number { return systemClock.now(); }
  random(): number { return systemClock.random(); }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const h: TimerHandle = systemClock.setTimeout(() => { this.live.delete(h); fn(); }, ms);
    this.live.add(h);
    return h;
  }
  clearTimeout(h: TimerHandle | undefined): void { if (h !== undefined) this.live.delete(h); systemClock.clearTimeout(h); }
  setInterval(fn: () => void, ms: number): TimerHandle {
    const h = systemClock.setInterval(fn, ms);
    this.live.add(h);
    return h;
  }
  clearInterval(h: TimerHandle | undefined): void { if (h !== undefined) this.live.delete(h); systemClock.clearInterval(h); }
  /** Timers and intervals set and not yet fired (timeouts) or cleared. */
  pending(): number { return this.live.size; }
}
