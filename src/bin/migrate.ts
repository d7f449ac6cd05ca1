// `npm run migrate` / shiptrack-migrate.service: apply pending sql/ migrations, then exit.
//
// `--wait-for-db SECONDS` waits at most that long for a database that can still come up by itself:
// connection refused or timed out, host unreachable, DNS temporarily failing, "the database system
// is starting up" (57P03), too many connections (53300). Each attempt logs `migrate.db_wait` with
// what it is waiting for. The systemd unit passes 120, so a Postgres that is still starting at
// boot does not leave web and worker failed on a dependency, and a database that is really gone
// does not hold them in "activating" for long. Anything that only the operator can fix (password,
// missing role or database, privileges, SSL, pg_hba.conf: src/db/transient.ts) fails at once.
//
// A failure to connect, or missing privileges while migrating, is one `migrate.failed` line that
// names the cause (reason=…) and what to do (hint=…); exit 78 (EX_CONFIG) for a cause in the
// configuration, 69 (EX_UNAVAILABLE) when the database did not come up within the wait, 1 for
// anything else. The password is never shown: db= is host:port/database, user= the role.
import { parseArgs } from 'node:util';
import { userInfo } from 'node:os';
import { fatal, startProcess } from './bootstrap.js';
import { createPool, describeDatabase } from '../db/pool.js';
import { migrate } from '../db/migrate.js';
import { classifyDbConnectError, type DbConnectReason } from '../db/transient.js';
import { sleep, systemClock } from '../clock.js';
import { backoffDelay } from '../backoff.js';
import { ExitCode, describeError } from '../errors.js';

/** sysexits.h EX_UNAVAILABLE: the database did not become reachable within --wait-for-db. */
const EXIT_UNAVAILABLE = 69;

const rt = startProcess('migrate');
const { values } = parseArgs({ options: { 'wait-for-db': { type: 'string', default: '0' } } });
const waitMs = Math.max(0, Number(values['wait-for-db']) || 0) * 1000;
const url = rt.config.databaseUrl;
const target = connectTarget(url);
const where = { db: describeDatabase(url), user: target.user };
// No statement timeout: a migration waits on the migration lock, and may rewrite a big table, by
// design; the unit's TimeoutStartSec=30min is its bound. TCP keepalive is on (createPool).
const pool = createPool(url, rt.log, { max: 1, applicationName: 'shiptrack-migrate' });

async function exitWith(status: number): Promise<never> {
  await pool.end().catch(() => {});
  process.exit(status);
}

// 1. Connect, waiting only for what can heal by itself.
const started = Date.now();
const deadline = started + waitMs;
for (let attempt = 1; ; attempt++) {
  let err: unknown;
  try {
    await pool.query('SELECT 1');
    break;
  } catch (e) {
    err = e;
  }
  const failure = classifyDbConnectError(err);
  const left = deadline - Date.now();
  if (failure.transient && left > 0) {
    const delay = Math.min(left, backoffDelay(attempt, { baseMs: 2000, maxMs: 30_000 }, systemClock.random)); // 1-2 s, then doubling, at most 30 s
    rt.log.warn('migrate.db_wait', {
      ...where, reason: failure.reason, waiting_for: failure.waitingFor, attempt, retry_in_ms: delay,
      gives_up_in_s: Math.ceil(left / 1000), error: describeError(err),
    });
    await sleep(delay);
    continue;
  }
  const reason = failure.transient ? 'unreachable' : failure.reason;
  rt.log.error('migrate.failed', {
    ...where, reason, ...(failure.transient ? { last: failure.reason, attempts: attempt, waited_s: Math.round((Date.now() - started) / 1000) } : {}),
    hint: connectHint(reason, failure.transient && waitMs === 0, err), error: describeError(err),
  });
  await exitWith(failure.transient ? EXIT_UNAVAILABLE : reason === 'other' ? ExitCode.failure : ExitCode.config);
}

