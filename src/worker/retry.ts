// Owns the worker's "keep trying this one unit of work" policy: exponential backoff with jitter
// on an injected clock until it succeeds, the error is permanent, or the worker stops.
// Does not know what the work is; callers say which errors can never succeed (isPermanent).

import pg from 'pg';
import { sleep, type Clock } from '../clock.js';
import { backoffDelay } from '../backoff.js';
import { ShipTrackError, describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { DiscordApiError } from '../discord/rest/client.js';

export interface RetryOptions {
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  /** Short name for the log line, e.g. 'launch.insert'. */
  what: string;
  fields?: Record<string, unknown>;
  /** Backoff (src/backoff.ts): the first retry waits [baseMs/2, baseMs), doubling per retry (default 500). */
  baseMs?: number;
  /** No retry waits this long or longer (default 15000). */
  maxMs?: number;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; permanent: unknown };

/**
 * Discord answers that retrying cannot change (docs/gateway.md §5.3): any 4xx other than 429 —
 * 10008 Unknown Message, 50001 Missing Access, 50013 Missing Permissions, 30010, 90001, a 401.
 * Postgres data/integrity errors (SQLSTATE class 22/23) are bugs in one event, not outages.
 */
function isPermanent(err: unknown): boolean {
  if (err instanceof DiscordApiError) return err.status >= 400 && err.status < 500 && err.status !== 429;
  if (err instanceof ShipTrackError) return err.code === 'REST_TOKEN_REJECTED';
  if (err instanceof pg.DatabaseError) return /^(22|23)/.test(err.code ?? '');
  return false;
}

/**
 * Runs `fn` until it resolves. Transient failures (DB down, network, 5xx, 429 after the REST
 * client's own retries) are logged and retried; a permanent one is returned, not thrown, so the
 * caller decides what "move on" means. Rejects only with the signal's reason when stopped.
 */
export async function retryUntilDone<T>(fn: () => Promise<T>, o: RetryOptions): Promise<Outcome<T>> {
  for (let attempt = 1; ; attempt++) {
    if (o.signal.aborted) throw o.signal.reason;
    try {
      return { ok: true, value: await fn() };
    } catch (err) {
      if (o.signal.aborted) throw o.signal.reason;
      if (isPermanent(err)) return { ok: false, permanent: err };
      const delay = backoffDelay(attempt, { baseMs: o.baseMs ?? 500, maxMs: o.maxMs ?? 15_000 }, () => o.clock.random());
      o.log.warn('worker.retry', { what: o.what, ...o.fields, attempt, retry_in_ms: delay, error: describeError(err) });
      await sleep(delay, o.clock, o.signal);
    }
  }
}
