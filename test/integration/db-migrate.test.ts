import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, readdirSync, copyFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync, spawn } from 'node:child_process';
import { createTestDatabase, needsRealPostgres } from '../helpers/db.js';
import { migrate, DEFAULT_SQL_DIR, loadMigrations } from '../../src/db/migrate.js';
import { binArgs } from '../helpers/bin.js';

function sqlDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'st-mig-'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

test('fresh install applies every file in order; a re-run is a no-op', async (t) => {
  const db = await createTestDatabase({ migrated: false });
  t.after(() => db.close());
  const first = await migrate(db.pool);
  assert.deepEqual(first.applied, readdirSync(DEFAULT_SQL_DIR).filter((f) => f.endsWith('.sql')).sort());
  const second = await migrate(db.pool);
  assert.deepEqual(second, { applied: [], alreadyApplied: first.applied.length });
  const { rows } = await db.pool.query('SELECT id, name FROM schema_migrations ORDER BY id');
  assert.deepEqual(rows.map((r) => r.id), loadMigrations().map((m) => m.id));
});

test('an edited applied file is rejected by name; a gap is rejected by name', async (t) => {
  const db = await createTestDatabase({ migrated: false });
  t.after(() => db.close());
  const dir = sqlDir({ '0001_a.sql': 'CREATE TABLE a (x int);', '0002_b.sql': 'CREATE TABLE b (x int);' });
  t.after(() => rmSync(dir, { recursive: true }));
  await migrate(db.pool, { dir });
  appendFileSync(join(dir, '0002_b.sql'), '\n-- edited');
  await assert.rejects(migrate(db.pool, { dir }), (e: Error & { code: string }) => e.code === 'MIGRATION_HASH_MISMATCH' && /0002_b\.sql/.test(e.message));
  const gap = sqlDir({ '0001_a.sql': 'SELECT 1;', '0003_c.sql': 'SELECT 1;' });
  t.after(() => rmSync(gap, { recursive: true }));
  await assert.rejects(migrate(db.pool, { dir: gap }), (e: Error & { code: string }) => e.code === 'MIGRATION_GAP' && /0003_c\.sql/.test(e.message));
  const bad = sqlDir({ '0001_a.sql': 'SELECT 1;', '2_b.sql': 'SELECT 1;' });
  t.after(() => rmSync(bad, { recursive: true }));
  await assert.rejects(migrate(db.pool, { dir: bad }), (e: Error & { code: string }) => e.code === 'MIGRATION_BAD_NAME' && /2_b\.sql/.test(e.message));
});

test('a failing file is rolled back, named, and later files are not run', async (t) => {
  const db = await createTestDatabase({ migrated: false });
  t.after(() => db.close());
  const dir = sqlDir({
    '0001_ok.sql': 'CREATE TABLE ok1 (x int);',
    '0002_broken.sql': 'CREATE TABLE half (x int); INSERT INTO nope VALUES (1);',
    '0003_later.sql': 'CREATE TABLE later (x int);',
  });
  t.after(() => rmSync(dir, { recursive: true }));
  await assert.rejects(migrate(db.pool, { dir }), (e: Error & { code: string }) =>
    e.code === 'MIGRATION_FAILED' && /0002_broken\.sql failed and was rolled back/.test(e.message) && /not run: 0003_later\.sql/.test(e.message));
  const { rows } = await db.pool.query(`SELECT to_regclass('ok1')::text AS ok1, to_regclass('half')::text AS half, to_regclass('later')::text AS later`);
  assert.deepEqual(rows[0], { ok1: 'ok1', half: null, later: null });
  const applied = await db.pool.query('SELECT id FROM schema_migrations ORDER BY id');
  assert.deepEqual(applied.rows.map((r) => r.id), [1]);
});

test('two migrate processes started together: both succeed, each file applied once', { skip: needsRealPostgres }, async (t) => {
  const db = await createTestDatabase({ migrated: false });
  t.after(() => db.close());
  const run = () => new Promise<{ code: number | null; out: string }>((resolve) => {
    const p = spawn(process.execPath, binArgs('migrate'), { env: { PATH: process.env.PATH, DATABASE_URL: db.url, LOG_LEVEL: 'info' } });
    let out = '';
    p.stdout.on('data', (d) => (out += d)); p.stderr.on('data', (d) => (out += d));
    p.on('close', (code) => resolve({ code, out }));
  });
  const [a, b] = await Promise.all([run(), run()]);
  assert.equal(a.code, 0, a.out); assert.equal(b.code, 0, b.out);
  const applied = [a.out, b.out].map((o) => (o.match(/<5>migrate\.applied/g) ?? []).length);
  assert.equal(applied[0]! + applied[1]!, loadMigrations().length, 'each file applied by exactly one of the two');
  const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM schema_migrations');
  assert.equal(rows[0].n, loadMigrations().length);
});

test('a bad DATABASE_URL fails within seconds naming the host and what to check, not the password', () => {
  const started = Date.now();
  const r = spawnSync(process.execPath, binArgs('migrate'), {
    env: { PATH: process.env.PATH, DATABASE_URL: 'postgres://u:topsecret@127.0.0.1:1/nodb' }, encoding: 'utf8', timeout: 30_000,
  });
  assert.equal(r.status, 69);
  assert.match(r.stderr, /<3>migrate\.failed .*db=127\.0\.0\.1:1\/nodb user=u reason=unreachable last=refused attempts=1 .*hint="is PostgreSQL running and listening on 127\.0\.0\.1:1\?/);
  assert.ok(!r.stderr.includes('topsecret'));
  assert.ok(Date.now() - started < 20_000);
});

test('--wait-for-db retries an unreachable database, logging each attempt and what it waits for, then gives up naming the host', () => {
  const r = spawnSync(process.execPath, binArgs('migrate', '--wait-for-db', '2'), {
    env: { PATH: process.env.PATH, DATABASE_URL: 'postgres://u:topsecret@127.0.0.1:1/nodb' }, encoding: 'utf8', timeout: 30_000,
  });
  assert.equal(r.status, 69);
  assert.match(r.stderr, /<4>migrate\.db_wait .*db=127\.0\.0\.1:1\/nodb user=u reason=refused waiting_for="PostgreSQL to accept connections \(connection refused\)" attempt=1 /);
  assert.match(r.stderr, /<3>migrate\.failed .*reason=unreachable last=refused /);
  assert.ok(!r.stderr.includes('topsecret'));
});
