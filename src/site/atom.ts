// Owns the two Atom feeds (RFC 4287): /feed.atom, the newest launches, and /weeks.atom, one entry
// per digest posted to Discord. Entry ids are tag: URIs (RFC 4151) on the site's host, made of the
// launch id or the digest week, so they stay the same across runs and restarts. Text goes through
// the site's one escape function (src/site/render/html.ts), which also drops characters XML 1.0
// cannot hold. Does not query the database.

import { formatWindowDates } from '../digest/build.js';
import { firstLine, normaliseLine, truncateAtWord } from '../text.js';
import { html, type SafeHtml } from './render/html.js';
import { HIDDEN_NAME } from './pages/layout.js';
import type { PostedDigest, SiteLaunch } from './queries.js';

/** Launches in /feed.atom and digests in /weeks.atom. */
export const FEED_LAUNCHES = 50;
export const FEED_WEEKS = 52;
/** The year in the tag: URIs (RFC 4151 §2.1: a date the authority name was held). Never change it: ids would change. */
const TAG_YEAR = '2026';
const TITLE_MAX = 100;

/** `tag:launches.example.org,2026:launch/123` for the site at `siteUrl`. */
export function tagUri(siteUrl: string, specific: string): string {
  return `tag:${new URL(siteUrl).hostname},${TAG_YEAR}:${specific}`;
}

function feed(o: { siteUrl: string; id: string; title: string; selfPath: string; updated: Date; entries: readonly SafeHtml[] }): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n` + html`<feed xmlns="http://www.w3.org/2005/Atom">
<id>${tagUri(o.siteUrl, o.id)}</id>
<title>${o.title}</title>
<updated>${o.updated.toISOString()}</updated>
<author><name>ShipTrack</name></author>
<link rel="self" type="application/atom+xml" href="${o.siteUrl}${o.selfPath}"/>
<link rel="alternate" type="text/html" href="${o.siteUrl}/"/>
<generator>ShipTrack</generator>
${o.entries}
</feed>
`.value;
}

/** The newest entry's time, or the Unix epoch for a feed with none (Atom requires an updated). */
function newest(dates: readonly Date[]): Date {
  return dates.reduce((a, b) => (b > a ? b : a), new Date(0));
}

function launchTitle(content: string): string {
  const t = truncateAtWord(normaliseLine(firstLine(content)), TITLE_MAX);
  return t === '' ? 'A launch' : t;
}

/** /feed.atom: `launches` newest first; each links to the week page it shows on (`weekOf`) at its anchor. */
export function launchFeed(siteUrl: string, launches: readonly SiteLaunch[], weekOf: (l: SiteLaunch) => string): string {
  const entries = launches.map((l) => {
    const updated = l.editedAt && l.editedAt > l.createdAt ? l.editedAt : l.createdAt;
    const author = l.hidden ? HIDDEN_NAME : (l.userName.trim() || 'someone');
    const href = `${siteUrl}/weeks/${weekOf(l)}#launch-${l.id}`;
    return html`<entry>
<id>${tagUri(siteUrl, `launch/${l.id}`)}</id>
<title type="text">${launchTitle(l.content)}</title>
<updated>${updated.toISOString()}</updated>
<published>${l.createdAt.toISOString()}</published>
<author><name>${author}</name>${l.hidden ? '' : html`<uri>${siteUrl}/members/${l.userId}</uri>`}</author>
<link rel="alternate" type="text/html" href="${href}"/>
<content type="text">${l.content}</content>
</entry>
`;
  });
  return feed({ siteUrl, id: 'launches', title: 'Launches', selfPath: '/feed.atom', updated: newest(launches.map((l) => (l.editedAt && l.editedAt > l.createdAt ? l.editedAt : l.createdAt))), entries });
}

/** /weeks.atom: posted digests newest first, each with its numbers and theme line. */
export function weeksFeed(siteUrl: string, digests: readonly PostedDigest[], themeOf: (d: PostedDigest) => string | undefined): string {
  const entries = digests.map((d) => {
    const dates = formatWindowDates({ start: d.windowStart, end: d.windowEnd, isoWeek: d.isoWeek });
    const theme = themeOf(d);
    const summary = `${d.launchCount} launch${d.launchCount === 1 ? '' : 'es'} in the week ${dates}.${theme ? ` Theme: ${theme}` : ''}`;
    return html`<entry>
<id>${tagUri(siteUrl, `week/${d.isoWeek}`)}</id>
<title type="text">Launches of the week ${dates}</title>
<updated>${d.finishedAt.toISOString()}</updated>
<link rel="alternate" type="text/html" href="${siteUrl}/weeks/${d.isoWeek}"/>
<summary type="text">${summary}</summary>
</entry>
`;
  });
  return feed({ siteUrl, id: 'weeks', title: 'Launches of the week', selfPath: '/weeks.atom', updated: newest(digests.map((d) => d.finishedAt)), entries });
}