// 2. Migrate.
try {
  const r = await migrate(pool, { log: rt.log });
  rt.log.notice('migrate.done', { db: where.db, applied: r.applied.length, already: r.alreadyApplied });
  await pool.end();
} catch (err) {
  if (causeCode(err) === '42501') {
    // PostgreSQL 15 and later no longer let every role create tables in schema public: the role
    // must own the database (CREATE DATABASE … OWNER) or be granted CREATE on the schema.
    rt.log.error('migrate.failed', {
      ...where, reason: 'permission',
      hint: `make the role own its database: sudo -u postgres psql -c 'ALTER DATABASE ${ident(target.database)} OWNER TO ${ident(target.user)}'`,
      error: describeError(err),
    });
    await exitWith(ExitCode.config);
  }
  await pool.end().catch(() => {});
  fatal(rt.log, err);
}

/** The role and database node-postgres connects as (the URL's, else PGUSER/PGDATABASE, else the OS user). */
function connectTarget(raw: string): { user: string; database: string } {
  let user = '';
  let database = '';
  try {
    const u = new URL(raw);
    user = decodeURIComponent(u.username);
    database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  } catch { /* config already checked the URL */ }
  user ||= process.env.PGUSER || safeUserName();
  database ||= process.env.PGDATABASE || user;
  return { user, database };
}

function safeUserName(): string {
  try { return userInfo().username; } catch { return 'shiptrack'; }
}

/** A name as psql and the shell both read it: bare when it is plain lower-case, else double-quoted. */
function ident(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

function connectHint(reason: DbConnectReason | 'unreachable', noWait: boolean, err: unknown): string {
  const user = ident(target.user);
  const db = ident(target.database);
  switch (reason) {
    case 'no_role':
      return `create it: sudo -u postgres createuser --pwprompt ${user}; sudo -u postgres createdb -O ${user} ${db} (the password goes in DATABASE_URL; README "Create the database"), or fix the user in DATABASE_URL`;
    case 'no_database':
      return `create it: sudo -u postgres createdb -O ${user} ${db}, or fix the database name in DATABASE_URL`;
    case 'auth':
      return `the password in DATABASE_URL is not ${target.user}'s: set a new one (sudo -u postgres psql, then ALTER ROLE ${user} PASSWORD 'new-password';) and put the same in DATABASE_URL, percent-encoding @ : / ? # as %40 %3A %2F %3F %23`;
    case 'no_login':
      return `the role may not log in: sudo -u postgres psql -c 'ALTER ROLE ${user} LOGIN'`;
    case 'permission':
      return `grant it: sudo -u postgres psql -c 'GRANT CONNECT ON DATABASE ${db} TO ${user}'`;
    case 'ssl':
      if (/does not support SSL/i.test(String((err as Error)?.message))) return 'the server does not accept SSL: enable ssl in postgresql.conf, or (only for a server on this host) remove sslmode from DATABASE_URL';
      if (/no pg_hba\.conf entry/i.test(String((err as Error)?.message))) return 'the server accepts this connection only over SSL: add ?sslmode=verify-full (or sslmode=require) to DATABASE_URL';
      return 'the server certificate was not accepted: give the CA with ?sslmode=verify-full&sslrootcert=/path/to/ca.pem in DATABASE_URL (sslmode=no-verify encrypts without checking it)';
    case 'pg_hba':
      return `no pg_hba.conf line lets ${target.user} connect to ${target.database} from this host: add one (e.g. host ${db} ${user} 127.0.0.1/32 scram-sha-256) and reload PostgreSQL`;
    case 'unknown_host':
      return 'the host in DATABASE_URL does not resolve: fix it';
    case 'unreachable':
      return `is PostgreSQL running and listening on ${describeDatabase(url).replace(/\/.*$/, '')}? check systemctl status postgresql, listen_addresses and port in postgresql.conf, and the host in DATABASE_URL${noWait ? '' : '; then sudo systemctl start shiptrack-web shiptrack-worker'}`;
    default:
      return 'see error=; fix DATABASE_URL or the server';
  }
}

function causeCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}
