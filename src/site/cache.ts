// Owns the site's in-process page cache: a rendered page is reused while the data it was made
// from is unchanged (site_data_seq, sql/0011, one single-row read per request, shared by the
// requests that arrive while it is in flight) and the digest week and UTC day are the same (pages
// show "this week" and a year of days). Renders of the same page at once are shared too, so 50
// clients asking for a page that just changed cost one render. Bounded in entries and in age.

import type { Clock } from '../clock.js';
import type { Rendered } from './http.js';

/** Entries kept (pages, 404s of well-formed ids); the oldest goes first. */
export const MAX_ENTRIES = 500;
/**
 * An entry is re-rendered after this long even when the version did not move: a transaction that
 * took its sequence number before another but committed after it can leave the version unchanged
 * (PostgreSQL docs: sequence values are not assigned in commit order), so this bounds how stale.
 */
export const MAX_AGE_MS = 30_000;
const DAY_MS = 86_400_000;

interface Entry { key: string; at: number; page: Rendered }

export interface PageCache {
  /** The cached page for `path` if current, else `render(previous)` (shared with concurrent callers). */
  get(path: string, render: (previous: Rendered | undefined) => Promise<Rendered>): Promise<Rendered>;
  readonly size: number;
}

export function createPageCache(o: { clock: Clock; version: () => Promise<string>; weekOf: (now: Date) => number; maxEntries?: number; maxAgeMs?: number }): PageCache {
  const entries = new Map<string, Entry>();
  const rendering = new Map<string, Promise<Rendered>>();
  const maxEntries = o.maxEntries ?? MAX_ENTRIES;
  const maxAge = o.maxAgeMs ?? MAX_AGE_MS;
  let probe: Promise<string> | undefined;

  function version(): Promise<string> {
    probe ??= o.version().finally(() => { probe = undefined; });
    return probe;
  }

  return {
    get size() { return entries.size; },
    async get(path, render) {
      const data = await version();
      const now = o.clock.now();
      const key = `${data}|${o.weekOf(new Date(now))}|${Math.floor(now / DAY_MS)}`;
      const hit = entries.get(path);
      if (hit && hit.key === key && now - hit.at < maxAge) return hit.page;
      const flightKey = `${path}\n${key}`;
      const pending = rendering.get(flightKey);
      if (pending) return pending;
      const job = render(hit?.page).then((page) => {
        entries.delete(path);
        entries.set(path, { key, at: now, page });
        if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
        return page;
      }).finally(() => rendering.delete(flightKey));
      rendering.set(flightKey, job);
      return job;
    },
  };
}
