// Owns IDENTIFY pacing as the gateway enforces it: `max_concurrency` IDENTIFYs per 5 s, one per rate
// limit key `shard_id % max_concurrency`; beyond that Discord answers op 9 Invalid Session.
// https://discord.com/developers/docs/events/gateway#rate-limiting and …/gateway#sharding-max-concurrency
import type { Clock } from '../clock.js';

/** Discord's window: "Number of identify requests allowed per 5 seconds" (session start limit object). */
export const IDENTIFY_WINDOW_MS = 5000;

export class IdentifyPacer {
  private readonly lastAt = new Map<number, number>();

  /** `windowMs` 0 turns pacing off. */
  constructor(private readonly clock: Clock, private readonly windowMs: number, private readonly maxConcurrency: () => number) {}

  /** True, and counted, when an IDENTIFY for `shardId` may start a session now; false → op 9. */
  tryStart(shardId: number): boolean {
    if (this.windowMs <= 0) return true;
    const key = shardId % Math.max(1, this.maxConcurrency());
    const now = this.clock.now();
    const last = this.lastAt.get(key);
    if (last !== undefined && now - last < this.windowMs) return false;
    this.lastAt.set(key, now);
    return true;
  }
}
