// Owns the one retry-delay formula: exponential backoff with "equal jitter". Does not sleep,
// count attempts or decide what is worth retrying; the callers (gateway reconnects, REST 5xx and
// network retries, the worker's retryUntilDone) do.
//
// Why equal jitter: the delay is drawn uniformly from [cap/2, cap), cap = min(max, base·2^(n-1)).
// The random half spreads many clients that failed together (AWS Architecture Blog, "Exponential
// Backoff And Jitter"), and the fixed half guarantees a floor, so even an unlucky run of small
// random draws cannot turn into a hot retry loop (docs/gateway.md §4 item 24: under 30 attempts
// in ten minutes). "Full jitter" (uniform in [0, cap)) has no such floor.

export interface BackoffPolicy {
  /** The cap of the first attempt's delay; each later attempt doubles it. */
  baseMs: number;
  /** Upper bound of the cap (default: none). */
  maxMs?: number;
}

/** Milliseconds to wait before retry number `attempt` (1-based); `random` is uniform in [0, 1). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const doublings = Math.min(Math.max(0, attempt - 1), 30);
  const cap = Math.min(policy.maxMs ?? Infinity, policy.baseMs * 2 ** doublings);
  return Math.floor(cap / 2 + (cap / 2) * random());
}
