// The public site's text handling (src/site/render/html.ts), pictures (src/site/chart.ts), theme
// line and routing: exact output for hostile input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanText, escapeText, externalLink, html, memberText, safeHref, trusted } from '../../src/site/render/html.js';
import { activityStrip, weeklyChart } from '../../src/site/chart.js';
import { themeFromDigest, parseWeekId, currentWindow } from '../../src/site/pages/week.js';
import { route } from '../../src/site/routes.js';
import { launchItem, memberName } from '../../src/site/pages/layout.js';
import { postableText } from '../../src/discord/escape.js';

test('escapeText: the five HTML/XML specials, controls and bidi overrides dropped, nothing else touched', () => {
  assert.equal(escapeText(`<script>alert("x")</script> & 'q'`), '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;');
  assert.equal(escapeText('a\u0000b\u0007c\u001bd\u007fe\u0085f'), 'abcdef');
  assert.equal(escapeText('x\r\ny\tz'), 'x\ny\tz');
  assert.equal(escapeText('Shipped \u202Egnp.exe\u202C and \u2066iso\u2069 \u202A\u202B\u202D'), 'Shipped gnp.exe and iso ');
  assert.equal(escapeText('lone \ud800 surrogate \udc00 and pair 🎉 \ufffe\uffff'), 'lone  surrogate  and pair 🎉 ');
  assert.equal(escapeText('&amp; stays escaped once: &lt;'), '&amp;amp; stays escaped once: &amp;lt;');
  assert.equal(cleanText('ok \u200e\u200f rlm marks kept'), 'ok \u200e\u200f rlm marks kept');
});

test('html``: every interpolation escaped unless trusted markup; arrays joined; false/null/undefined empty', () => {
  const name = '"><img src=x onerror=alert(1)>';
  assert.equal(html`<a title="${name}">${name}</a>`.value, '<a title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</a>');
  assert.equal(html`${['<', trusted('<b>'), 1, null, undefined, false]}`.value, '&lt;<b>1');
});

test('safeHref: only absolute http(s) URLs; javascript:, data:, vbscript:, relative and mixed-case schemes are refused', () => {
  assert.equal(safeHref('https://a.example/x?y=1&z=<2>'), 'https://a.example/x?y=1&z=%3C2%3E');
  assert.equal(safeHref('HTTP://A.example'), 'http://a.example/');
  for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', ' javascript:alert(1)', 'java\u0000script:alert(1)', 'data:text/html,<script>', 'vbscript:x', '//evil.example', '/relative', 'https://', 'ftp://x.example']) {
    assert.equal(safeHref(bad), undefined, bad);
  }
  assert.equal(externalLink('javascript:alert(1)').value, 'javascript:alert(1)');
  assert.equal(externalLink('https://ok.example/"onmouseover="x').value, '<a href="https://ok.example/%22onmouseover=%22x" rel="nofollow ugc noopener">https://ok.example/&quot;onmouseover=&quot;x</a>');
});

test('memberText: http(s) URLs become nofollow ugc noopener links, the rest is text (mentions, javascript:, markup)', () => {
  assert.equal(memberText('Shipped <@123> https://a.example/x. and javascript:alert(1) [x](javascript:alert(1)) <script>').value,
    'Shipped &lt;@123&gt; <a href="https://a.example/x" rel="nofollow ugc noopener">https://a.example/x</a>. and javascript:alert(1) [x](javascript:alert(1)) &lt;script&gt;');
  assert.equal(memberText('q https://e.example/b?q="><svg onload=alert(1)>').value,
    'q <a href="https://e.example/b?q=" rel="nofollow ugc noopener">https://e.example/b?q=</a>&quot;&gt;&lt;svg onload=alert(1)&gt;');
  assert.equal(memberText('no\u0000nul').value, 'nonul');
});

test('member names: escaped inside <bdi> and linked to the member page; a hidden member is "a member" with no link', () => {
  assert.equal(memberName({ userId: '1100000000000000101', userName: '<b>ada</b>', hidden: false }).value,
    '<a class="who" href="/members/1100000000000000101"><bdi>&lt;b&gt;ada&lt;/b&gt;</bdi></a>');
  assert.equal(memberName({ userId: '1100000000000000101', userName: 'ada', hidden: true }).value, '<span class="who">a member</span>');
  const at = new Date('2026-11-24T15:04:00Z');
  assert.equal(launchItem({ id: '7', userId: '1100000000000000101', userName: 'ada', content: 'Hi https://a.example', createdAt: at, editedAt: null, hidden: true, weekStart: at }).value,
    '<li id="launch-7"><span class="who">a member</span> <time class="when" datetime="2026-11-24T15:04:00.000Z">24 Nov, 15:04</time><bdi class="text">Hi <a href="https://a.example/" rel="nofollow ugc noopener">https://a.example</a></bdi></li>');
});

