// Owns the fake REST API's global rate limit: "All bots can make up to 50 requests per second to our
// API", independent of per-route limits; interaction endpoints are not bound to it.
// https://discord.com/developers/docs/topics/rate-limits#global-rate-limit
import type { Clock } from '../clock.js';
import { globalLimited } from './rate-limits.js';

export const GLOBAL_REQUESTS_PER_SECOND = 50;
const WINDOW_MS = 1000;

/**
 * Interaction endpoints (callbacks, and the follow-up / @original webhooks of an interaction token)
 * are exempt: https://discord.com/developers/docs/interactions/receiving-and-responding#endpoints
 */
export function exemptFromGlobalLimit(path: string, applicationId: string): boolean {
  return path.startsWith('/interactions/') || path.startsWith(`/webhooks/${applicationId}/`);
}

/** A sliding one-second window on the injected clock; `perSecond` 0 turns the limit off. */
export class GlobalRateLimit {
  private sent: number[] = [];

  constructor(private readonly clock: Clock, private readonly perSecond = GLOBAL_REQUESTS_PER_SECOND) {}

  /** Counts the request, or returns the global 429 to answer instead (a refused request does not count). */
  take(): { status: 429; headers: Record<string, string>; body: Record<string, unknown> } | undefined {
    if (this.perSecond <= 0) return undefined;
    const now = this.clock.now();
    this.sent = this.sent.filter((at) => at > now - WINDOW_MS);
    if (this.sent.length < this.perSecond) { this.sent.push(now); return undefined; }
    const retryAfterSec = Number(((this.sent[0]! + WINDOW_MS - now) / 1000).toFixed(3));
    return { status: 429, ...globalLimited(retryAfterSec) };
  }
}
