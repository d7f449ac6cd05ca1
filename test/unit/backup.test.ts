// src/backup/backup.ts without PostgreSQL: the libpq environment built from DATABASE_URL (what
// pg_dump connects with), the reasons read from pg_dump's stderr, and the archive order retention uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyDumpError, libpqEnv, listArchives, stamp } from '../../src/backup/backup.js';

test('libpqEnv: host, port, user, decoded password and database; pg-only sslmode and parameters translated or dropped', () => {
  assert.deepEqual(libpqEnv('postgres://shiptrack:p%40ss%3Aw0rd@db.example.com:6543/ship_db?sslmode=verify-full&sslrootcert=/etc/shiptrack/ca.pem&application_name=x'), {
    PGHOST: 'db.example.com', PGPORT: '6543', PGUSER: 'shiptrack', PGPASSWORD: 'p@ss:w0rd', PGDATABASE: 'ship_db',
    PGSSLMODE: 'verify-full', PGSSLROOTCERT: '/etc/shiptrack/ca.pem',
  });
  assert.equal(libpqEnv('postgres://u:p@h/d?sslmode=no-verify').PGSSLMODE, 'require');
  assert.equal(libpqEnv('postgres://u:p@h/d?ssl=true').PGSSLMODE, 'require');
  // Peer authentication over the Unix socket: a socket directory in ?host= wins over the URL's host.
  assert.deepEqual(libpqEnv('postgres://shiptrack@localhost/shiptrack?host=/run/postgresql'), { PGHOST: '/run/postgresql', PGUSER: 'shiptrack', PGDATABASE: 'shiptrack' });
  assert.equal(libpqEnv('postgres://u@[::1]:5432/d').PGHOST, '::1');
});

test('classifyDumpError names the cause from pg_dump\'s stderr', () => {
  const c = (s: string) => classifyDumpError(s).reason;
  assert.equal(c('pg_dump: error: connection to server at "127.0.0.1", port 5432 failed: FATAL:  password authentication failed for user "shiptrack"'), 'auth');
  assert.equal(c('FATAL:  role "shiptrack" does not exist'), 'no_role');
  assert.equal(c('FATAL:  database "shiptrack" does not exist'), 'no_database');
  assert.equal(c('pg_dump: error: aborting because of server version mismatch'), 'version_mismatch');
  assert.equal(c('pg_dump: error: query failed: ERROR:  permission denied for table launches'), 'permission');
  assert.equal(c('connection to server at "127.0.0.1", port 5999 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?'), 'db_unreachable');
  assert.equal(c('pg_dump: error: could not write to output file: No space left on device'), 'pg_dump_failed');
});

test('stamp and listArchives: newest first by the time in the name, other files ignored', (t) => {
  assert.equal(stamp(new Date('2026-12-01T04:05:06.789Z')), '20261201T040506Z');
  const dir = mkdtempSync(join(tmpdir(), 'shiptrack-archives-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of ['shiptrack-20261201T040506Z-v0.2.0.dump', 'shiptrack-20261130T230000Z-v0.10.0.dump', 'shiptrack-20261201T040506Z-1-v0.2.0.dump',
    '.shiptrack-20261201T050000Z-v0.2.0.dump.123.partial', 'notes.txt', 'shiptrack-latest.dump']) writeFileSync(join(dir, f), '');
  assert.deepEqual(listArchives(dir), ['shiptrack-20261201T040506Z-1-v0.2.0.dump', 'shiptrack-20261201T040506Z-v0.2.0.dump', 'shiptrack-20261130T230000Z-v0.10.0.dump']);
  assert.deepEqual(listArchives(join(dir, 'missing')), []);
});
