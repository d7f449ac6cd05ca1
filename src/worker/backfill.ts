// Owns catching up on #i-shipped history the gateway did not deliver (a new session after
// downtime, docs/gateway.md §3.4): pages GET /channels/{id}/messages?after=<cursor> oldest-first and
// hands each message to the same idempotent path as MESSAGE_CREATE. Does not store anything
// itself: the handler stores and moves the cursor, one message at a time.
//
// First ever start (no cursor): backfill a bounded window (WORKER_BACKFILL_HOURS, default 24 h)
// rather than the channel's whole history; 0 means "start from now" (the cursor is set to the
// snowflake of the current time, so nothing older is ever imported).

import type { Clock } from '../clock.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Queryable } from '../db/pool.js';
import { advanceCursor, getCursor } from '../db/gateway-state.js';
import type { RestClient } from '../discord/rest/client.js';
import { listMessagesAfter } from '../discord/rest/api.js';
import { compareSnowflakes, dateToSnowflake } from '../discord/snowflake.js';
import { asMessage, type MessagePayload } from './payloads.js';
import { retryUntilDone, type RetryOptions } from './retry.js';

export const PAGE_SIZE = 100;

export interface BackfillContext {
  db: Queryable;
  rest: RestClient;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  channelId: string;
  /** How far back to look when there is no cursor yet (0 = from now). */
  windowMs: number;
  retry?: Pick<RetryOptions, 'baseMs' | 'maxMs'>;
}

export interface BackfillResult { from: string; pages: number; messages: number; complete: boolean }

/** Pages until a page shorter than 100; each message is awaited through `handle` in id order. */
export async function runBackfill(ctx: BackfillContext, handle: (m: MessagePayload) => Promise<void>): Promise<BackfillResult> {
  const retry = <T>(what: string, fn: () => Promise<T>, fields: Record<string, unknown> = {}) =>
    retryUntilDone(fn, { clock: ctx.clock, log: ctx.log, signal: ctx.signal, what, fields, ...ctx.retry });
  const ch = ctx.channelId;
  const cursor = await retry('cursor.read', () => getCursor(ctx.db, ch));
  let after: string | undefined = cursor.ok ? cursor.value : undefined;
  if (after === undefined) {
    const start = dateToSnowflake(new Date(ctx.clock.now() - ctx.windowMs));
    if (ctx.windowMs <= 0) {
      await retry('cursor.advance', () => advanceCursor(ctx.db, ch, start));
      ctx.log.info('backfill.skipped', { reason: 'first-start', cursor: start });
      return { from: start, pages: 0, messages: 0, complete: true };
    }
    ctx.log.info('backfill.first_start', { window_ms: ctx.windowMs, after: start });
    after = start;
  }
  const from = after;
  let pages = 0, messages = 0;
  ctx.log.info('backfill.start', { channel_id: ch, after: from });
  for (;;) {
    const afterId: string = after;
    const page = await retry<unknown[]>('backfill.page', () => listMessagesAfter(ctx.rest, ch, afterId, PAGE_SIZE), { after: afterId });
    if (!page.ok) {
      // 50001 Missing Access / 10003 Unknown Channel: nothing to do until an operator fixes it.
      ctx.log.error('backfill.failed', { after: afterId, permanent: true, error: describeError(page.permanent) });
      return { from, pages, messages, complete: false };
    }
    pages++;
    // Discord returns the page newest-first; process oldest-first so the cursor only moves forward.
    const batch: MessagePayload[] = page.value.map(asMessage).filter((m): m is MessagePayload => m !== undefined)
      .sort((a, b) => compareSnowflakes(a.id, b.id));
    for (const m of batch) {
      if (compareSnowflakes(m.id, afterId) <= 0) continue;
      await handle({ ...m, channel_id: m.channel_id ?? ch });
      messages++;
      after = m.id;
    }
    if (page.value.length < PAGE_SIZE || after === afterId) break;
  }
  ctx.log.info('backfill.done', { after: from, pages, messages });
  return { from, pages, messages, complete: true };
}
