// Owns /: the digest week in progress so far (newest first), a chart of launches per week over
// the last 26 weeks with its numbers as text, and the recent weeks, newest first, each linking
// to its week page. Does not render other pages.

import type { Queryable } from '../../db/pool.js';
import { formatWindowDates } from '../../digest/build.js';
import { windowWeeksBefore } from '../../digest/window.js';
import { dayMonth, weeklyChart, type WeekCount } from '../chart.js';
import { html } from '../render/html.js';
import { weekCounts, weekLaunches, weekTotals } from '../queries.js';
import { dateTime, launchItem, launchList, layout, plural } from './layout.js';
import { currentWindow, type Page } from './week.js';

export const CHART_WEEKS = 26;
/** Earlier weeks listed under "Recent weeks". */
export const RECENT_WEEKS = 12;
/** Launches of the week in progress listed on /; the week page has them all. */
export const HOME_LAUNCHES = 100;

export async function homePage(db: Queryable, now: Date): Promise<Page> {
  const current = currentWindow(now);
  const first = windowWeeksBefore(current, CHART_WEEKS - 1);
  const [counts, totals] = await Promise.all([weekCounts(db, first.start), weekTotals(db, current.start, current.end)]);
  const rows = totals.count === 0 ? [] : await weekLaunches(db, current.start, current.end, HOME_LAUNCHES, 'newest');
  const weeks: WeekCount[] = [];
  for (let i = CHART_WEEKS - 1; i >= 0; i--) {
    const w = windowWeeksBefore(current, i);
    const count = counts.get(w.start.getTime()) ?? 0;
    weeks.push({ isoWeek: w.isoWeek, label: dayMonth(w.start), count, linked: count > 0 || i === 0 });
  }
  const recent = [];
  for (let i = 1; i <= RECENT_WEEKS; i++) {
    const w = windowWeeksBefore(current, i);
    const n = counts.get(w.start.getTime()) ?? 0;
    if (n > 0) recent.push(html`<li><a href="/weeks/${w.isoWeek}">${formatWindowDates(w)}</a><span class="muted">${plural(n, 'launch', 'launches')}</span></li>`);
  }
  const ownCount = totals.count - totals.late;
  const so = totals.count === 0 ? 'Nothing launched yet this week.'
    : `${plural(ownCount, 'launch', 'launches')} by ${plural(totals.founders, 'founder', 'founders')} so far${totals.late > 0 ? `, plus ${totals.late} logged late` : ''}.`;
  const more = totals.count > rows.length ? html`<p><a href="/weeks/${current.isoWeek}">All ${plural(totals.count, 'launch', 'launches')} of this week →</a></p>` : '';
  const body = html`<h1>Launch log</h1>
<h2>This week so far <span class="muted">since ${dateTime(current.start)}</span></h2>
<p class="numbers">${so} <a href="/weeks/${current.isoWeek}">Week page</a></p>
${launchList(rows.map((l) => launchItem(l)))}
${more}
<h2>Launches per week</h2>
${weeklyChart(weeks)}
<h2>Recent weeks</h2>
${recent.length > 0 ? html`<ul class="weeks">${recent}</ul>` : html`<p class="muted">No earlier weeks yet.</p>`}`;
  return { status: 200, html: layout('Launch log', body, { description: so }) };
}
