// `shiptrack backup` (src/bin/backup.ts) spawned as production runs it, against real PostgreSQL and
// the real pg_dump: archives land under their final name only after pg_dump succeeded, the newest
// N are kept, a failed dump leaves every earlier archive alone and says why, the password never
// reaches the output or pg_dump's command line, and pg_restore of an archive into a fresh
// database gives back the same launches (the restore of docs/operations.md §1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { testDist } from '../helpers/bin.js';
import { backend, createTestDatabase } from '../helpers/db.js';

const PASSWORD = 'Sup3r-s3cret-pw';
const hasPgDump = spawnSync('pg_dump', ['--version']).status === 0;
const skip = backend === 'embedded'
  ? 'pg_dump against embedded PGlite hangs (tried: no answer within 20 s); runs against real PostgreSQL (TEST_DATABASE_URL)'
  : !hasPgDump ? 'pg_dump is not installed (apt-get install postgresql-client)' : false;
if (skip) console.log(`# SKIP backup tests: ${skip}`);

/** DATABASE_URL with a password; the test server trusts 127.0.0.1, so any password works. */
function withPassword(url: string): string {
  const u = new URL(url);
  u.password = PASSWORD;
  return u.toString();
}

function backup(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(testDist(), 'bin', 'backup.js'), ...args], {
    encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH ?? '', ...env },
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const archives = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.dump')).sort();

test('a dump lands under its final name with mode 0600; the newest N are kept, other files left alone', { skip }, async (t) => {
  const db = await createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'shiptrack-backup-'));
  t.after(async () => { rmSync(dir, { recursive: true, force: true }); await db.close(); });
  const old = ['shiptrack-20250101T000000Z-v0.0.9.dump', 'shiptrack-20250102T000000Z-v0.0.9.dump', 'shiptrack-20250103T000000Z-v0.0.9.dump'];
  for (const f of old) writeFileSync(join(dir, f), 'older archive');
  writeFileSync(join(dir, 'notes.txt'), 'not an archive');

  const r = backup({ DATABASE_URL: withPassword(db.url), BACKUP_DIR: dir }, '--keep', '2');
  assert.equal(r.status, 0, r.out);
  const m = /backup\.done proc=backup file=(\S+) bytes=(\d+) ms=\d+ kept=2 pruned=2/.exec(r.out);
  assert.ok(m, r.out);
  assert.match(m[1]!, /\/shiptrack-\d{8}T\d{6}Z-v\d+\.\d+\.\d+\.dump$/);
  assert.equal(statSync(m[1]!).size, Number(m[2]));
  assert.equal(readFileSync(m[1]!).subarray(0, 5).toString(), 'PGDMP', 'custom-format archive');
  assert.equal((statSync(m[1]!).mode & 0o777).toString(8), '600');
  assert.deepEqual(archives(dir), [old[2], m[1]!.split('/').pop()].sort());
  assert.ok(readdirSync(dir).includes('notes.txt'));
  assert.equal(readdirSync(dir).filter((n) => n.endsWith('.partial')).length, 0);
  assert.match(r.out, /backup\.pruned proc=backup file=shiptrack-20250101T000000Z-v0\.0\.9\.dump keep=2/);
  assert.ok(!r.out.includes(PASSWORD), r.out);
});

test('a database that does not exist: exit 78 naming it, the earlier archive kept, the password stays secret', { skip }, async (t) => {
  const db = await createTestDatabase({ migrated: false });
  const dir = mkdtempSync(join(tmpdir(), 'shiptrack-backup-'));
  t.after(async () => { rmSync(dir, { recursive: true, force: true }); await db.close(); });
  const good = 'shiptrack-20250101T000000Z-v0.0.9.dump';
  writeFileSync(join(dir, good), 'the last good archive');
  const missing = new URL(withPassword(db.url));
  missing.pathname = '/shiptrack_no_such_db';
  const r = backup({ DATABASE_URL: missing.toString(), BACKUP_DIR: dir }, '--keep', '1');
  assert.equal(r.status, 78, r.out);
  assert.match(r.out, /backup\.failed proc=backup reason=no_database .*database \\"shiptrack_no_such_db\\" does not exist/);
  assert.ok(!r.out.includes(PASSWORD), r.out);
  assert.deepEqual(readdirSync(dir), [good]);
});

