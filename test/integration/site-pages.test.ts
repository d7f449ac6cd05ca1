// The public launch log against a database (issue 17): the web server in-process with the site
// plugged in as production's bin does (extraRoutes), a manual clock (Tuesday 1 Dec 2026 10:00 UTC),
// digests frozen and posted with the digest's own store functions, then real HTTP requests. Pages
// show the expected launches, removed launches never appear, a hidden member is "a member" and
// has no page, a week page lists exactly what its digest carried (a late arrival included), and
// the HTTP semantics: 304, HEAD, 405, 404, gzip/br, security headers. One server, many requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { ManualClock } from '../helpers/clock.js';
import { commandPayload, nowSec, sign, startWeb, type Web } from './web-harness.js';
import { insertLaunch, launchesForDigest, softDeleteByMessageIds } from '../../src/db/launches.js';
import * as store from '../../src/db/digests.js';
import { windowForIsoWeek, type DigestWindow } from '../../src/digest/window.js';
import { dateToSnowflake } from '../../src/discord/snowflake.js';
import { postableText } from '../../src/discord/escape.js';
import { createSite, type Site } from '../../src/site/routes.js';
import { CONTENT_SECURITY_POLICY } from '../../src/site/http.js';
import { createLogger } from '../../src/log.js';

const NOW = Date.UTC(2026, 11, 1, 10, 0, 0); // Tuesday: the week in progress is 2026-W50
const W48 = windowForIsoWeek('2026-W48'); // [16 Nov 09:00, 23 Nov 09:00)
const W49 = windowForIsoWeek('2026-W49'); // [23 Nov 09:00, 30 Nov 09:00)
const SITE_URL = 'https://launches.example.org';
const M = {
  ada: '1100000000000000101', bob: '1100000000000000102', cy: '1100000000000000103', dee: '1100000000000000104', eve: '1100000000000000105',
};

let db: TestDatabase;
let web: Web;
let site: Site;
let plain: Web; // the same server without the site: PUBLIC_SITE off
const clock = new ManualClock(NOW);
/** What each frozen digest carried (launch ids), read with the digest's own query at freeze time. */
const carried = new Map<string, string[]>();
let n = 0;

async function add(user: keyof typeof M, content: string, at: number, name: string = user): Promise<{ id: string; messageId: string }> {
  const messageId = (BigInt(dateToSnowflake(new Date(at))) + BigInt(n++)).toString();
  const r = await insertLaunch(db.pool, {
    source: 'channel', guildId: '1200000000000000002', channelId: '1210000000000000003', userId: M[user], userName: name,
    content, urls: [], messageId, createdAt: new Date(at),
  });
  return { id: r.id, messageId };
}

/** Freezes and posts `w`'s digest as src/digest/run.ts does (claim, launchesForDigest, freezeParts, parts posted, done). */
async function postDigest(w: DigestWindow, theme?: string): Promise<void> {
  const runId = `test:${w.isoWeek}`;
  const claim = await store.claimWindow(db.pool, w, runId, 60_000);
  assert.equal(claim.kind, 'claimed');
  const rows = await launchesForDigest(db.pool, w.start, w.end);
  const ids = [...rows.week, ...rows.late].map((r) => r.id);
  const header = `🚀 **Launches of the week** — ${w.isoWeek}${theme ? `\nTheme: ${postableText(theme, { suppressEmbeds: true })}` : ''}`;
  assert.equal(await store.freezeParts(db.pool, w.start, runId, ids.length, [{ content: header, nonce: `n${w.isoWeek}` }], ids), true);
  assert.equal(await store.recordPartPosted(db.pool, w.start, 1, (BigInt(dateToSnowflake(w.end)) + 1n).toString()), true);
  assert.equal(await store.finishDigest(db.pool, w.start, runId), true);
  carried.set(w.isoWeek, ids);
}

const h = (hours: number, w: DigestWindow) => w.start.getTime() + hours * 3_600_000;
let deleted: string;

