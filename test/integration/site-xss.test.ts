// The public launch log against an XSS corpus (issue 17): hostile names, launch texts and a theme
// line stored through the same functions the worker, the commands and the digest use, then every
// page and feed fetched over HTTP. Since the site escapes every '<' of member text, each '<' left
// in a page starts real markup: the test tokenises all of it and checks each tag and attribute
// against what the site itself writes (no script, no event handler, no style, links only http(s)
// with rel="nofollow ugc noopener"), and that the hostile text is still there, as text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { ManualClock } from '../helpers/clock.js';
import { parseXml } from '../helpers/xml.js';
import { request, startWeb, type Web } from './web-harness.js';
import { insertLaunch, launchesForDigest } from '../../src/db/launches.js';
import * as store from '../../src/db/digests.js';
import { windowForIsoWeek } from '../../src/digest/window.js';
import { dateToSnowflake } from '../../src/discord/snowflake.js';
import { postableText } from '../../src/discord/escape.js';
import { createSite } from '../../src/site/routes.js';
import { escapeText } from '../../src/site/render/html.js';
import { silentLogger } from '../../src/log.js';

const NOW = Date.UTC(2026, 11, 1, 10, 0, 0);
const W49 = windowForIsoWeek('2026-W49');
const SITE_URL = 'https://launches.example.org';
const LONG = 'W'.repeat(2000);

/** Launch texts: each must come out as text only. */
const CONTENTS = [
  'Shipped <script>alert(1)</script> https://a.example',
  'Shipped <ScRiPt SRC=//evil.example/x.js></sCrIpT> today',
  'Launched " onmouseover="alert(1)" x=" and \' onfocus=\'alert(2)\' https://b.example',
  'Released javascript:alert(1) and JaVaScRiPt:alert(2) and [click](javascript:alert(3)) <a href="javascript:alert(4)">x</a>',
  'Shipped data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg== and vbscript:msgbox(1)',
  'Launched <svg onload=alert(1)> <img src=x onerror=alert(2)> <iframe src=javascript:alert(3)>',
  'Shipped </bdi></li></ul><script>alert(1)</script><ul><li><bdi> done',
  'Shipped <!-- c --> <![CDATA[x]]> <style>*{display:none}</style> <base href="https://evil.example/">',
  'Shipped &lt;script&gt; already-escaped &amp; https://c.example/?a=1&b=<2>',
  'Shipped https://d.example/"><script>alert(1)</script> and https://e.example/\'onmouseover=alert(1)',
  'Shipped \u202Egnp.exe\u202C and \u2066iso\u2067late\u2068first\u2069 \u202A\u202B\u202D https://bidi.example',
  `Launched ${LONG} https://long.example`,
  // A member who launched (named by the name stored for them, itself hostile), one nobody knows,
  // a role, a channel, a custom emoji, a timestamp, a command mention.
  'Launched for <@1100000000000000200>, <@!1100000000000000102>, <@&1300000000000000001>, <#1210000000000000003>, <a:party:1300000000000000009>, <t:1764583200:R>, </ship:1320000000000000000> and @everyone',
  'Shipped a\u0000b NUL and \u0007 bell and \u001b[31m ANSI and \u0085 NEL',
];
const NAMES = ['"><script>alert(1)</script>', '\u202Eadmin\u202C', '<@1100000000000000101>', `x${'y'.repeat(200)}`, 'ok name', 'null\u0000byte'];
const THEME = '<script>alert("theme")</script> & "quotes" \u202E';

let db: TestDatabase;
let web: Web;
const clock = new ManualClock(NOW);
const pages: Record<string, string> = {};
const userIds = NAMES.map((_, i) => `11000000000000002${String(i).padStart(2, '0')}`);

