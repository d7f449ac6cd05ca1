// Regression (issue 15): on a database behind this release (no migration applied, or one pending)
// /healthz answered 200 while every /ship failed on a missing table (42P01), so status, doctor and
// a monitor all said "healthy". Now the web service warns at start (web.schema_behind) and /healthz
// is "not ready" (503, with the schema state and what to do) until the database is migrated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createTestDatabase } from '../helpers/db.js';
import { binArgs } from '../helpers/bin.js';
import { freePort } from '../helpers/net.js';
import { migrate, loadMigrations } from '../../src/db/migrate.js';
import { APP_ID, request, startWeb } from '../integration/web-harness.js';

const NEEDED = loadMigrations().at(-1)!.id;

test('web on an unmigrated database: web.schema_behind at start, /healthz 503 with the reason, 200 once migrated', { timeout: 60_000 }, async (t) => {
  const db = await createTestDatabase({ migrated: false });
  t.after(() => db.close());
  const port = await freePort();
  const web = spawn(process.execPath, binArgs('web'), {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', DATABASE_URL: db.url, DISCORD_PUBLIC_KEY: 'ab'.repeat(32), DISCORD_APPLICATION_ID: APP_ID, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => { web.kill('SIGKILL'); });
  const lines: string[] = [];
  const listening = new Promise<void>((resolve) => {
    for (const stream of [web.stdout!, web.stderr!]) {
      createInterface({ input: stream }).on('line', (l) => { lines.push(l); if (l.startsWith('<5>web.listening ')) resolve(); });
    }
  });
  await listening;
  // The warning goes to stderr, web.listening to stdout, a moment later: two pipes, read in one
  // poll phase in either order. Everything written before web.listening has been read by the
  // time the check phase runs, so one setImmediate turn is enough (not a guess at a duration).
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(lines.some((l) => l === `<4>web.schema_behind proc=web schema=missing hint="no migration applied; this release needs migration ${NEEDED}: run shiptrack migrate"`), lines.join('\n'));

  const before = await request(`http://127.0.0.1:${port}/healthz`, { method: 'GET' });
  assert.equal(before.status, 503);
  assert.deepEqual(before.json, {
    ok: false, db: 'ok', schema: 'missing', reason: `no migration applied; this release needs migration ${NEEDED}: run shiptrack migrate`, version: (before.json as { version: string }).version,
  });
  await migrate(db.pool);
  const after = await request(`http://127.0.0.1:${port}/healthz`, { method: 'GET' });
  assert.equal(after.status, 200);
  assert.equal((after.json as { ok: boolean }).ok, true);
});

test('/healthz with schemaVersion: 200 at this release, 503 "behind" with both numbers when a migration is pending', async (t) => {
  const db = await createTestDatabase();
  t.after(() => db.close());
  const current = await startWeb({ db: db.pool, schemaVersion: NEEDED });
  t.after(() => current.close());
  const ok = await request(current.base + '/healthz', { method: 'GET' });
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.json, { ok: true, db: 'ok', version: '0.1.0-test' });

  const newer = await startWeb({ db: db.pool, schemaVersion: NEEDED + 1 });
  t.after(() => newer.close());
  const behind = await request(newer.base + '/healthz', { method: 'GET' });
  assert.equal(behind.status, 503);
  assert.deepEqual(behind.json, {
    ok: false, db: 'ok', schema: 'behind', reason: `the database is at migration ${NEEDED}; this release needs ${NEEDED + 1}: run shiptrack migrate`, version: '0.1.0-test',
  });
});
