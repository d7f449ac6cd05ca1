// Owns the reconnect attempt count; the delay formula is the shared one (src/backoff.ts). Does not
// sleep or decide when to reset; the shard resets it only on READY/RESUMED (never on socket open:
// carbon#344).
import type { Clock } from '../../clock.js';
import { backoffDelay } from '../../backoff.js';

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

  /** Delay for the next attempt (src/backoff.ts: uniform in [cap/2, cap), cap = min(max, base*2^n)). */
  next(): number {
    this.failures++;
    return backoffDelay(this.failures, { baseMs: this.baseMs, maxMs: this.maxMs }, () => this.clock.random());
  }

  reset(): void { this.failures = 0; }
}
