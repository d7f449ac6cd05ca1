// Owns putting the 🚀 on a stored launch and confirming it in the database (reacted_at), plus
// paying owed reactions after a crash between insert and react. Does not decide what is a launch.
//
// Exactly-once: the live path reacts only when insertLaunch created the row; the owed path picks
// up rows whose reacted_at is still NULL. A crash after Discord applied the PUT but before
// markReacted makes the owed path PUT again; Discord treats PUT …/@me as a set operation, so the
// message still carries one 🚀 from the bot (docs/gateway.md §5.3).

import type { Clock } from '../clock.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Queryable } from '../db/pool.js';
import { listUnreacted, markReacted, softDeleteByMessageIds } from '../db/launches.js';
import type { RestClient } from '../discord/rest/client.js';
import { DiscordApiError } from '../discord/rest/client.js';
import { addReaction } from '../discord/rest/api.js';
import { retryUntilDone, type RetryOptions } from './retry.js';

export const ROCKET = '🚀';
/** Discord JSON code: the message no longer exists. */
const UNKNOWN_MESSAGE = 10008;

export interface ReactContext {
  db: Queryable;
  rest: RestClient;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  retry?: Pick<RetryOptions, 'baseMs' | 'maxMs'>;
  /** Launch ids whose reaction failed permanently in this process (not retried until restart). */
  gaveUp: Set<string>;
}

export type ReactResult = 'reacted' | 'gave-up';

/** PUT 🚀 then set reacted_at, each retried until done; a permanent 4xx is logged and left. */
export async function reactToLaunch(ctx: ReactContext, launchId: string, channelId: string, messageId: string): Promise<ReactResult> {
  const fields = { launch_id: launchId, message_id: messageId };
  const base = { clock: ctx.clock, log: ctx.log, signal: ctx.signal, fields, ...ctx.retry };
  const put = await retryUntilDone(() => addReaction(ctx.rest, channelId, messageId, ROCKET), { ...base, what: 'reaction.put' });
  if (!put.ok) {
    const err = put.permanent;
    const code = err instanceof DiscordApiError ? err.discordCode : undefined;
    ctx.gaveUp.add(launchId);
    ctx.log.warn('reaction.failed', { ...fields, permanent: true, status: err instanceof DiscordApiError ? err.status : undefined, discord_code: code, error: describeError(err) });
    if (code === UNKNOWN_MESSAGE) {
      // The message is gone (deleted while we were down or retrying): same outcome as MESSAGE_DELETE.
      await retryUntilDone(() => softDeleteByMessageIds(ctx.db, [messageId], new Date(ctx.clock.now())), { ...base, what: 'launch.soft_delete' });
      ctx.log.info('launch.deleted', { ...fields, reason: 'unknown-message' });
    }
    return 'gave-up';
  }
  await retryUntilDone(() => markReacted(ctx.db, launchId, new Date(ctx.clock.now())), { ...base, what: 'launch.mark_reacted' });
  ctx.log.debug('reaction.added', fields);
  return 'reacted';
}

/** Reactions still owed (reacted_at NULL), oldest first; skips ones that failed permanently. */
export async function payOwedReactions(ctx: ReactContext, limit = 500): Promise<{ owed: number; reacted: number }> {
  const list = await retryUntilDone(() => listUnreacted(ctx.db, limit), { clock: ctx.clock, log: ctx.log, signal: ctx.signal, what: 'launch.list_unreacted', ...ctx.retry });
  const rows = list.ok ? list.value.filter((r) => !ctx.gaveUp.has(r.id) && r.messageId && r.channelId) : [];
  let reacted = 0;
  for (const r of rows) {
    ctx.log.info('reaction.owed', { launch_id: r.id, message_id: r.messageId });
    if (await reactToLaunch(ctx, r.id, r.channelId!, r.messageId!) === 'reacted') reacted++;
  }
  if (rows.length > 0) ctx.log.info('reaction.owed_done', { owed: rows.length, reacted });
  return { owed: rows.length, reacted };
}
