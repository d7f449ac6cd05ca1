// Owns finding digest parts that Discord already holds: a run that died between Discord storing a
// part and the answer arriving leaves the part without a message id, and `enforce_nonce` only
// de-duplicates for a few minutes, so a later run first searches the bot's own messages in the
// channel for the frozen text and adopts what it finds. Does not post or touch the database.

import type { APIMessage, APIUser } from 'discord-api-types/v10';
import type { RestClient } from '../discord/rest/client.js';
import { compareSnowflakes, dateToSnowflake } from '../discord/snowflake.js';

/** Messages per page, Discord's maximum for Get Channel Messages. */
export const PAGE_SIZE = 100;
/** At most this many pages (10,000 messages) after `since`; beyond that the search gives up. */
export const MAX_PAGES = 100;
/** Discord's snowflake clock and the database's may disagree a little: search from this much earlier. */
export const CLOCK_SKEW_MS = 10 * 60_000;

export interface AdoptSearch {
  /** partNo → the id of the bot's message holding exactly that part's text. */
  found: Map<number, string>;
  /** Messages read (anyone's). */
  scanned: number;
  /** The page cap was reached before the newest message: a part may exist unseen. */
  truncated: boolean;
}

const seg = (id: string): string => encodeURIComponent(id);

/**
 * Reads the channel forward from `since` (minus CLOCK_SKEW_MS) and matches each part to the
 * oldest message by the bot whose content is exactly the part's text and whose id is not in
 * `taken` (ids already recorded for other parts). Get Channel Messages returns newest first for
 * `after=` too, so the next page starts after the largest id seen
 * (https://discord.com/developers/docs/resources/message#get-channel-messages; docs/fake-discord.md).
 */
export async function findPostedParts(
  rest: RestClient, channelId: string, since: Date,
  parts: readonly { partNo: number; content: string }[], taken: ReadonlySet<string>,
): Promise<AdoptSearch> {
  const found = new Map<number, string>();
  if (parts.length === 0) return { found, scanned: 0, truncated: false };
  const me = await rest.request<APIUser>('GET', '/users/@me');
  const mine: APIMessage[] = [];
  let after = dateToSnowflake(new Date(Math.max(since.getTime() - CLOCK_SKEW_MS, Date.UTC(2015, 0, 1))));
  let scanned = 0;
  let truncated = true;
  for (let page = 0; page < MAX_PAGES; page++) {
    const batch = await rest.request<APIMessage[]>('GET', `/channels/${seg(channelId)}/messages`, { query: { after, limit: PAGE_SIZE } });
    if (batch.length === 0) { truncated = false; break; }
    scanned += batch.length;
    for (const m of batch) {
      if (m.author?.id === me.id && !taken.has(m.id)) mine.push(m);
      if (compareSnowflakes(m.id, after) > 0) after = m.id;
    }
    if (batch.length < PAGE_SIZE) { truncated = false; break; }
  }
  mine.sort((a, b) => compareSnowflakes(a.id, b.id));
  const used = new Set<string>();
  for (const part of parts) {
    const hit = mine.find((m) => !used.has(m.id) && m.content.trim() === part.content.trim());
    if (hit) { used.add(hit.id); found.set(part.partNo, hit.id); }
  }
  return { found, scanned, truncated };
}
