// The Atom feeds (src/site/atom.ts): well-formed XML (test/helpers/xml.ts), the elements RFC 4287
// requires (feed: id, title, updated; entry: id, title, updated, link; an author for every entry),
// stable tag: ids, and member text escaped, including characters XML cannot hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchFeed, tagUri, weeksFeed } from '../../src/site/atom.js';
import type { SiteLaunch } from '../../src/site/queries.js';
import { child, children, parseXml, type XmlElement } from '../helpers/xml.js';

const SITE = 'https://launches.example.org';
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function launch(id: string, content: string, o: Partial<SiteLaunch> = {}): SiteLaunch {
  const at = new Date('2026-11-24T15:00:00Z');
  return { id, userId: '1100000000000000101', userName: 'ada', content, createdAt: at, editedAt: null, hidden: false, weekStart: new Date('2026-11-23T09:00:00Z'), ...o };
}

function assertAtom(feed: XmlElement): void {
  assert.equal(feed.name, 'feed');
  assert.equal(feed.attrs.xmlns, 'http://www.w3.org/2005/Atom');
  assert.match(child(feed, 'id').text, /^tag:launches\.example\.org,2026:/);
  assert.ok(child(feed, 'title').text.length > 0);
  assert.match(child(feed, 'updated').text, RFC3339);
  const feedAuthor = children(feed, 'author').length === 1;
  for (const e of children(feed, 'entry')) {
    assert.match(child(e, 'id').text, /^tag:launches\.example\.org,2026:(launch|week)\//);
    child(e, 'title');
    assert.match(child(e, 'updated').text, RFC3339);
    assert.ok(children(e, 'link').some((l) => l.attrs.rel === 'alternate' && l.attrs.href!.startsWith(`${SITE}/`)));
    assert.ok(feedAuthor || children(e, 'author').length > 0);
  }
}

test('launch feed: valid Atom, ids stable, hostile text only as escaped text, hidden authors as "a member"', () => {
  const hostile = 'Shipped <script>alert(1)</script> & "quotes" ]]> \u0000\u0001\u202E\ufffe https://evil.example/?a=1&b=2';
  const xml = launchFeed(SITE, [
    launch('12', hostile, { userName: 'Mallory "><b>', editedAt: new Date('2026-11-25T10:00:00Z') }),
    launch('11', 'Pocket Ledger 1.0 https://ledger.example', { hidden: true }),
  ], () => '2026-W49');
  const feed = parseXml(xml);
  assertAtom(feed);
  assert.equal(child(feed, 'updated').text, '2026-11-25T10:00:00.000Z');
  const [a, b] = children(feed, 'entry');
  assert.equal(child(a!, 'id').text, 'tag:launches.example.org,2026:launch/12');
  assert.equal(child(a!, 'content').text, 'Shipped <script>alert(1)</script> & "quotes" ]]>  https://evil.example/?a=1&b=2');
  assert.equal(child(a!, 'content').attrs.type, 'text');
  assert.equal(child(child(a!, 'author'), 'name').text, 'Mallory "><b>');
  assert.equal(child(a!, 'updated').text, '2026-11-25T10:00:00.000Z');
  assert.equal(child(a!, 'published').text, '2026-11-24T15:00:00.000Z');
  assert.equal(child(a!, 'link').attrs.href, `${SITE}/weeks/2026-W49#launch-12`);
  assert.equal(child(child(b!, 'author'), 'name').text, 'a member');
  assert.equal(children(child(b!, 'author'), 'uri').length, 0, 'no page of a hidden member');
  assert.ok(!xml.includes('<script'), 'no raw markup');
  assert.equal(launchFeed(SITE, [launch('12', hostile)], () => '2026-W49'), launchFeed(SITE, [launch('12', hostile)], () => '2026-W49'), 'same data, same bytes');
});

test('weeks feed: one entry per posted digest with its numbers and theme; an empty feed is still valid', () => {
  const feed = parseXml(weeksFeed(SITE, [{
    isoWeek: '2026-W48', windowStart: new Date('2026-11-16T09:00:00Z'), windowEnd: new Date('2026-11-23T09:00:00Z'), launchCount: 3,
    finishedAt: new Date('2026-11-23T09:00:05Z'), firstPart: null,
  }], () => 'Dev <tools> & more'));
  assertAtom(feed);
  const e = child(feed, 'entry');
  assert.equal(child(e, 'id').text, 'tag:launches.example.org,2026:week/2026-W48');
  assert.equal(child(e, 'title').text, 'Launches of the week 16–23 Nov 2026');
  assert.equal(child(e, 'summary').text, '3 launches in the week 16–23 Nov 2026. Theme: Dev <tools> & more');
  assert.equal(child(e, 'link').attrs.href, `${SITE}/weeks/2026-W48`);
  const empty = parseXml(weeksFeed(SITE, [], () => undefined));
  assertAtom(empty);
  assert.equal(child(empty, 'updated').text, '1970-01-01T00:00:00.000Z');
  assert.equal(tagUri('http://127.0.0.1:3000', 'launch/1'), 'tag:127.0.0.1,2026:launch/1');
});

test('the XML checker itself refuses what is not well-formed', () => {
  for (const bad of ['<a><b></a></b>', '<a>&nbsp;</a>', '<a>x & y</a>', '<a b="<"/>', '<a/><b/>', '<a>\u0001</a>', '<a', 'text']) {
    assert.throws(() => parseXml(bad), Error, bad);
  }
});