test('weeklyChart: one bar per week scaled to the busiest, the numbers as text and a table, no style attributes', () => {
  const out = weeklyChart([
    { isoWeek: '2026-W47', label: '9 Nov', count: 0 },
    { isoWeek: '2026-W48', label: '16 Nov', count: 2, linked: true },
    { isoWeek: '2026-W49', label: '23 Nov', count: 4, linked: true },
  ]).value;
  assert.match(out, /<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 84 160" width="84" height="160" role="img" aria-labelledby="weekly-title weekly-desc">/);
  assert.ok(out.includes('<rect class="bar" x="6" y="138" width="20" height="0"></rect>'), out);
  assert.ok(out.includes('<rect class="bar" x="32" y="78" width="20" height="60"></rect><text x="42" y="75" text-anchor="middle">2</text>'));
  assert.ok(out.includes('<rect class="bar" x="58" y="18" width="20" height="120"></rect><text x="68" y="15" text-anchor="middle">4</text><text x="68" y="155" text-anchor="middle">23 Nov</text>'), 'the newest week is labelled');
  assert.equal((out.match(/text-anchor="middle">\d+ \w{3}</g) ?? []).length, 1, 'every fourth week from the newest');
  assert.ok(out.includes('<figcaption>6 launches in the 3 weeks from 9 Nov to 23 Nov; the busiest week had 4.</figcaption>'));
  assert.ok(out.includes('<tr><td>2026-W47</td><td>9 Nov</td><td>0</td></tr><tr><td><a href="/weeks/2026-W48">2026-W48</a></td><td>16 Nov</td><td>2</td></tr>'));
  assert.doesNotMatch(out, /style=/);
});

test('activityStrip: 53 weeks of days ending today (UTC), coloured by count, summarised as text', () => {
  const today = new Date('2026-12-01T10:00:00Z'); // a Tuesday
  const out = activityStrip(new Map([['2026-12-01', 1], ['2026-11-30', 4], ['2025-12-01', 2]]), today).value;
  assert.equal((out.match(/<rect /g) ?? []).length, 52 * 7 + 2);
  assert.ok(out.includes('<rect class="c3" x="624" y="0" width="10" height="10"><title>2026-11-30: 4</title></rect>'));
  assert.ok(out.includes('<rect class="c1" x="624" y="12" width="10" height="10"><title>2026-12-01: 1</title></rect>'));
  assert.ok(out.includes('<figcaption>7 launches on 3 days between 1 Dec 2025 and 1 Dec 2026.</figcaption>'));
});

test('themeFromDigest: the theme line of a frozen digest, with the digest\'s Discord escaping undone', () => {
  const theme = `Theme: ${postableText('Dev *tools* & <dashboards> https://x.example/a_b', { suppressEmbeds: true })}`;
  assert.equal(themeFromDigest(`🚀 **Launches of the week** — 16–23 Nov 2026 · 3 launches by 2 founders\n${theme}\n• <@1> — x`), 'Dev *tools* & <dashboards> https://x.example/a_b');
  assert.equal(themeFromDigest('🚀 header only'), undefined);
  assert.equal(themeFromDigest(null), undefined);
});

test('week ids and routes: malformed ids and impossible weeks are site 404s; other paths are not the site\'s', () => {
  assert.equal(parseWeekId('2026-W48')?.start.toISOString(), '2026-11-16T09:00:00.000Z');
  for (const bad of ['2026-W00', '2026-W54', '2025-W53', '2026-w48', '2026-W4', ' 2026-W48', '2026-W48x']) assert.equal(parseWeekId(bad), undefined, bad);
  assert.equal(parseWeekId('2026-W53')?.isoWeek, '2026-W53');
  assert.deepEqual(route('/'), { kind: 'home' });
  assert.deepEqual(route('/weeks/2026-W48'), { kind: 'week', id: '2026-W48' });
  assert.deepEqual(route('/weeks/2026-W99'), { kind: 'notFound', site: true });
  assert.deepEqual(route('/members/1100000000000000101'), { kind: 'member', id: '1100000000000000101', page: 1 });
  assert.deepEqual(route('/members/1100000000000000101', 'page=2&x=1'), { kind: 'member', id: '1100000000000000101', page: 2 });
  assert.deepEqual(route('/members/1100000000000000101', 'page=02'), { kind: 'notFound', site: true });
  assert.deepEqual(route('/members/ada'), { kind: 'notFound', site: true });
  assert.deepEqual(route('/members/1100000000000000101/'), { kind: 'notFound', site: false });
  assert.deepEqual(route('/feed.atom'), { kind: 'feed' });
  assert.deepEqual(route('/weeks.atom'), { kind: 'weeksFeed' });
  assert.deepEqual(route('/site.css'), { kind: 'css' });
  assert.deepEqual(route('/favicon.svg'), { kind: 'icon' });
  assert.deepEqual(route('/favicon.ico'), { kind: 'icon' });
  assert.deepEqual(route('/wp-admin'), { kind: 'notFound', site: false });
  const w = currentWindow(new Date('2026-12-01T10:00:00Z'));
  assert.deepEqual([w.start.toISOString(), w.end.toISOString(), w.isoWeek], ['2026-11-30T09:00:00.000Z', '2026-12-07T09:00:00.000Z', '2026-W50']);
  assert.equal(currentWindow(new Date('2026-11-30T09:00:00Z')).isoWeek, '2026-W50', 'Monday 09:00 starts the new week');
  assert.equal(currentWindow(new Date('2026-11-30T08:59:59Z')).isoWeek, '2026-W49');
});
