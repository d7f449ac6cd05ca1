// The public site's HTTP semantics (src/site/http.ts) and page cache (src/site/cache.ts), without sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etagFor, negotiateEncoding, notModified, rendered } from '../../src/site/http.js';
import { createPageCache } from '../../src/site/cache.js';
import { ManualClock } from '../helpers/clock.js';

test('negotiateEncoding: br before gzip, q-values and q=0 honoured, * counts, nothing means identity', () => {
  assert.equal(negotiateEncoding(undefined), undefined);
  assert.equal(negotiateEncoding(''), undefined);
  assert.equal(negotiateEncoding('gzip, deflate, br'), 'br');
  assert.equal(negotiateEncoding('gzip'), 'gzip');
  assert.equal(negotiateEncoding('br;q=0, gzip'), 'gzip');
  assert.equal(negotiateEncoding('br;q=0.5, gzip;q=0.8'), 'gzip');
  assert.equal(negotiateEncoding('identity'), undefined);
  assert.equal(negotiateEncoding('*'), 'br');
  assert.equal(negotiateEncoding('*;q=0, gzip;q=0'), undefined);
  assert.equal(negotiateEncoding('deflate'), undefined);
  assert.equal(negotiateEncoding('GZIP'), 'gzip');
});

test('rendered: a strong ETag per encoding from the content; Last-Modified kept while the content is unchanged', () => {
  const t0 = new Date('2026-11-30T10:00:00.750Z');
  const a = rendered(200, 'text/html', 'hello', { cacheControl: 'x', now: t0 });
  assert.equal(a.lastModified.toISOString(), '2026-11-30T10:00:00.000Z');
  assert.match(etagFor(a.hash, undefined), /^"[A-Za-z0-9_-]{27}"$/);
  assert.equal(etagFor(a.hash, 'br'), `"${a.hash}-br"`);
  assert.equal(etagFor(a.hash, 'gzip'), `"${a.hash}-gz"`);
  const same = rendered(200, 'text/html', 'hello', { cacheControl: 'x', now: new Date('2026-11-30T11:00:00Z'), previous: a });
  assert.equal(same.hash, a.hash);
  assert.equal(same.lastModified.getTime(), a.lastModified.getTime());
  const changed = rendered(200, 'text/html', 'hello!', { cacheControl: 'x', now: new Date('2026-11-30T11:00:00Z'), previous: a });
  assert.notEqual(changed.hash, a.hash);
  assert.equal(changed.lastModified.toISOString(), '2026-11-30T11:00:00.000Z');
});

test('notModified: If-None-Match (lists, W/, *, any encoding\'s tag) wins over If-Modified-Since (whole seconds)', () => {
  const lm = new Date('2026-11-30T10:00:00Z');
  const h = 'abc';
  assert.equal(notModified({ 'if-none-match': '"abc"' }, h, lm), true);
  assert.equal(notModified({ 'if-none-match': '"x", W/"abc-gz"' }, h, lm), true);
  assert.equal(notModified({ 'if-none-match': '"abc-br"' }, h, lm), true);
  assert.equal(notModified({ 'if-none-match': '*' }, h, lm), true);
  assert.equal(notModified({ 'if-none-match': '"abd"' }, h, lm), false);
  assert.equal(notModified({ 'if-none-match': 'abc' }, h, lm), false, 'unquoted is not an entity tag');
  assert.equal(notModified({ 'if-none-match': '"abd"', 'if-modified-since': lm.toUTCString() }, h, lm), false, 'If-None-Match decides when present');
  assert.equal(notModified({ 'if-modified-since': lm.toUTCString() }, h, lm), true);
  assert.equal(notModified({ 'if-modified-since': new Date(lm.getTime() + 5000).toUTCString() }, h, lm), true);
  assert.equal(notModified({ 'if-modified-since': new Date(lm.getTime() - 1000).toUTCString() }, h, lm), false);
  assert.equal(notModified({ 'if-modified-since': 'yesterday' }, h, lm), false);
  assert.equal(notModified({}, h, lm), false);
});

test('page cache: reused while the data version, week and day are the same; one version probe and one render for concurrent requests', async () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 1, 10));
  let version = '1';
  let probes = 0;
  let renders = 0;
  const cache = createPageCache({ clock, version: async () => { probes++; await Promise.resolve(); return version; }, weekOf: (d) => Math.floor(d.getTime() / (7 * 86_400_000)), maxEntries: 2 });
  const render = async () => { renders++; return rendered(200, 'text/html', `v${version}`, { cacheControl: 'x', now: new Date(clock.now()) }); };
  const pages = await Promise.all(Array.from({ length: 50 }, () => cache.get('/', render)));
  assert.equal(probes, 1);
  assert.equal(renders, 1);
  assert.ok(pages.every((p) => p === pages[0]));
  assert.equal((await cache.get('/', render)).body.toString(), 'v1');
  assert.equal(renders, 1);
  version = '2';
  assert.equal((await cache.get('/', render)).body.toString(), 'v2');
  assert.equal(renders, 2);
  clock.advance(86_400_000); // a new UTC day re-renders (the member strip ends today)
  await cache.get('/', render);
  assert.equal(renders, 3);
  clock.advance(31_000); // older than MAX_AGE_MS: re-rendered even though nothing moved
  await cache.get('/', render);
  assert.equal(renders, 4);
  await cache.get('/a', render);
  await cache.get('/b', render);
  assert.equal(cache.size, 2, 'bounded: the oldest entry went');
  await assert.rejects(cache.get('/c', async () => { throw new Error('db down'); }), /db down/);
  assert.equal(cache.size, 2, 'a failed render caches nothing');
});
