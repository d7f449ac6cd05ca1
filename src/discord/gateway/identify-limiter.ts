// Owns IDENTIFY pacing: the daily session-start quota (never IDENTIFY at remaining 0) and the
// max_concurrency-per-5 s buckets. Share one instance between shards of one process. Does not
// fetch /gateway/bot (the shard does) and cannot see other processes (the worker's lock does).
import { sleep, type Clock } from '../../clock.js';
import { silentLogger, type Logger } from '../../log.js';
import { SerialQueue } from '../../serial-queue.js';

export interface SessionStartLimit { total: number; remaining: number; reset_after: number; max_concurrency: number }

export interface IdentifyLimiterOptions {
  clock: Clock;
  log?: Logger;
  /** Spacing per bucket; Discord's window is 5 s, the extra 500 ms absorbs network jitter. */
  spacingMs?: number;
  /**
   * Told before the limiter sleeps until the daily quota resets (`untilMs` on the clock): a wait of
   * up to 24 h that is the reconnect loop doing its job, not a stalled one (src/worker/liveness.ts).
   */
  onQuotaWait?: (untilMs: number) => void;
}

export type AcquireResult = 'go' | 'quota-reset';

export class IdentifyLimiter {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly spacingMs: number;
  private readonly onQuotaWait: ((untilMs: number) => void) | undefined;
  private readonly lastAt = new Map<number, number>();
  /** One queue per bucket: shards of one bucket take their turn in call order. */
  private readonly turns = new Map<number, SerialQueue>();

  constructor(opts: IdentifyLimiterOptions) {
    this.clock = opts.clock;
    this.log = opts.log ?? silentLogger;
    this.spacingMs = opts.spacingMs ?? 5500;
    this.onQuotaWait = opts.onQuotaWait;
  }

  /**
   * Resolves 'go' when an IDENTIFY may be sent now (and counts it against `limit.remaining`).
   * With the quota exhausted it waits `reset_after` and resolves 'quota-reset': the caller must
   * fetch /gateway/bot again before trying. Rejects if `signal` aborts.
   */
  async acquire(limit: SessionStartLimit, shardId: number, signal?: AbortSignal): Promise<AcquireResult> {
    if (limit.remaining <= 0) {
      const waitMs = Math.max(1000, limit.reset_after);
      this.log.warn('gateway.identify_quota_exhausted', { total: limit.total, resetAfterMs: limit.reset_after, waitMs });
      this.onQuotaWait?.(this.clock.now() + waitMs);
      await sleep(waitMs, this.clock, signal);
      return 'quota-reset';
    }
    const bucket = shardId % Math.max(1, limit.max_concurrency);
    const turns = this.turns.get(bucket) ?? new SerialQueue();
    this.turns.set(bucket, turns);
    await turns.add(async () => {
      const last = this.lastAt.get(bucket);
      const waitMs = last === undefined ? 0 : last + this.spacingMs - this.clock.now();
      if (waitMs > 0) {
        this.log.debug('gateway.identify_wait', { bucket, waitMs });
        await sleep(waitMs, this.clock, signal);
      }
      signal?.throwIfAborted();
      this.lastAt.set(bucket, this.clock.now());
      limit.remaining--;
    });
    return 'go';
  }
}
