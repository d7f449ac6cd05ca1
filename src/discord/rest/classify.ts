// Owns what one Discord REST answer means for the request that got it (docs/interactions.md §5.3):
// done, wait and send again, back off and send again, or fail; and whether it counts against
// the invalid-request limit. Pure: the client (client.ts) acts on the verdict.

/** What classify reads of the response headers (the transport's, and the WHATWG Headers, fit). */
export interface HeaderReader {
  get(name: string): string | null;
  has(name: string): boolean;
}

export type Verdict =
  /** 2xx: the request is done; `value` is the parsed body (undefined for 204). */
  | { kind: 'ok'; value: unknown }
  /**
   * 429: wait `ms`, then send again. `global` pauses every bot request; otherwise the route's
   * bucket waits. `scope` is what the log names: 'global', X-RateLimit-Scope, or 'user'.
   */
  | { kind: 'retry-after'; ms: number; global: boolean; scope: string; invalid: boolean }
  /** 5xx: Discord's side; back off and send again while retries last. */
  | { kind: 'back-off' }
  /** Any other 4xx, or a 1xx/3xx (Discord's API does not redirect; one is not followed): fail now, never retried. */
  | { kind: 'fail'; invalid: boolean };

/**
 * `invalid` is true for the answers Discord counts towards its invalid-request ban (401, 403, and
 * 429 except shared-scope ones, which are per-resource and not counted against the bot;
 * Discord's rate-limits documentation).
 */
export function classify(status: number, headers: HeaderReader, body: unknown): Verdict {
  if (status === 429) {
    const scope = headers.get('x-ratelimit-scope') ?? undefined;
    const global = headers.has('x-ratelimit-global') || (body as { global?: unknown } | undefined)?.global === true;
    return { kind: 'retry-after', ms: retryAfterMs(headers, body), global, scope: global ? 'global' : scope ?? 'user', invalid: scope !== 'shared' };
  }
  if (status >= 500) return { kind: 'back-off' };
  if (status >= 300 || status < 200) return { kind: 'fail', invalid: status === 401 || status === 403 };
  return { kind: 'ok', value: status === 204 ? undefined : body };
}

/** max(Retry-After header, retry_after body) in ms, as docs/interactions.md §5.3 says; 1 s when neither is usable. */
function retryAfterMs(headers: HeaderReader, body: unknown): number {
  const header = Number(headers.get('retry-after'));
  const fromBody = Number((body as { retry_after?: unknown } | undefined)?.retry_after);
  const secs = Math.max(Number.isFinite(header) ? header : 0, Number.isFinite(fromBody) ? fromBody : 0);
  return secs > 0 ? secs * 1000 : 1000;
}
