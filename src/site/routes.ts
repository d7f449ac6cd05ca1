// Owns the public launch log's routing (docs/site.md), plugged into the web process's HTTP server
// as its extraRoutes when PUBLIC_SITE is on: GET and HEAD on /, /weeks/{YYYY-Www},
// /members/{id}, /feed.atom, /weeks.atom, /site.css and /favicon.svg; 405 (Allow: GET, HEAD) for other methods
// on those; an HTML 404 for anything else. Pages come from the cache (cache.ts) or are rendered
// from a few indexed queries (queries.ts). Does not know the interaction endpoint.

import type http from 'node:http';
import type { Clock } from '../clock.js';
import type { Queryable } from '../db/pool.js';
import { weekIndex } from '../digest/streaks.js';
import { isSnowflake } from '../discord/snowflake.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { launchFeed, weeksFeed, FEED_LAUNCHES, FEED_WEEKS } from './atom.js';
import { createPageCache, type PageCache } from './cache.js';
import { rendered, sendRendered, type Rendered } from './http.js';
import { methodNotAllowedHtml, notFoundHtml, unavailableHtml } from './pages/errors.js';
import { homePage } from './pages/home.js';
import { weekIdOf } from './pages/layout.js';
import { memberPage } from './pages/member.js';
import { parseWeekId, themeFromDigest, weekPage, type Page } from './pages/week.js';
import { dataVersion, latestLaunches, postedDigests } from './queries.js';
import { ICON, ICON_PATH, STYLESHEET, STYLESHEET_PATH } from './style.js';

export interface SiteOptions {
  db: Queryable;
  clock: Clock;
  log: Logger;
  /** PUBLIC_SITE_URL: origin, no trailing slash (absolute links in the feeds). */
  siteUrl: string;
}

export interface Site {
  /** The server's extraRoutes: answers every request it is given (true), or false for none. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean>;
  readonly cache: PageCache;
}

const HTML = 'text/html; charset=utf-8';
const ATOM = 'application/atom+xml; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
/** Pages and feeds: readers see a new launch within a minute; conditional requests are cheap. */
export const PAGE_CACHE_CONTROL = 'public, max-age=60';
const CSS_CACHE_CONTROL = 'public, max-age=3600';
const ALLOW = 'GET, HEAD';
/** At most one site.db_error line a minute, with how many failures it covers. */
const ERROR_LOG_INTERVAL_MS = 60_000;

type Route =
  | { kind: 'home' } | { kind: 'css' } | { kind: 'icon' } | { kind: 'feed' } | { kind: 'weeksFeed' }
  | { kind: 'week'; id: string } | { kind: 'member'; id: string; page: number } | { kind: 'notFound'; site: boolean };

/**
 * What a path is. `/weeks/…` and `/members/…` that are malformed are site paths that 404. The
 * query is ignored except `page` on a member page (`?page=2`: older launches); a malformed one 404s.
 */
export function route(path: string, query = ''): Route {
  if (path === '/') return { kind: 'home' };
  if (path === STYLESHEET_PATH) return { kind: 'css' };
  // /favicon.ico too: some clients ask for it whatever the page names (the same SVG; browsers go by its type).
  if (path === ICON_PATH || path === '/favicon.ico') return { kind: 'icon' };
  if (path === '/feed.atom') return { kind: 'feed' };
  if (path === '/weeks.atom') return { kind: 'weeksFeed' };
  const week = /^\/weeks\/([^/]+)$/.exec(path);
  if (week) return parseWeekId(week[1]!) ? { kind: 'week', id: week[1]! } : { kind: 'notFound', site: true };
  const member = /^\/members\/([^/]+)$/.exec(path);
  if (member) {
    const page = new URLSearchParams(query).get('page') ?? '1';
    if (!isSnowflake(member[1]!) || !/^[1-9][0-9]{0,3}$/.test(page)) return { kind: 'notFound', site: true };
    return { kind: 'member', id: member[1]!, page: Number(page) };
  }
  return { kind: 'notFound', site: false };
}

export function createSite(o: SiteOptions): Site {
  const { db, clock, log, siteUrl } = o;
  const cache = createPageCache({ clock, version: () => dataVersion(db), weekOf: weekIndex });
  const now = () => new Date(clock.now());
  const stylesheet = rendered(200, CSS, STYLESHEET, { cacheControl: CSS_CACHE_CONTROL, now: now() });
  const icon = rendered(200, 'image/svg+xml', ICON, { cacheControl: CSS_CACHE_CONTROL, now: now() });
  const notFound = rendered(404, HTML, notFoundHtml(), { cacheControl: PAGE_CACHE_CONTROL, now: now() });
  const unavailable = rendered(503, HTML, unavailableHtml(), { cacheControl: 'no-store', now: now() });
  const notAllowed = rendered(405, HTML, methodNotAllowedHtml(), { cacheControl: 'no-store', now: now() });
  let errors = { at: -Infinity, count: 0 };

  const page = (p: Page | undefined, previous: Rendered | undefined): Rendered =>
    (p ? rendered(p.status, HTML, p.html, { cacheControl: PAGE_CACHE_CONTROL, now: now(), previous }) : notFound);

  async function render(r: Route, previous: Rendered | undefined): Promise<Rendered> {
    switch (r.kind) {
      case 'home': return page(await homePage(db, now()), previous);
      case 'week': return page(await weekPage(db, parseWeekId(r.id)!, now()), previous);
      case 'member': return page(await memberPage(db, r.id, now(), r.page), previous);
      case 'feed': {
        const xml = launchFeed(siteUrl, await latestLaunches(db, FEED_LAUNCHES), (l) => weekIdOf(l.weekStart));
        return rendered(200, ATOM, xml, { cacheControl: PAGE_CACHE_CONTROL, now: now(), previous });
      }
      case 'weeksFeed': {
        const xml = weeksFeed(siteUrl, await postedDigests(db, FEED_WEEKS), (d) => themeFromDigest(d.firstPart));
        return rendered(200, ATOM, xml, { cacheControl: PAGE_CACHE_CONTROL, now: now(), previous });
      }
      default: return notFound;
    }
  }

  function databaseFailed(err: unknown): void {
    errors.count++;
    const at = clock.now();
    if (at - errors.at < ERROR_LOG_INTERVAL_MS) return;
    log.warn('site.db_error', { error: describeError(err), failures: errors.count, msg: 'answering 503 until the database answers' });
    errors = { at, count: 0 };
  }

  return {
    cache,
    async handle(req, res) {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const r = route(path, q < 0 ? '' : url.slice(q + 1));
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        if (r.kind === 'notFound' && !r.site) { sendRendered(req, res, notFound); return true; }
        sendRendered(req, res, notAllowed, { Allow: ALLOW });
        return true;
      }
      if (r.kind === 'css') { sendRendered(req, res, stylesheet); return true; }
      if (r.kind === 'icon') { sendRendered(req, res, icon); return true; }
      if (r.kind === 'notFound') { sendRendered(req, res, notFound); return true; }
      let answer: Rendered;
      try {
        // One cache entry per page: the query counts only as the member page number.
        const key = r.kind === 'member' && r.page > 1 ? `${path}?page=${r.page}` : path;
        answer = await cache.get(key, (previous) => render(r, previous));
      } catch (err) {
        databaseFailed(err);
        sendRendered(req, res, unavailable, { 'Retry-After': '30' });
        return true;
      }
      sendRendered(req, res, answer);
      return true;
    },
  };
}
