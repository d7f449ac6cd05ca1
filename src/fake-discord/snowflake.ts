// Owns the fake's snowflake ids: real Discord snowflakes (ms since the Discord epoch in the top 42 bits).
// Does not persist anything; one generator per fake instance, driven by the injected clock.
import type { Clock } from '../clock.js';

export const DISCORD_EPOCH = 1420070400000n;

export class SnowflakeGenerator {
  private increment = 0n;
  private lastMs = -1n;
  constructor(private readonly clock: Clock, private readonly workerId = 1n, private readonly processId = 0n) {}

  /** A new id; strictly increasing even when several are minted within one millisecond. */
  next(): string {
    let ms = BigInt(Math.floor(this.clock.now())) - DISCORD_EPOCH;
    if (ms < this.lastMs) ms = this.lastMs; // a clock that steps back must not reorder ids
    if (ms === this.lastMs) {
      this.increment = (this.increment + 1n) & 0xfffn;
      if (this.increment === 0n) ms += 1n; // 4096 ids in one ms: borrow the next ms
    } else this.increment = 0n;
    this.lastMs = ms;
    return ((ms << 22n) | (this.workerId << 17n) | (this.processId << 12n) | this.increment).toString();
  }
}

/** Compares two snowflakes numerically (they are strings of varying length). */
export function compareSnowflakes(a: string, b: string): number {
  const x = BigInt(a), y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
