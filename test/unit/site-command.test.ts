// /site visibility:<hide me|show me> (src/commands/site.ts) and the site answering while its
// database fails (src/site/routes.ts): a stub database, no sockets for the command; one
// in-process server on 127.0.0.1 for the 503.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { siteCommand } from '../../src/commands/site.js';
import type { CommandDeps } from '../../src/commands/command.js';
import type { Queryable } from '../../src/db/pool.js';
import type { Interaction } from '../../src/discord/interactions/types.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { createSite } from '../../src/site/routes.js';
import { ManualClock } from '../helpers/clock.js';

function stubDb(rowCount: number, seen: { text: string; values: unknown[] }[]): Queryable {
  return { query: (async (text: string, values: unknown[] = []) => { seen.push({ text, values }); return { rows: [], rowCount }; }) as unknown as Queryable['query'] };
}

function interaction(value: string | undefined): Interaction {
  return {
    id: '1', application_id: '2', type: 2, token: 't', version: 1, guild_id: '1200000000000000002',
    member: { user: { id: '1100000000000000105', username: 'eve' } },
    data: { id: '3', name: 'site', type: 1, ...(value === undefined ? {} : { options: [{ name: 'visibility', type: 3, value }] }) },
  } as unknown as Interaction;
}

test('/site: hide and show store the choice and answer privately; a repeat says so; without the site on it says so', async () => {
  const seen: { text: string; values: unknown[] }[] = [];
  const clock = new ManualClock(Date.UTC(2026, 11, 1, 10));
  const deps = (rowCount: number, publicSiteUrl?: string): CommandDeps => ({ db: stubDb(rowCount, seen), clock, log: silentLogger, ...(publicSiteUrl ? { publicSiteUrl } : {}) });
  const hide = await siteCommand.handle(interaction('hide'), deps(1, 'https://l.example'));
  assert.equal(hide.flags, 64);
  assert.equal(hide.content, '🙈 Done: the public launch log names you "a member" and shows no page of yours. Your launches still count here in Discord (digest, /profile, /leaderboard, streaks). `/site visibility:show me` undoes it.');
  assert.deepEqual(seen.at(-1)!.values, ['1100000000000000105', new Date(Date.UTC(2026, 11, 1, 10))]);
  assert.match(seen.at(-1)!.text, /^INSERT INTO site_hidden_members .* ON CONFLICT DO NOTHING$/);
  assert.match((await siteCommand.handle(interaction('hide'), deps(0, 'https://l.example'))).content, /^🙈 You were already hidden:/);
  const show = await siteCommand.handle(interaction('show'), deps(1, 'https://l.example'));
  assert.equal(show.content, '👋 Done: the public launch log shows your name again. Your page: <https://l.example/members/1100000000000000105>');
  assert.match(seen.at(-1)!.text, /^DELETE FROM site_hidden_members WHERE user_id = \$1$/);
  assert.equal((await siteCommand.handle(interaction('show'), deps(0))).content,
    '👋 You were not hidden: the public launch log shows your name.\n(The public launch log is not switched on for this server right now; this applies whenever it is.)');
  const before = seen.length;
  assert.equal((await siteCommand.handle(interaction('maybe'), deps(1))).content, 'Pick `hide me` or `show me`. Nothing was changed.');
  assert.equal((await siteCommand.handle(interaction(undefined), deps(1))).flags, 64);
  assert.equal(seen.length, before, 'nothing stored for a bad choice');
  assert.equal(siteCommand.ephemeral, true);
});

test('the site while its database fails: 503 with Retry-After and no-store, one site.db_error line a minute with the count', async (t) => {
  const clock = new ManualClock(Date.UTC(2026, 11, 1, 10));
  const lines: string[] = [];
  const db: Queryable = { query: (async () => { throw new Error('connection refused'); }) as Queryable['query'] };
  const site = createSite({ db, clock, log: createLogger({ write: (l) => lines.push(l) }), siteUrl: 'https://l.example' });
  const server = http.createServer((req, res) => { void site.handle(req, res); });
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const get = (path: string) => new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    }).on('error', reject);
  });
  for (const path of ['/', '/weeks/2026-W48', '/members/1100000000000000101', '/feed.atom']) {
    const r = await get(path);
    assert.equal(r.status, 503, path);
    assert.equal(r.headers['retry-after'], '30');
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.match(r.body, /<h1>Temporarily unavailable<\/h1>/);
  }
  assert.equal((await get('/site.css')).status, 200, 'the stylesheet needs no database');
  assert.equal((await get('/nope')).status, 404);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^<4>site\.db_error error="connection refused" failures=1 msg=/);
  clock.advance(60_000);
  await get('/');
  assert.equal(lines.length, 2);
  assert.match(lines[1]!, / failures=4 /, 'the three since the last line and this one');
});
