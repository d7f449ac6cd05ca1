// Regression (issue 15): with the example DATABASE_URL and no role or database created,
// `systemctl start shiptrack-web shiptrack-worker` hung for up to 25 minutes while
// shiptrack-migrate (`--wait-for-db 1500`) retried `role "shiptrack" does not exist`, logging it as
// "unreachable". Now migrate waits only for what can heal by itself (refused, timed out, starting
// up, too many connections), at most --wait-for-db seconds, and fails at once on anything the
// operator must fix: exit 78 and one `migrate.failed reason=… hint=…` line that never shows the
// password. Runs the compiled bin against real PostgreSQL (TEST_DATABASE_URL) where roles matter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import pg from 'pg';
import { binArgs } from '../helpers/bin.js';
import { backend, createTestDatabase } from '../helpers/db.js';
import { freePort } from '../helpers/net.js';

/** Like test/helpers/db.ts's needsRealPostgres: PGlite's server takes any role and database name. */
const needsRealRoles = backend === 'embedded'
  ? 'needs real PostgreSQL roles, databases and privileges; PGlite accepts any user and database name. Runs in CI against real PostgreSQL (TEST_DATABASE_URL).'
  : false;

const WAIT = '120'; // what systemd/shiptrack-migrate.service passes: a cause that cannot heal must not wait for it
const FAST_MS = 5000;

interface Run { code: number | null; out: string; ms: number }

function runMigrate(databaseUrl: string, waitSeconds: string): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const p = spawn(process.execPath, binArgs('migrate', '--wait-for-db', waitSeconds), {
      env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, LOG_LEVEL: 'info', NODE_NO_WARNINGS: '1' },
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    // Today's code would wait 120 s: stop it well before the test's own timeout.
    const kill = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.on('close', (code) => { clearTimeout(kill); resolve({ code, out, ms: Date.now() - started }); });
  });
}

/** The run's log lines, without Node's own warnings. */
function lines(r: Run): string[] {
  return r.out.split('\n').filter((l) => /^<\d>/.test(l));
}

function assertFailsAtOnce(r: Run, reason: string, hint: RegExp, secret?: string): void {
  assert.equal(r.code, 78, r.out);
  assert.ok(r.ms < FAST_MS, `took ${r.ms} ms:\n${r.out}`);
  const logged = lines(r);
  assert.equal(logged.length, 1, `one line, no migrate.db_wait:\n${r.out}`);
  const line = logged[0]!;
  assert.match(line, new RegExp(`^<3>migrate\\.failed .*reason=${reason} `));
  assert.match(line, / hint="[^"]/);
  assert.match(line, hint);
  assert.doesNotMatch(line, /unreachable/);
  if (secret) assert.ok(!r.out.includes(secret), `password in the log:\n${r.out}`);
}

function withUrl(base: string, change: (u: URL) => void): string {
  const u = new URL(base);
  change(u);
  return u.toString();
}

async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try { return await fn(c); } finally { await c.end(); }
}

