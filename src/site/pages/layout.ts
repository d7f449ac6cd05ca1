// Owns the frame every site page shares (head, header, footer) and the pieces pages repeat: a
// launch as a list item, a member's name, dates. Every member string goes through html`` (one
// escape function, src/site/render/html.ts) and sits in <bdi>. Does not query anything.

import { html, memberText, type HtmlValue, type SafeHtml } from '../render/html.js';
import { ICON_PATH, STYLESHEET_PATH } from '../style.js';
import { dayMonth, fullDate } from '../chart.js';
import { isoWeekOf } from '../../digest/window.js';
import type { SiteLaunch } from '../queries.js';

/** What the site calls a member who hid themselves with `/site visibility:hide me`. */
export const HIDDEN_NAME = 'a member';

export function layout(title: string, body: SafeHtml, o: { description?: string } = {}): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="strict-origin-when-cross-origin">
<title>${title}</title>
${o.description ? html`<meta name="description" content="${o.description}">` : ''}
<link rel="stylesheet" href="${STYLESHEET_PATH}">
<link rel="icon" type="image/svg+xml" href="${ICON_PATH}">
<link rel="alternate" type="application/atom+xml" title="Launches" href="/feed.atom">
<link rel="alternate" type="application/atom+xml" title="Weekly digests" href="/weeks.atom">
</head>
<body>
<header class="site"><a class="brand" href="/">🚀 Launch log</a><nav><a href="/">This week</a><a href="/feed.atom">Feed</a><a href="/weeks.atom">Weekly feed</a></nav></header>
<main>
${body}
</main>
<footer class="site">Kept by ShipTrack from the community's Discord. Times are UTC; a week runs from Monday 09:00 UTC, like the digest.</footer>
</body>
</html>
`.value;
}

/** "30 Nov 2026, 14:05 UTC". */
export function dateTime(d: Date): string {
  return `${fullDate(d)}, ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')} UTC`;
}

const WEEK_MS = 7 * 86_400_000;

/** The id of the week page a launch shows on (`/weeks/{id}`), from the start of its window (SiteLaunch.weekStart). */
export function weekIdOf(weekStart: Date): string {
  return isoWeekOf(new Date(weekStart.getTime() + WEEK_MS));
}

/** A member's name: a link to their page, or "a member" when they hid themselves. */
export function memberName(l: Pick<SiteLaunch, 'userId' | 'userName' | 'hidden'>): SafeHtml {
  if (l.hidden) return html`<span class="who">${HIDDEN_NAME}</span>`;
  return html`<a class="who" href="/members/${l.userId}"><bdi>${l.userName.trim() === '' ? 'someone' : l.userName}</bdi></a>`;
}

/**
 * One launch: who, when (the day; with `withYear` the year too) and its text with http(s) links.
 * `linkWeek`: the date links to the launch on its week page (member pages).
 */
export function launchItem(l: SiteLaunch, o: { withYear?: boolean; showName?: boolean; linkWeek?: boolean } = {}): SafeHtml {
  const when = o.withYear ? fullDate(l.createdAt) : `${dayMonth(l.createdAt)}, ${String(l.createdAt.getUTCHours()).padStart(2, '0')}:${String(l.createdAt.getUTCMinutes()).padStart(2, '0')}`;
  const time = html`<time class="when" datetime="${l.createdAt.toISOString()}">${when}</time>`;
  const dated = o.linkWeek ? html`<a href="/weeks/${weekIdOf(l.weekStart)}#launch-${l.id}">${time}</a>` : time;
  return html`<li id="launch-${l.id}">${o.showName === false ? '' : html`${memberName(l)} `}${dated}<bdi class="text">${memberText(l.content)}</bdi></li>`;
}

export function launchList(items: readonly SafeHtml[]): HtmlValue {
  return items.length === 0 ? '' : html`<ul class="launches">${items}</ul>`;
}

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
