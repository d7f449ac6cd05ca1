// Owns the one "this promise, or give up after ms" race, on an injected clock. Does not cancel
// the work itself (callers that can, abort it themselves) and never leaves its timer behind.
import type { Clock } from './clock.js';

export type TimeoutResult<T> = { timedOut: false; value: T } | { timedOut: true };

/**
 * Settles with `{ timedOut: false, value }` when `promise` resolves within `ms`, with
 * `{ timedOut: true }` when `ms` passes first, and rejects if `promise` rejects first.
 * The timer is cleared as soon as `promise` settles; a late rejection is absorbed, never unhandled.
 */
export function withTimeout<T>(promise: PromiseLike<T>, ms: number, clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>): Promise<TimeoutResult<T>> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimeout(() => resolve({ timedOut: true }), ms);
    promise.then(
      (value) => { clock.clearTimeout(timer); resolve({ timedOut: false, value }); },
      (err: unknown) => { clock.clearTimeout(timer); reject(err); },
    );
  });
}