before(async () => {
  db = await createTestDatabase();
  // Week 2026-W48, then its digest.
  await add('ada', 'Pocket Ledger beta is live https://beta.ledger.example', h(10, W48));
  await add('bob', 'Trailhead maps shipped https://trailhead.example', h(30, W48));
  await postDigest(W48, 'Money & <maps>');
  // Stored after W48's digest was frozen: a late arrival, which the W49 digest carries.
  await add('cy', 'Invoice Kit (logged late) https://cy.example/invoice-kit', h(50, W48));
  await add('dee', 'Portfolio with dark mode https://dee.example', h(20, W49));
  await add('ada', 'Pocket Ledger 1.0 https://ledger.example', h(40, W49));
  const gone = await add('bob', 'Released a build by mistake https://oops.example', h(60, W49));
  await postDigest(W49);
  // Removed after the digest that listed it was posted: the site shows it nowhere.
  await softDeleteByMessageIds(db.pool, [gone.messageId], new Date(NOW - 3_600_000));
  deleted = 'Released a build by mistake';
  // bob's back catalogue, long before the chart's 26 weeks: 205 launches in March, for his page's paging.
  await db.pool.query(
    `INSERT INTO launches (source, guild_id, channel_id, user_id, user_name, content, message_id, created_at)
     SELECT 'channel', 1200000000000000002, 1210000000000000003, $1, 'bob', 'Old tool ' || i || ' https://old.example/' || i,
            1300000000000000000 + i, timestamptz '2026-03-02 12:00:00+00' + i * interval '1 hour'
     FROM generate_series(1, 205) AS i`, [M.bob]);
  // The week in progress (2026-W50, since Monday 30 Nov 09:00).
  await add('ada', 'Pocket Ledger for iPad https://ipad.example', NOW - 2 * 3_600_000);
  await add('eve', 'Tiny Forms, by someone who hides https://forms.example', NOW - 3_600_000, 'Eve Secret');
  const log = createLogger({ write: () => {} });
  site = createSite({ db: db.pool, clock, log, siteUrl: SITE_URL });
  web = await startWeb({ db: db.pool, clock, extraRoutes: site.handle, publicSiteUrl: SITE_URL });
  plain = await startWeb({ db: db.pool, clock });
  // eve hides herself with the slash command, through the signed interaction endpoint.
  const body = JSON.stringify(commandPayload({ name: 'site', userId: M.eve, options: [{ name: 'visibility', type: 3, value: 'hide' }] }, clock));
  const ts = nowSec(clock);
  const r = await fetchRaw(web, '/api/discord/interact', { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature-ed25519': sign(web.secretKey, ts, body), 'x-signature-timestamp': ts }, body });
  assert.equal(r.status, 200);
  const answer = JSON.parse(r.body.toString()) as { type: number; data: { content: string; flags: number } };
  assert.equal(answer.data.flags & 64, 64, 'ephemeral');
  assert.match(answer.data.content, /^🙈 Done: the public launch log names you "a member"/);
});

after(async () => {
  await web?.close();
  await plain?.close();
  await db?.close();
});

interface Raw { status: number; headers: http.IncomingHttpHeaders; body: Buffer }

function fetchRaw(server: Pick<Web, 'base'>, path: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(server.base + path, { method: o.method ?? 'GET', headers: o.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

async function page(path: string): Promise<string> {
  const r = await fetchRaw(web, path);
  assert.equal(r.status, 200, `${path}: ${r.body.toString().slice(0, 200)}`);
  assert.equal(r.headers['content-type'], path.endsWith('.atom') ? 'application/atom+xml; charset=utf-8' : 'text/html; charset=utf-8');
  return r.body.toString();
}

/** The launch ids a page lists (li id="launch-N"), in order. */
const listed = (html: string) => [...html.matchAll(/<li id="launch-(\d+)">/g)].map((m) => m[1]!);

test('a week page lists exactly the launches its digest carried, the late arrival under "Logged late", minus removed ones', async () => {
  const w49 = await page('/weeks/2026-W49');
  const removed = (await db.pool.query<{ id: string }>('SELECT id::text FROM launches WHERE deleted_at IS NOT NULL')).rows.map((r) => r.id);
  assert.deepEqual(new Set(listed(w49)), new Set(carried.get('2026-W49')!.filter((id) => !removed.includes(id))));
  assert.equal(carried.get('2026-W49')!.length, 4, 'dee, ada, bob (removed since) and cy\'s late one');
  const [own, late] = w49.split('<h2>Logged late, from earlier weeks</h2>');
  assert.ok(late?.includes('Invoice Kit (logged late)'), 'the late arrival is under its heading');
  assert.ok(!own!.includes('Invoice Kit'));
  assert.ok(w49.includes('<p class="numbers">2 launches by 2 founders, plus 1 logged late.</p>'), w49);
  assert.ok(w49.includes('<h1>Launches of the week <span class="muted">23–30 Nov 2026</span></h1>'));
  assert.ok(w49.includes('Digest posted in Discord'));
  const w48 = await page('/weeks/2026-W48');
  assert.deepEqual(listed(w48), carried.get('2026-W48'));
  assert.ok(!w48.includes('Invoice Kit'), 'the late arrival shows where the digest put it, not in its own week');
  assert.ok(w48.includes('<p class="theme">Theme: <bdi>Money &amp; &lt;maps&gt;</bdi></p>'));
  assert.ok(w48.includes('<a href="/weeks/2026-W47" rel="prev">') && w48.includes('<a href="/weeks/2026-W49" rel="next">'));
});

test('/: this week so far newest first, a hidden member as "a member", the 26-week chart with its numbers, recent weeks linked', async () => {
  const home = await page('/');
  const items = home.split('<h2>Launches per week</h2>')[0]!;
  assert.ok(items.indexOf('Tiny Forms') < items.indexOf('Pocket Ledger for iPad'), 'newest first');
  assert.ok(items.includes('<span class="who">a member</span>'));
  assert.ok(!home.includes('Eve Secret') && !home.includes(`/members/${M.eve}`), 'no name or link of the hidden member');
  assert.ok(home.includes('<a class="who" href="/members/1100000000000000101"><bdi>ada</bdi></a>'));
  assert.ok(home.includes('<p class="numbers">2 launches by 2 founders so far. <a href="/weeks/2026-W50">Week page</a></p>'));
  assert.equal((home.match(/<rect class="bar"/g) ?? []).length, 26);
  assert.ok(home.includes('<tr><td><a href="/weeks/2026-W49">2026-W49</a></td><td>23 Nov</td><td>3</td></tr>'), 'W49 shows 3 live launches');
  assert.ok(home.includes('<tr><td><a href="/weeks/2026-W48">2026-W48</a></td><td>16 Nov</td><td>2</td></tr>'));
  assert.ok(home.includes('<li><a href="/weeks/2026-W49">23–30 Nov 2026</a><span class="muted">3 launches</span></li><li><a href="/weeks/2026-W48">16–23 Nov 2026</a><span class="muted">2 launches</span></li>'));
  for (const path of ['/', '/weeks/2026-W48', '/weeks/2026-W49', '/weeks/2026-W50', `/members/${M.ada}`, `/members/${M.bob}`, '/feed.atom', '/weeks.atom']) {
    const text = await page(path);
    assert.ok(!text.includes(deleted), `${path} shows a removed launch`);
    assert.ok(!text.includes('Eve Secret'), `${path} names the hidden member`);
  }
});

test('member pages: launches, streaks, the activity strip; a hidden, unknown or malformed member is a 404 page', async () => {
  const ada = await page(`/members/${M.ada}`);
  assert.ok(ada.includes('<h1><bdi>ada</bdi></h1>'));
  assert.ok(ada.includes('<div><strong>3</strong>launches</div>'));
  assert.ok(ada.includes('<div><strong>3 weeks</strong>current weekly streak</div>') && ada.includes('<div><strong>3 weeks</strong>best streak</div>'), ada);
  assert.ok(ada.includes('<figcaption>3 launches on 3 days between'));
  assert.deepEqual(listed(ada).length, 3);
  const beta = (await db.pool.query<{ id: string }>(`SELECT id::text FROM launches WHERE content LIKE 'Pocket Ledger beta%'`)).rows[0]!.id;
  assert.ok(ada.includes(`<li id="launch-${beta}"><a href="/weeks/2026-W48#launch-${beta}"><time class="when" datetime="2026-11-16T19:00:00.000Z">16 Nov 2026</time></a>`), 'each launch links to its week page');
  for (const path of [`/members/${M.eve}`, '/members/1100000000000000999', '/members/ada', '/members/123', '/weeks/2026-W99', '/weeks/2027-W10', '/weeks/2020-W10', '/nope', '/weeks/', '/members']) {
    const r = await fetchRaw(web, path);
    assert.equal(r.status, 404, path);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(r.body.toString(), /<h1>Not found<\/h1>/);
  }
  // eve shows herself again: her page and name come back (the cache follows site_data_seq).
  const body = JSON.stringify(commandPayload({ name: 'site', userId: M.eve, options: [{ name: 'visibility', type: 3, value: 'show' }] }, clock));
  const ts = nowSec(clock);
  const r = await fetchRaw(web, '/api/discord/interact', { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature-ed25519': sign(web.secretKey, ts, body), 'x-signature-timestamp': ts }, body });
  assert.match((JSON.parse(r.body.toString()) as { data: { content: string } }).data.content, new RegExp(`^👋 Done: the public launch log shows your name again\\. Your page: <${SITE_URL}/members/${M.eve}>`));
  assert.ok((await page(`/members/${M.eve}`)).includes('<h1><bdi>Eve Secret</bdi></h1>'));
  assert.ok((await page('/')).includes(`<a class="who" href="/members/${M.eve}"><bdi>Eve Secret</bdi></a>`));
  await db.pool.query('INSERT INTO site_hidden_members (user_id, hidden_at) VALUES ($1, now())', [M.eve]);
  assert.equal((await fetchRaw(web, `/members/${M.eve}`)).status, 404);
});

test('a member page lists 200 launches a page, newest first, with links to the older and newer ones; a page past the end is a 404', async () => {
  const first = await page(`/members/${M.bob}`);
  assert.equal(listed(first).length, 200);
  assert.ok(first.includes('<h2>Launches <span class="muted">1–200 of 206, newest first</span></h2>'));
  assert.ok(first.includes(`<nav class="weeks"><p><a href="/members/${M.bob}?page=2" rel="next">6 earlier launches →</a></p></nav>`));
  assert.ok(first.indexOf('Trailhead maps shipped') < first.indexOf('Old tool 205 '), 'newest first');
  const second = await page(`/members/${M.bob}?page=2`);
  assert.equal(listed(second).length, 6);
  assert.ok(second.includes('<h2>Launches <span class="muted">201–206 of 206, newest first</span></h2>'));
  assert.ok(second.includes(`<nav class="weeks"><p><a href="/members/${M.bob}" rel="prev">← Newer launches</a></p></nav>`));
  assert.ok(second.includes('<title>bob: launches (page 2)</title>') && second.includes('Old tool 1 '));
  assert.deepEqual(new Set([...listed(first), ...listed(second)]).size, 206);
  assert.equal(await page(`/members/${M.bob}?utm_source=x`), first, 'other query parameters are ignored');
  for (const q of ['?page=3', '?page=0', '?page=abc', '?page=-1', '?page=1e3', '?page=99999']) assert.equal((await fetchRaw(web, `/members/${M.bob}${q}`)).status, 404, q);
  assert.ok(!(await page(`/members/${M.ada}`)).includes('<nav class="weeks">'), 'one page: no paging links');
});

test('HTTP: ETag/Last-Modified and 304, HEAD without a body, gzip and br, 405 with Allow, security headers', async () => {
  const full = await fetchRaw(web, '/');
  const etag = full.headers.etag!;
  assert.match(etag, /^"[A-Za-z0-9_-]{27}"$/);
  assert.equal(full.headers['cache-control'], 'public, max-age=60');
  assert.equal(full.headers.vary, 'Accept-Encoding');
  assert.equal(full.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
  assert.equal(full.headers['content-security-policy'], "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  assert.equal(full.headers['x-content-type-options'], 'nosniff');
  assert.equal(full.headers['referrer-policy'], 'strict-origin-when-cross-origin');
  assert.equal(full.headers['content-length'], String(full.body.length));
  assert.equal(full.headers['content-encoding'], undefined);

  const again = await fetchRaw(web, '/', { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
  assert.equal(again.headers.etag, etag);
  const since = await fetchRaw(web, '/', { headers: { 'if-modified-since': full.headers['last-modified']! } });
  assert.equal(since.status, 304);
  assert.equal((await fetchRaw(web, '/', { headers: { 'if-none-match': '"stale"', 'if-modified-since': full.headers['last-modified']! } })).status, 200);

  const head = await fetchRaw(web, '/', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  assert.equal(head.headers['content-length'], String(full.body.length));
  assert.equal(head.headers.etag, etag);

  const gz = await fetchRaw(web, '/', { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gz.headers.etag, etag.replace(/"$/, '-gz"'));
  assert.deepEqual(gunzipSync(gz.body), full.body);
  const br = await fetchRaw(web, '/weeks/2026-W49', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
  assert.equal(br.headers['content-encoding'], 'br');
  assert.equal(brotliDecompressSync(br.body).toString(), await page('/weeks/2026-W49'));
  assert.equal((await fetchRaw(web, '/', { headers: { 'accept-encoding': 'gzip', 'if-none-match': gz.headers.etag! } })).status, 304);

  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
    const r = await fetchRaw(web, '/weeks/2026-W49', { method });
    assert.equal(r.status, 405, method);
    assert.equal(r.headers.allow, 'GET, HEAD');
  }
  const css = await fetchRaw(web, '/site.css');
  assert.equal(css.status, 200);
  assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
  assert.match(css.body.toString(), /@media \(prefers-color-scheme:dark\)/);
  assert.match(css.body.toString(), /overflow-wrap:anywhere/);
});

test('the interaction endpoint and /healthz are unaffected; with the site off every site path is the old plain 404', async () => {
  for (const server of [web, plain]) {
    assert.equal((await fetchRaw(server, '/healthz')).status, 200);
    assert.equal((await fetchRaw(server, '/api/discord/interact', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, 401);
    const get = await fetchRaw(server, '/api/discord/interact');
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, 'POST');
  }
  for (const path of ['/', '/weeks/2026-W49', `/members/${M.ada}`, '/feed.atom', '/weeks.atom', '/site.css']) {
    const r = await fetchRaw(plain, path);
    assert.equal(r.status, 404, path);
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(r.body.toString(), 'not found');
  }
});

test('feeds: the newest launches and one entry per posted digest, absolute links on PUBLIC_SITE_URL', async () => {
  const feed = await page('/feed.atom');
  assert.ok(feed.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'));
  assert.ok(feed.includes('<link rel="self" type="application/atom+xml" href="https://launches.example.org/feed.atom"/>'));
  const cy = (await db.pool.query<{ id: string }>(`SELECT id::text FROM launches WHERE user_id = $1`, [M.cy])).rows[0]!.id;
  assert.ok(feed.includes(`<link rel="alternate" type="text/html" href="https://launches.example.org/weeks/2026-W49#launch-${cy}"/>`), 'the late arrival links to the week that carried it');
  const weeks = await page('/weeks.atom');
  assert.deepEqual([...weeks.matchAll(/<id>(tag:[^<]+)<\/id>/g)].map((m) => m[1]), [
    'tag:launches.example.org,2026:weeks', 'tag:launches.example.org,2026:week/2026-W49', 'tag:launches.example.org,2026:week/2026-W48']);
  assert.ok(weeks.includes('<summary type="text">2 launches in the week 16–23 Nov 2026. Theme: Money &amp; &lt;maps&gt;</summary>'));
});
