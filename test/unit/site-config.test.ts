// PUBLIC_SITE and PUBLIC_SITE_URL (src/config.ts, docs/site.md §1): off by default; on, the web
// needs the site's origin; bad values are named; other processes ignore the URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config.js';

const web = { DATABASE_URL: 'postgres://u:p@db.example/shiptrack', DISCORD_PUBLIC_KEY: 'a'.repeat(64), DISCORD_APPLICATION_ID: '100000000000000001' };

test('PUBLIC_SITE: off by default; on with an origin; the URL normalised to the origin without a slash', () => {
  const off = loadConfig('web', web);
  assert.equal(off.publicSite, false);
  assert.equal(off.publicSiteUrl, undefined);
  assert.equal(loadConfig('web', { ...web, PUBLIC_SITE_URL: 'https://x.example' }).publicSiteUrl, undefined, 'ignored while the site is off');
  for (const on of ['true', 'TRUE', '1', 'yes', 'on']) {
    const c = loadConfig('web', { ...web, PUBLIC_SITE: on, PUBLIC_SITE_URL: 'https://Launches.Example.org/' });
    assert.equal(c.publicSite, true);
    assert.equal(c.publicSiteUrl, 'https://launches.example.org');
  }
  assert.equal(loadConfig('web', { ...web, PUBLIC_SITE: 'true', PUBLIC_SITE_URL: 'http://127.0.0.1:3000' }).publicSiteUrl, 'http://127.0.0.1:3000');
  assert.equal(loadConfig('web', { ...web, PUBLIC_SITE: 'false', PUBLIC_SITE_URL: 'nonsense' }).publicSite, false, 'not checked while the site is off');
});

test('PUBLIC_SITE: bad values and a missing or unusable PUBLIC_SITE_URL are named, all at once', () => {
  assert.throws(() => loadConfig('web', { ...web, PUBLIC_SITE: 'maybe' }), /invalid configuration for web: PUBLIC_SITE must be true or false, got "maybe"/);
  assert.throws(() => loadConfig('web', { ...web, PUBLIC_SITE: 'true' }), /PUBLIC_SITE_URL is missing \(required when PUBLIC_SITE is on/);
  for (const [url, why] of [
    ['launches.example.org', /PUBLIC_SITE_URL is not a valid URL/],
    ['ftp://launches.example.org', /PUBLIC_SITE_URL must be an http or https URL/],
    ['https://launches.example.org/log', /must be just the site's origin/],
    ['https://launches.example.org/?x=1', /must be just the site's origin/],
    ['https://user:pw@launches.example.org', /must be just the site's origin/],
    ['https://launches.example.org/#top', /must be just the site's origin/],
  ] as const) {
    assert.throws(() => loadConfig('web', { ...web, PUBLIC_SITE: 'true', PUBLIC_SITE_URL: url }), why, url);
  }
  assert.throws(() => loadConfig('web', { ...web, PUBLIC_SITE: 'true', PORT: '0' }), (err: Error) => /PORT/.test(err.message) && /PUBLIC_SITE_URL is missing/.test(err.message));
});

test('PUBLIC_SITE_URL concerns the web process only: another process sharing the file never fails on it', () => {
  assert.doesNotThrow(() => loadConfig('migrate', { DATABASE_URL: web.DATABASE_URL, PUBLIC_SITE: 'true', PUBLIC_SITE_URL: 'not a url' }));
  assert.equal(loadConfig('migrate', { DATABASE_URL: web.DATABASE_URL, PUBLIC_SITE: 'true' }).publicSiteUrl, undefined);
});