before(async () => {
  db = await createTestDatabase();
  let n = 0;
  const add = async (content: string, at: number) => {
    const i = n++;
    await insertLaunch(db.pool, {
      source: 'channel', guildId: '1200000000000000002', channelId: '1210000000000000003', userId: userIds[i % NAMES.length]!, userName: NAMES[i % NAMES.length]!,
      content, urls: [], messageId: (BigInt(dateToSnowflake(new Date(at))) + BigInt(i)).toString(), createdAt: new Date(at),
    });
  };
  // Every text in last week (posted, with a hostile theme) and again in the week in progress.
  for (const [k, c] of CONTENTS.entries()) await add(c, W49.start.getTime() + (k + 1) * 3_600_000);
  const claim = await store.claimWindow(db.pool, W49, 'xss', 60_000);
  assert.equal(claim.kind, 'claimed');
  const rows = await launchesForDigest(db.pool, W49.start, W49.end);
  const ids = rows.week.map((r) => r.id);
  assert.equal(await store.freezeParts(db.pool, W49.start, 'xss', ids.length, [{ content: `🚀 header\nTheme: ${postableText(THEME, { suppressEmbeds: true })}`, nonce: 'x' }], ids), true);
  await store.recordPartPosted(db.pool, W49.start, 1, '1400000000000000001');
  assert.equal(await store.finishDigest(db.pool, W49.start, 'xss'), true);
  for (const [k, c] of CONTENTS.entries()) await add(c, NOW - (k + 1) * 60_000);
  const site = createSite({ db: db.pool, clock, log: silentLogger, siteUrl: SITE_URL });
  web = await startWeb({ db: db.pool, clock, extraRoutes: site.handle });
  for (const path of ['/', '/weeks/2026-W49', '/weeks/2026-W50', ...userIds.map((id) => `/members/${id}`), '/feed.atom', '/weeks.atom']) {
    const r = await request(web.base + path, { method: 'GET' });
    assert.equal(r.status, 200, path);
    pages[path] = r.text;
  }
});

after(async () => {
  await web?.close();
  await db?.close();
});

/** Attributes the site writes, per tag; nothing else may appear. */
const ALLOWED: Record<string, readonly string[]> = {
  html: ['lang'], meta: ['charset', 'name', 'content'], link: ['rel', 'href', 'type', 'title'], a: ['href', 'rel', 'class'],
  li: ['id'], ul: ['class'], time: ['class', 'datetime'], bdi: ['class'], span: ['class'], p: ['class'], div: ['class'], header: ['class'], footer: ['class'],
  figure: ['class'], svg: ['xmlns', 'viewBox', 'width', 'height', 'role', 'aria-labelledby'], title: ['id'], desc: ['id'], g: [],
  rect: ['class', 'x', 'y', 'width', 'height'], line: ['class', 'x1', 'y1', 'x2', 'y2'], text: ['x', 'y', 'text-anchor'],
  table: ['class'], th: ['scope'], nav: ['class'],
};
const NO_ATTRS = ['head', 'body', 'main', 'h1', 'h2', 'figcaption', 'details', 'summary', 'thead', 'tbody', 'tr', 'td', 'strong', 'nav'];

/** Every tag of `html` (doctype and end tags skipped), strictly tokenised: a stray quote or '<' fails. */
function tags(html: string): { name: string; attrs: [string, string][] }[] {
  const out: { name: string; attrs: [string, string][] }[] = [];
  let i = html.indexOf('<');
  while (i >= 0) {
    if (html.startsWith('<!doctype html>', i)) { i = html.indexOf('<', i + 1); continue; }
    const end = /^<\/([a-z0-9]+)>/.exec(html.slice(i, i + 40));
    if (end) { i = html.indexOf('<', i + end[0].length); continue; }
    const m = /^<([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z][-a-zA-Z0-9:]*="[^"<>]*")*)\s*>/.exec(html.slice(i));
    assert.ok(m, `not a well-formed tag at ${i}: ${JSON.stringify(html.slice(i, i + 120))}`);
    const attrs = [...m[2]!.matchAll(/([a-zA-Z][-a-zA-Z0-9:]*)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!] as [string, string]);
    out.push({ name: m[1]!, attrs });
    i = html.indexOf('<', i + m[0].length);
  }
  return out;
}

