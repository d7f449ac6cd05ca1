// Owns /members/{id}: a member's launches (newest first), current and best weekly streak (the
// digest's weeks, src/digest/streaks.ts, as /profile counts them) and a one-year activity strip.
// A member with no live launch, or who hid themselves, gets the same 404 as an unknown id.

import type { Queryable } from '../../db/pool.js';
import { streaks, weekIndex } from '../../digest/streaks.js';
import { activityStrip, fullDate } from '../chart.js';
import { html } from '../render/html.js';
import { memberData } from '../queries.js';
import { launchItem, launchList, layout, plural } from './layout.js';
import type { Page } from './week.js';

/** Launches listed on a member page; the count above covers them all. */
export const MEMBER_PAGE_MAX = 200;
const DAY_MS = 86_400_000;

/** Page `page` (1 = the newest launches) of a member's page; undefined (404) past the last one. */
export async function memberPage(db: Queryable, userId: string, now: Date, page = 1): Promise<Page | undefined> {
  // The strip's 53 weeks start at most 371 days back.
  const since = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS - 371 * DAY_MS);
  const offset = (page - 1) * MEMBER_PAGE_MAX;
  const m = await memberData(db, userId, since, MEMBER_PAGE_MAX, offset);
  if (!m || (page > 1 && m.recent.length === 0)) return undefined;
  const s = streaks(m.weeks, weekIndex(now));
  const weeks = (n: number) => plural(n, 'week', 'weeks');
  const name = m.name.trim() === '' ? 'someone' : m.name;
  const older = m.count - offset - m.recent.length;
  const pages = html`<nav class="weeks"><p>${page > 1 ? html`<a href="/members/${userId}${page > 2 ? `?page=${page - 1}` : ''}" rel="prev">← Newer launches</a>` : ''}${page > 1 && older > 0 ? ' · ' : ''}${older > 0 ? html`<a href="/members/${userId}?page=${page + 1}" rel="next">${plural(older, 'earlier launch', 'earlier launches')} →</a>` : ''}</p></nav>`;
  const shown = m.recent.length === 0 ? '' : `${offset + 1}–${offset + m.recent.length} of ${m.count}, newest first`;
  const body = html`<h1><bdi>${name}</bdi></h1>
<div class="stats">
<div><strong>${m.count}</strong>${m.count === 1 ? 'launch' : 'launches'}</div>
<div><strong>${weeks(s.current)}</strong>current weekly streak</div>
<div><strong>${weeks(s.best)}</strong>best streak</div>
</div>
<p class="muted">First launch ${fullDate(m.first)} · latest ${fullDate(m.last)}.</p>
<h2>The last year</h2>
${activityStrip(m.days, now)}
<h2>Launches <span class="muted">${shown}</span></h2>
${launchList(m.recent.map((l) => launchItem(l, { withYear: true, showName: false, linkWeek: true })))}
${older > 0 || page > 1 ? pages : ''}`;
  return { status: 200, html: layout(`${name}: launches${page > 1 ? ` (page ${page})` : ''}`, body, { description: `${plural(m.count, 'launch', 'launches')} by ${name}` }) };
}
