// Owns pure rate-limit bookkeeping on an injected clock: learned bucket hashes, per-bucket
// remaining/reset, the global pause and 50/s cap, and the rolling invalid-request count.
// Does not sleep, send or log; the client asks "how long must I wait?" and reports responses.
import type { Clock } from '../../clock.js';

/** Rate-limit headers of one response, already parsed. */
export interface RateLimitInfo {
  bucket?: string | undefined;
  limit?: number | undefined;
  remaining?: number | undefined;
  /** X-RateLimit-Reset-After in milliseconds (skew-free, preferred over X-RateLimit-Reset). */
  resetAfterMs?: number | undefined;
}

interface BucketState { limit: number; remaining: number; resetAt: number; lastUsed: number }

/** Parses the X-RateLimit-* headers; absent or malformed values stay undefined. */
export function parseRateLimitHeaders(get: (name: string) => string | null): RateLimitInfo {
  const num = (name: string): number | undefined => {
    const v = get(name);
    if (v === null || v.trim() === '') return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  };
  const resetAfter = num('x-ratelimit-reset-after');
  return {
    bucket: get('x-ratelimit-bucket') ?? undefined,
    limit: num('x-ratelimit-limit'),
    remaining: num('x-ratelimit-remaining'),
    resetAfterMs: resetAfter === undefined ? undefined : Math.max(0, resetAfter * 1000),
  };
}

/**
 * Buckets per learned `X-RateLimit-Bucket` + major parameter, as discord.js keys its handlers.
 * Before the first response for a route the key is a placeholder `Global(<route>)`.
 */
export class BucketBook {
  private readonly hashes = new Map<string, string>();
  private readonly states = new Map<string, BucketState>();
  private globalPausedUntil = 0;

  /** offsetMs is added to every reset, like djs's `offset` (default 50 ms), to absorb clock and network jitter. */
  constructor(private readonly clock: Clock, readonly offsetMs = 50, private readonly maxIdleMs = 60 * 60_000) {}

  keyFor(template: string, majorParameter: string): string {
    const hash = this.hashes.get(template);
    return `${hash ?? `Global(${template})`}:${majorParameter}`;
  }

  /** The learned bucket hash of a route template, if any response carried one. */
  hashOf(template: string): string | undefined { return this.hashes.get(template); }

  /** Milliseconds until the bucket `key` may send again (0 = now). */
  bucketWaitMs(key: string): number {
    const s = this.states.get(key);
    if (!s || s.remaining > 0) return 0;
    return Math.max(0, s.resetAt - this.clock.now());
  }

  /** Records a response's headers; returns the bucket key they were stored under. */
  update(template: string, majorParameter: string, info: RateLimitInfo): string {
    if (info.bucket && this.hashes.get(template) !== info.bucket) this.hashes.set(template, info.bucket);
    const key = this.keyFor(template, majorParameter);
    const now = this.clock.now();
    const s = this.state(key, now);
    s.limit = info.limit ?? Infinity;
    s.remaining = info.remaining ?? 1;
    s.resetAt = info.resetAfterMs === undefined ? now : now + info.resetAfterMs + this.offsetMs;
    this.sweep(now);
    return key;
  }

  /** A route-scoped 429: nothing more goes to `key` for `ms` (offset included). */
  block(key: string, ms: number): void {
    const now = this.clock.now();
    const s = this.state(key, now);
    s.remaining = 0;
    s.resetAt = Math.max(s.resetAt, now + ms + this.offsetMs);
  }

  /** A global 429: every bot request waits `ms` (offset included). */
  pauseGlobal(ms: number): void {
    this.globalPausedUntil = Math.max(this.globalPausedUntil, this.clock.now() + ms + this.offsetMs);
  }

  globalPauseMs(): number { return Math.max(0, this.globalPausedUntil - this.clock.now()); }

  size(): number { return this.states.size; }

  private state(key: string, now: number): BucketState {
    let s = this.states.get(key);
    if (!s) { s = { limit: Infinity, remaining: 1, resetAt: now, lastUsed: now }; this.states.set(key, s); }
    s.lastUsed = now;
    return s;
  }

  // Idle buckets whose window has passed carry no information; drop them so the map stays small
  // (djs runs sweeper intervals; a sweep on write needs no timer).
  private sweep(now: number): void {
    for (const [k, s] of this.states) if (s.resetAt <= now && now - s.lastUsed > this.maxIdleMs) this.states.delete(k);
  }
}

/**
 * The client-side global cap as a sliding window: never more than `perSecond` sends in any
 * 1000 ms, so no 1-second window at the server can see more (a fixed window allows 2x at the seam).
 */
export class SlidingWindow {
  private readonly sent: number[] = [];
  constructor(private readonly clock: Clock, private readonly perSecond: number, private readonly windowMs = 1000) {}

  /** Milliseconds until one more send fits in the window. */
  waitMs(): number {
    this.prune();
    if (this.sent.length < this.perSecond) return 0;
    return Math.max(1, this.sent[this.sent.length - this.perSecond]! + this.windowMs - this.clock.now());
  }

  record(): void { this.sent.push(this.clock.now()); this.prune(); }

  private prune(): void {
    const cutoff = this.clock.now() - this.windowMs;
    let drop = 0;
    while (drop < this.sent.length && this.sent[drop]! <= cutoff) drop++;
    if (drop > 0) this.sent.splice(0, drop);
  }
}

/**
 * Rolling count of invalid requests (401, 403, non-shared 429) over 10 minutes. Discord bans the
 * IP at 10,000; the client refuses to send once `count() >= limit`. Lives on the client instance.
 */
export class InvalidRequestCounter {
  private readonly at: number[] = [];
  constructor(private readonly clock: Clock, readonly limit: number, readonly windowMs = 10 * 60_000) {}

  record(): number { this.at.push(this.clock.now()); return this.count(); }

  count(): number {
    const cutoff = this.clock.now() - this.windowMs;
    let drop = 0;
    while (drop < this.at.length && this.at[drop]! <= cutoff) drop++;
    if (drop > 0) this.at.splice(0, drop);
    return this.at.length;
  }

  tripped(): boolean { return this.count() >= this.limit; }

  /** Milliseconds until the oldest counted request leaves the window. */
  msUntilBelowLimit(): number {
    const n = this.count();
    if (n < this.limit) return 0;
    return Math.max(0, this.at[n - this.limit]! + this.windowMs - this.clock.now());
  }
}