test('XSS corpus: every tag and attribute in every page is one the site writes; links only to http(s), never javascript: or data:', () => {
  for (const [path, html] of Object.entries(pages)) {
    if (path.endsWith('.atom')) continue;
    assert.doesNotMatch(html, /<script|<iframe|<img|<style|<base|<svg onload|<!--|<!\[CDATA/i, path);
    for (const tag of tags(html)) {
      const allowed = ALLOWED[tag.name] ?? (NO_ATTRS.includes(tag.name) ? [] : undefined);
      assert.ok(allowed, `${path}: unexpected <${tag.name}>`);
      for (const [name, value] of tag.attrs) {
        assert.ok(allowed.includes(name), `${path}: unexpected attribute ${name} on <${tag.name}>`);
        assert.doesNotMatch(name, /^on|^style$/i);
        if (name === 'href') assert.match(value, /^(\/[-a-zA-Z0-9/._#]*|https?:\/\/[^\s"'<>]+)$/, `${path}: href ${value}`);
      }
      if (tag.name === 'a') {
        const href = tag.attrs.find(([k]) => k === 'href')![1];
        if (/^https?:/.test(href)) assert.deepEqual(tag.attrs.find(([k]) => k === 'rel'), ['rel', 'nofollow ugc noopener'], href);
        assert.doesNotMatch(href, /javascript:|data:|vbscript:/i);
      }
    }
  }
});

test('XSS corpus: the hostile text is still shown, as text: markup escaped, mentions as names, controls, bidi overrides and NUL gone', () => {
  const week = pages['/weeks/2026-W49']!;
  for (const c of CONTENTS.filter((text) => !text.includes('<@'))) {
    // Up to its first link (which becomes an <a>). The mentions are checked below.
    const expected = escapeText(c).split('http')[0]!.slice(0, 60);
    assert.ok(week.includes(expected), `missing as text: ${expected}`);
  }
  assert.ok(week.includes('Shipped &lt;script&gt;alert(1)&lt;/script&gt; <a href="https://a.example/" rel="nofollow ugc noopener">https://a.example</a>'));
  assert.ok(week.includes('Launched &quot; onmouseover=&quot;alert(1)&quot; x=&quot; and &#39; onfocus=&#39;alert(2)&#39;'));
  assert.ok(week.includes('Released javascript:alert(1) and JaVaScRiPt:alert(2) and [click](javascript:alert(3)) &lt;a href=&quot;javascript:alert(4)&quot;&gt;x&lt;/a&gt;'));
  assert.ok(week.includes('Shipped &amp;lt;script&amp;gt; already-escaped &amp;amp;'), 'escaped exactly once more');
  assert.ok(week.includes('<a href="https://d.example/" rel="nofollow ugc noopener">https://d.example/</a>&quot;&gt;&lt;script&gt;'), 'a quote ends the link');
  assert.ok(week.includes('Launched for @&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;, @a member, @role, #channel, :party:, 2025-12-01 10:00 UTC, /ship and @everyone'), 'mentions in their plain forms');
  assert.ok(week.includes('<p class="theme">Theme: <bdi>&lt;script&gt;alert(&quot;theme&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;</bdi></p>'));
  assert.ok(week.includes(`<bdi class="text">Launched ${LONG} <a href="https://long.example/"`), 'the 2000-character word is whole, wrapped by CSS');
  assert.ok(week.includes('Shipped gnp.exe and isolatefirst  <a href="https://bidi.example/"'));
  assert.ok(week.includes('Shipped ab NUL and  bell and [31m ANSI and  NEL'));
  for (const [path, text] of Object.entries(pages)) {
    assert.doesNotMatch(text, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/, `${path} has a control or bidi character`);
    for (const token of ['<@1100000000000000200>', '<@!1100000000000000102>', '<@&1300000000000000001>', '<#1210000000000000003>']) {
      assert.ok(!text.includes(token) && !text.includes(escapeText(token)), `${path} shows ${token} as typed`);
    }
  }
});

test('XSS corpus: names are escaped text in <bdi>, linked to their page by id only', () => {
  const home = pages['/']!;
  assert.ok(home.includes(`<a class="who" href="/members/${userIds[0]}"><bdi>&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</bdi></a>`));
  assert.ok(home.includes(`<a class="who" href="/members/${userIds[1]}"><bdi>admin</bdi></a>`));
  assert.ok(home.includes(`<a class="who" href="/members/${userIds[2]}"><bdi>&lt;@1100000000000000101&gt;</bdi></a>`));
  assert.ok(home.includes(`<a class="who" href="/members/${userIds[5]}"><bdi>nullbyte</bdi></a>`));
  assert.ok(pages[`/members/${userIds[0]}`]!.includes('<title>&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;: launches</title>'));
});

test('XSS corpus: both feeds are well-formed Atom with the hostile text as character data', () => {
  for (const path of ['/feed.atom', '/weeks.atom']) {
    const feed = parseXml(pages[path]!);
    assert.equal(feed.name, 'feed');
    assert.ok(!pages[path]!.includes('<script'), path);
  }
  const entries = parseXml(pages['/feed.atom']!).children.filter((c) => c.name === 'entry');
  const contents = entries.map((e) => e.children.find((c) => c.name === 'content')!.text);
  assert.ok(contents.includes('Shipped <script>alert(1)</script> https://a.example'));
  assert.ok(contents.includes('Shipped ab NUL and  bell and [31m ANSI and  NEL'));
  assert.ok(pages['/weeks.atom']!.includes('Theme: &lt;script&gt;alert(&quot;theme&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;</summary>'));
});