// A stand-in pg_dump: runs on the embedded backend too (nothing connects).
test('a failed dump keeps every earlier archive, removes its partial file, exits non-zero with the reason; the password stays off the command line and out of the output', async (t) => {
  const db = await createTestDatabase({ migrated: false });
  const dir = mkdtempSync(join(tmpdir(), 'shiptrack-backup-'));
  const fakeBin = mkdtempSync(join(tmpdir(), 'shiptrack-fake-pgdump-'));
  t.after(async () => { rmSync(dir, { recursive: true, force: true }); rmSync(fakeBin, { recursive: true, force: true }); await db.close(); });
  const good = 'shiptrack-20250101T000000Z-v0.0.9.dump';
  writeFileSync(join(dir, good), 'the last good archive');

  // 1. A pg_dump that writes half an archive, echoes its password variable and fails: exit 1.
  writeFileSync(join(fakeBin, 'pg_dump'), [
    '#!/bin/sh',
    'printf "%s\\n" "$@" > "$ARGS_OUT"; echo "PGPASSWORD=$PGPASSWORD PGUSER=$PGUSER PGDATABASE=$PGDATABASE" >> "$ARGS_OUT"',
    'for a in "$@"; do case "$a" in --file=*) printf PGDMP-half > "${a#--file=}";; esac; done',
    'echo "pg_dump: error: query failed: could not write: No space left on device (had $PGPASSWORD)" >&2',
    'exit 1', ''].join('\n'));
  chmodSync(join(fakeBin, 'pg_dump'), 0o755);
  const argsOut = join(fakeBin, 'args');
  const r2 = backup({ DATABASE_URL: withPassword(db.url), BACKUP_DIR: dir, PATH: `${fakeBin}:${process.env.PATH}`, ARGS_OUT: argsOut }, '--keep', '1');
  assert.equal(r2.status, 1, r2.out);
  assert.match(r2.out, /backup\.failed proc=backup reason=pg_dump_failed .*No space left on device \(had \[redacted\]\)/);
  assert.ok(!r2.out.includes(PASSWORD), r2.out);
  const seen = readFileSync(argsOut, 'utf8').split('\n');
  assert.ok(seen.includes('--format=custom') && seen.includes('--no-password'), seen.join('\n'));
  assert.ok(seen.slice(0, -2).every((a) => !a.includes(PASSWORD)), `password on the command line: ${seen.join(' ')}`);
  assert.ok(seen.includes(`PGPASSWORD=${PASSWORD} PGUSER=postgres PGDATABASE=${new URL(db.url).pathname.slice(1)}`), seen.join('\n'));

  // 2. pg_dump not installed: exit 69.
  const r3 = backup({ DATABASE_URL: db.url, BACKUP_DIR: dir, PATH: fakeBin.replace(/$/, '-none') });
  assert.equal(r3.status, 69, r3.out);
  assert.match(r3.out, /reason=pg_dump_missing/);

  assert.deepEqual(readdirSync(dir), [good], 'the good archive is untouched and no partial file is left');
  assert.equal(readFileSync(join(dir, good), 'utf8'), 'the last good archive');
});

test('--help, bad options (64) and a missing DATABASE_URL (78)', () => {
  const help = backup({}, '--help');
  assert.equal(help.status, 0);
  assert.match(help.out, /^usage: shiptrack backup \[--dir DIR\] \[--keep N\]/);
  assert.equal(backup({ DATABASE_URL: 'postgres://x@127.0.0.1/x' }, '--keep', '0').status, 64);
  assert.equal(backup({ DATABASE_URL: 'postgres://x@127.0.0.1/x' }, '--bogus').status, 64);
  const noUrl = backup({ DATABASE_URL: '' });
  assert.equal(noUrl.status, 78, noUrl.out);
  assert.match(noUrl.out, /config\.invalid .*DATABASE_URL is missing/);
});

test('restore round trip: pg_restore of the archive into a fresh database gives the same launches', { skip }, async (t) => {
  const db = await createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'shiptrack-backup-'));
  const admin = process.env.TEST_DATABASE_URL!;
  const fresh = `shiptrack_restore_${process.pid}`;
  const freshUrl = new URL(admin);
  freshUrl.pathname = `/${fresh}`;
  const q = async (url: string, sql: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try { return (await c.query(sql)).rows; } finally { await c.end(); }
  };
  t.after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await q(admin, `DROP DATABASE IF EXISTS ${fresh} WITH (FORCE)`);
    await db.close();
  });
  await db.pool.query(`INSERT INTO launches (source, guild_id, channel_id, user_id, user_name, content, urls, message_id, created_at)
    VALUES ('channel', 1, 2, 3, 'ada', 'shipped https://a.example', '{https://a.example}', 100, '2026-11-23T10:00:00Z'),
           ('channel', 1, 2, 4, 'bob', 'launched https://b.example 🚀', '{https://b.example}', 101, '2026-11-24T10:00:00Z')`);
  const launches = 'SELECT id, source, user_name, content, urls, message_id, created_at FROM launches ORDER BY id';
  const before = (await db.pool.query(launches)).rows;

  const r = backup({ DATABASE_URL: db.url, BACKUP_DIR: dir });
  assert.equal(r.status, 0, r.out);
  const file = join(dir, archives(dir)[0]!);

  await q(admin, `CREATE DATABASE ${fresh}`);
  const restore = spawnSync('pg_restore', ['--single-transaction', '--exit-on-error', '--no-owner', `--dbname=${freshUrl}`, file], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(restore.status, 0, restore.stderr);
  assert.deepEqual(await q(freshUrl.toString(), launches), before);
  const migrations = 'SELECT id, sha256 FROM schema_migrations ORDER BY id';
  assert.deepEqual(await q(freshUrl.toString(), migrations), (await db.pool.query(migrations)).rows);
  // The sequence came along: the next launch does not collide with a restored id.
  const [next] = await q(freshUrl.toString(), "SELECT nextval('launches_id_seq')::int AS n");
  assert.ok(next.n > Math.max(...before.map((b: { id: string }) => Number(b.id))));
});
