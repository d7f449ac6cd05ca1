// Owns the reconnect delay: exponential with jitter, capped. Does not sleep or decide when to
// reset; the shard resets it only on READY/RESUMED (never on socket open: carbon#344).
import type { Clock } from '../../clock.js';

export interface BackoffOptions { baseMs?: number; maxMs?: number; clock: Pick<Clock, 'random'> }

export class Backoff {
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly clock: Pick<Clock, 'random'>;
  private failures = 0;

  constructor(opts: BackoffOptions) {
    this.baseMs = opts.baseMs ?? 1000;
    this.maxMs = opts.maxMs ?? 60_000;
    this.clock = opts.clock;
  }

  /** Consecutive attempts since the last reset. */
  get attempts(): number { return this.failures; }

  /** Delay for the next attempt: cap = min(max, base*2^n), delay uniform in [cap/2, cap). */
  next(): number {
    const cap = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    return Math.floor(cap / 2 + (cap / 2) * this.clock.random());
  }

  reset(): void { this.failures = 0; }
}
