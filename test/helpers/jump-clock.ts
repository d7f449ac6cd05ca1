// A clock for tests that must wait out a long interval (a 600 s Retry-After) without waiting.
import type { Clock, TimerHandle } from '../../src/clock.js';

/** Real time plus `jump(ms)`: timers that fall due in a jump fire at once, the rest on time. */
export class JumpClock implements Clock {
  private offset = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void; real: NodeJS.Timeout }>();
  now(): number { return Date.now() + this.offset; }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    const real = setTimeout(() => { this.timers.delete(id); fn(); }, ms);
    real.unref();
    this.timers.set(id, { at: this.now() + ms, fn, real });
    return { id };
  }
  clearTimeout(h: TimerHandle | undefined): void {
    if (!h || !('id' in h)) return;
    clearTimeout(this.timers.get(h.id as number)?.real);
    this.timers.delete(h.id as number);
  }
  setInterval(): TimerHandle { throw new Error('JumpClock has no intervals'); }
  clearInterval(): void {}
  random(): number { return Math.random(); }
  jump(ms: number): void {
    this.offset += ms;
    for (const [id, t] of [...this.timers]) {
      if (t.at > this.now()) continue;
      clearTimeout(t.real);
      this.timers.delete(id);
      t.fn();
    }
  }
}
