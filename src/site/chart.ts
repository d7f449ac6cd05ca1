// Owns the site's two server-side SVG pictures: launches per digest week (the chart on /) and a
// member's one-year activity strip. Built from numbers and dates only, never member text, and
// styled by classes from /site.css (no style attributes: the CSP forbids them). Each comes with
// its numbers as text for screen readers; the SVG itself is role="img" with a <title>.

import { html, type SafeHtml } from './render/html.js';

export interface WeekCount {
  /** The digest week's id, e.g. '2026-W48' (the ISO week it is posted in). */
  readonly isoWeek: string;
  /** Short label for the axis and the table: the day the week starts, e.g. '23 Nov'. */
  readonly label: string;
  readonly count: number;
  /** Link the week's page in the table (weeks with nothing to show have no page). */
  readonly linked?: boolean;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY_MS = 86_400_000;

/** "23 Nov" (UTC). */
export function dayMonth(d: Date): string {
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
}

/** "23 Nov 2026" (UTC). */
export function fullDate(d: Date): string {
  return `${dayMonth(d)} ${d.getUTCFullYear()}`;
}

/**
 * A bar per week, oldest left, with the count above each non-empty bar and a few week labels
 * below; then the same numbers as a table inside <details>. `id` keeps title ids unique on a page.
 */
export function weeklyChart(weeks: readonly WeekCount[], id = 'weekly'): SafeHtml {
  const barW = 20, gap = 6, top = 18, plotH = 120, bottom = 22;
  const width = weeks.length * (barW + gap) + gap;
  const height = top + plotH + bottom;
  const max = Math.max(1, ...weeks.map((w) => w.count));
  const total = weeks.reduce((n, w) => n + w.count, 0);
  const first = weeks[0], last = weeks.at(-1);
  const summary = first && last
    ? `${total} launch${total === 1 ? '' : 'es'} in the ${weeks.length} weeks from ${first.label} to ${last.label}; the busiest week had ${Math.max(0, ...weeks.map((w) => w.count))}.`
    : 'No weeks to show.';
  const bars = weeks.map((w, i) => {
    const x = gap + i * (barW + gap);
    const h = w.count === 0 ? 0 : Math.max(2, Math.round((w.count / max) * plotH));
    const y = top + plotH - h;
    const value = w.count > 0 ? html`<text x="${x + barW / 2}" y="${y - 3}" text-anchor="middle">${w.count}</text>` : '';
    // Every fourth week, counted back from the newest, so the newest is labelled and no two overlap.
    const label = (weeks.length - 1 - i) % 4 === 0
      ? html`<text x="${x + barW / 2}" y="${top + plotH + 17}" text-anchor="middle">${w.label}</text>` : '';
    return html`<g><title>Week from ${w.label} (${w.isoWeek}): ${w.count}</title><rect class="bar" x="${x}" y="${y}" width="${barW}" height="${h}"></rect>${value}${label}</g>`;
  });
  const rows = weeks.map((w) => html`<tr><td>${w.linked ? html`<a href="/weeks/${w.isoWeek}">${w.isoWeek}</a>` : w.isoWeek}</td><td>${w.label}</td><td>${w.count}</td></tr>`);
  return html`<figure class="chart">
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${id}-title ${id}-desc"><title id="${id}-title">Launches per week</title><desc id="${id}-desc">${summary}</desc><line class="axis" x1="0" y1="${top + plotH + 0.5}" x2="${width}" y2="${top + plotH + 0.5}"></line>${bars}</svg>
<figcaption>${summary}</figcaption>
<details><summary>The numbers</summary><table class="data"><thead><tr><th scope="col">Week</th><th scope="col">From</th><th scope="col">Launches</th></tr></thead><tbody>${rows}</tbody></table></details>
</figure>`;
}

/** 0 for none, then 1–3 by count (1, 2, 3+). */
function level(n: number): number {
  return n <= 0 ? 0 : n >= 3 ? 3 : n;
}

/**
 * A year of days as a 53-column grid (weeks, Monday first, UTC), one square per day coloured by
 * how many launches it had, ending with the week of `today`. `days` maps 'YYYY-MM-DD' (UTC) to a count.
 */
export function activityStrip(days: ReadonlyMap<string, number>, today: Date): SafeHtml {
  const cell = 10, gap = 2, step = cell + gap, columns = 53;
  const todayMs = Math.floor(today.getTime() / DAY_MS) * DAY_MS;
  const dow = (new Date(todayMs).getUTCDay() + 6) % 7; // Monday = 0
  const firstMonday = todayMs - dow * DAY_MS - (columns - 1) * 7 * DAY_MS;
  const rects = [];
  let total = 0, active = 0;
  for (let c = 0; c < columns; c++) {
    for (let r = 0; r < 7; r++) {
      const t = firstMonday + (c * 7 + r) * DAY_MS;
      if (t > todayMs) break;
      const key = new Date(t).toISOString().slice(0, 10);
      const n = days.get(key) ?? 0;
      total += n;
      if (n > 0) active++;
      rects.push(html`<rect class="c${level(n)}" x="${c * step}" y="${r * step}" width="${cell}" height="${cell}"><title>${key}: ${n}</title></rect>`);
    }
  }
  const from = new Date(firstMonday);
  const summary = `${total} launch${total === 1 ? '' : 'es'} on ${active} day${active === 1 ? '' : 's'} between ${fullDate(from)} and ${fullDate(new Date(todayMs))}.`;
  const width = columns * step - gap, height = 7 * step - gap;
  return html`<figure class="chart strip">
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="strip-title strip-desc"><title id="strip-title">Activity over the last year</title><desc id="strip-desc">${summary}</desc>${rects}</svg>
<figcaption>${summary}</figcaption>
</figure>`;
}
