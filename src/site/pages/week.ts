// Owns /weeks/{YYYY-Www}: one digest week, the same window as the digest (src/digest/window.ts,
// labelled by the ISO week it is posted in) and the launches it carried, late arrivals under
// their own heading as the digest lists them; its theme line and numbers. Also the week helpers
// the home page uses.

import type { Queryable } from '../../db/pool.js';
import { formatWindowDates, LATE_HEADING } from '../../digest/build.js';
import { windowEndingAt, windowForIsoWeek, windowWeeksBefore, type DigestWindow } from '../../digest/window.js';
import { html, type SafeHtml } from '../render/html.js';
import { digestInfo, weekLaunches, weekTotals, type DigestInfo } from '../queries.js';
import { dateTime, launchItem, launchList, layout, plural } from './layout.js';

/** At most this many launches are listed on a week page; the rest are counted. */
export const WEEK_PAGE_MAX = 1000;

export interface Page { status: number; html: string }

/** The digest window in progress at `now`: it started at the latest Monday 09:00 UTC and is posted the next. */
export function currentWindow(now: Date): DigestWindow {
  return windowWeeksBefore(windowEndingAt(now), -1);
}

/** The window for a week id from a URL, or undefined when it is malformed or not a real ISO week. */
export function parseWeekId(id: string): DigestWindow | undefined {
  if (!/^\d{4}-W\d{2}$/.test(id)) return undefined;
  try {
    const w = windowForIsoWeek(id);
    return w.isoWeek === id ? w : undefined;
  } catch {
    return undefined;
  }
}

/** Undoes the digest's Discord escaping of its theme line (src/discord/escape.ts): backslashes, <url>, zero-width spaces. */
export function themeFromDigest(firstPart: string | null | undefined): string | undefined {
  const line = firstPart?.split('\n').find((l) => l.startsWith('Theme: '));
  if (!line) return undefined;
  const theme = line.slice('Theme: '.length)
    .replace(/\\([!-/:-@[-`{-~])/g, '$1')
    .replace(/<(https?:\/\/[^\s<>]+)>/g, '$1')
    .replace(/\u200b/g, '')
    .trim();
  return theme === '' ? undefined : theme;
}

function status(w: DigestWindow, info: DigestInfo | undefined, now: Date): SafeHtml {
  if (info?.status === 'done') return html`<p class="muted">Digest posted in Discord${info.finishedAt ? html` on ${dateTime(info.finishedAt)}` : ''}.</p>`;
  if (now < w.end) return html`<p class="muted">In progress: the digest posts ${dateTime(w.end)}.</p>`;
  if (info?.status === 'posting') return html`<p class="muted">The digest is being posted.</p>`;
  return html`<p class="muted">No digest was posted for this week.</p>`;
}

export async function weekPage(db: Queryable, w: DigestWindow, now: Date): Promise<Page | undefined> {
  if (w.start.getTime() > now.getTime()) return undefined;
  const [totals, info] = await Promise.all([weekTotals(db, w.start, w.end), digestInfo(db, w.start)]);
  const inProgress = now < w.end;
  if (totals.count === 0 && !info && !inProgress) return undefined;
  const rows = totals.count === 0 ? [] : await weekLaunches(db, w.start, w.end, WEEK_PAGE_MAX);
  const own = rows.filter((l) => l.createdAt >= w.start);
  const late = rows.filter((l) => l.createdAt < w.start);
  const dates = formatWindowDates(w);
  const theme = themeFromDigest(info?.firstPart);
  const ownCount = totals.count - totals.late;
  const numbers = totals.count === 0 ? 'No launches.'
    : `${ownCount === 0 ? 'No launches this week' : `${plural(ownCount, 'launch', 'launches')} by ${plural(totals.founders, 'founder', 'founders')}`}${totals.late > 0 ? `, plus ${totals.late} logged late` : ''}.`;
  const prev = windowWeeksBefore(w, 1);
  const next = windowWeeksBefore(w, -1);
  const more = totals.count > rows.length ? html`<p class="muted">…and ${plural(totals.count - rows.length, 'more launch', 'more launches')}.</p>` : '';
  const body = html`<h1>Launches of the week <span class="muted">${dates}</span></h1>
<p class="muted">Week ${w.isoWeek}: ${dateTime(w.start)} to ${dateTime(w.end)}.</p>
${status(w, info, now)}
${theme ? html`<p class="theme">Theme: <bdi>${theme}</bdi></p>` : ''}
<p class="numbers">${numbers}</p>
${launchList(own.map((l) => launchItem(l)))}
${late.length > 0 ? html`<h2>${LATE_HEADING.replace(/:$/, '')}</h2>${launchList(late.map((l) => launchItem(l, { withYear: true })))}` : ''}
${more}
<nav class="weeks"><p><a href="/weeks/${prev.isoWeek}" rel="prev">← ${formatWindowDates(prev)}</a>${next.start.getTime() <= now.getTime() ? html` · <a href="/weeks/${next.isoWeek}" rel="next">${formatWindowDates(next)} →</a>` : ''}</p></nav>`;
  return { status: 200, html: layout(`Launches of the week ${dates}`, body, { description: numbers }) };
}