/** A server that answers every startup with one PostgreSQL ErrorResponse (protocol: "Message Formats"). */
async function fakePostgres(code: string, message: string): Promise<{ url: string; close(): Promise<void> }> {
  const field = (t: string, v: string) => Buffer.concat([Buffer.from(t), Buffer.from(v), Buffer.from([0])]);
  const body = Buffer.concat([field('S', 'FATAL'), field('V', 'FATAL'), field('C', code), field('M', message), Buffer.from([0])]);
  const len = Buffer.alloc(4);
  len.writeInt32BE(body.length + 4);
  const frame = Buffer.concat([Buffer.from('E'), len, body]);
  const server: Server = createServer((s) => { s.once('data', () => s.end(frame)); s.on('error', () => {}); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `postgres://shiptrack:wrong-secret-4711@127.0.0.1:${port}/shiptrack`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const suffix = `${process.pid}_${randomBytes(3).toString('hex')}`;

test('a role that does not exist fails at once: exit 78, reason=no_role, a hint to create it', { skip: needsRealRoles }, async (t) => {
  const db = await createTestDatabase({ migrated: false });
  t.after(() => db.close());
  const role = `shiptrack_norole_${suffix}`;
  const r = await runMigrate(withUrl(db.url, (u) => { u.username = role; u.password = 'pw-never-logged-91'; }), WAIT);
  assertFailsAtOnce(r, 'no_role', new RegExp(`hint="create it: sudo -u postgres createuser --pwprompt ${role}; sudo -u postgres createdb -O ${role} `), 'pw-never-logged-91');
  assert.match(lines(r)[0]!, new RegExp(` user=${role} `));
});

test('a database that does not exist fails at once: exit 78, reason=no_database, a hint to create it', { skip: needsRealRoles }, async () => {
  const name = `shiptrack_nodb_${suffix}`;
  const r = await runMigrate(withUrl(process.env.TEST_DATABASE_URL!, (u) => { u.pathname = `/${name}`; }), WAIT);
  assertFailsAtOnce(r, 'no_database', new RegExp(`hint="create it: sudo -u postgres createdb -O \\w+ ${name}`));
  assert.match(lines(r)[0]!, new RegExp(` db=127\\.0\\.0\\.1:\\d+/${name} `));
});

test('a wrong password fails at once: exit 78, reason=auth, the password never logged', async (t) => {
  let url: string;
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl) {
    const role = `shiptrack_pw_${suffix}`;
    const db = await createTestDatabase({ migrated: false });
    t.after(async () => { await db.close(); await admin(adminUrl, (c) => c.query(`DROP ROLE IF EXISTS ${role}`)); });
    await admin(adminUrl, (c) => c.query(`CREATE ROLE ${role} LOGIN PASSWORD 'the-right-one-2718'`));
    url = withUrl(db.url, (u) => { u.username = role; u.password = 'wrong-secret-4711'; });
    // pg_hba.conf may say `trust` for 127.0.0.1 (a CI service container does): then any password
    // is accepted and PostgreSQL never says 28P01. Check, and fall back to a server that answers
    // exactly what PostgreSQL answers a wrong password.
    const accepted = await admin(url, async () => true).catch(() => false);
    if (accepted) {
      t.diagnostic('this PostgreSQL trusts 127.0.0.1 (pg_hba.conf), so a wrong password is accepted: checking 28P01 against a protocol-level stand-in');
      const fake = await fakePostgres('28P01', `password authentication failed for user "${role}"`);
      t.after(() => fake.close());
      url = withUrl(fake.url, (u) => { u.username = role; });
    }
  } else {
    const fake = await fakePostgres('28P01', 'password authentication failed for user "shiptrack"');
    t.after(() => fake.close());
    url = fake.url;
  }
  const r = await runMigrate(url, WAIT);
  assertFailsAtOnce(r, 'auth', /hint="the password in DATABASE_URL is not .*ALTER ROLE \w+ PASSWORD/, 'wrong-secret-4711');
});

test('a role without CONNECT on the database fails at once: exit 78, reason=permission, a GRANT hint', { skip: needsRealRoles }, async (t) => {
  const adminUrl = process.env.TEST_DATABASE_URL!;
  const role = `shiptrack_noconn_${suffix}`;
  const db = await createTestDatabase({ migrated: false });
  t.after(async () => { await db.close(); await admin(adminUrl, (c) => c.query(`DROP ROLE IF EXISTS ${role}`)); });
  const name = new URL(db.url).pathname.slice(1);
  await admin(adminUrl, async (c) => {
    await c.query(`CREATE ROLE ${role} LOGIN`);
    await c.query(`REVOKE CONNECT ON DATABASE ${name} FROM PUBLIC`);
  });
  const r = await runMigrate(withUrl(db.url, (u) => { u.username = role; }), WAIT);
  assertFailsAtOnce(r, 'permission', new RegExp(`hint="grant it: sudo -u postgres psql -c 'GRANT CONNECT ON DATABASE ${name} TO ${role}'`));
});

test('sslmode=require against a server without SSL fails at once: exit 78, reason=ssl', { skip: needsRealRoles }, async (t) => {
  const adminUrl = process.env.TEST_DATABASE_URL!;
  const ssl = await admin(adminUrl, async (c) => (await c.query<{ ssl: string }>('SHOW ssl')).rows[0]!.ssl);
  if (ssl !== 'off') { t.skip('this PostgreSQL has ssl=on, so it accepts sslmode=require'); return; }
  const r = await runMigrate(withUrl(adminUrl, (u) => { u.search = '?sslmode=require'; }), WAIT);
  assertFailsAtOnce(r, 'ssl', /hint="the server does not accept SSL/);
});

test('a closed port is retried with backoff, saying what it waits for, then given up within --wait-for-db: exit 69', async () => {
  const port = await freePort();
  const r = await runMigrate(`postgres://shiptrack:pw-never-logged-91@127.0.0.1:${port}/shiptrack`, '3');
  assert.equal(r.code, 69, r.out);
  assert.ok(r.ms < 3000 + 4000, `took ${r.ms} ms:\n${r.out}`);
  assert.ok(r.ms >= 2500, `gave up after ${r.ms} ms, before the wait:\n${r.out}`);
  const logged = lines(r);
  const waits = logged.filter((l) => l.startsWith('<4>migrate.db_wait '));
  assert.ok(waits.length >= 2, r.out);
  for (const w of waits) assert.match(w, new RegExp(`db=127\\.0\\.0\\.1:${port}/shiptrack user=shiptrack reason=refused waiting_for="PostgreSQL to accept connections \\(connection refused\\)" attempt=\\d+ retry_in_ms=\\d+ gives_up_in_s=\\d`));
  assert.equal(logged.length, waits.length + 1, r.out);
  assert.match(logged.at(-1)!, new RegExp(`^<3>migrate\\.failed .*reason=unreachable last=refused attempts=${waits.length + 1} waited_s=\\d+ hint="is PostgreSQL running and listening on 127\\.0\\.0\\.1:${port}\\?`));
  assert.ok(!r.out.includes('pw-never-logged-91'));
});

test('"the database system is starting up" (57P03) is waited for, not failed at once', async (t) => {
  const fake = await fakePostgres('57P03', 'the database system is starting up');
  t.after(() => fake.close());
  const r = await runMigrate(fake.url, '2');
  assert.equal(r.code, 69, r.out);
  assert.match(r.out, /<4>migrate\.db_wait .*reason=starting_up waiting_for="PostgreSQL to finish starting up" attempt=1 /);
  assert.match(r.out, /<3>migrate\.failed .*reason=unreachable last=starting_up /);
});
