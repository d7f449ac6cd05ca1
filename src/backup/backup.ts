// Owns one backup run: `pg_dump --format=custom` of DATABASE_URL into a directory, written under a
// temporary name and renamed only after pg_dump exited 0, then the newest `keep` archives are kept
// and older ones deleted. A failed dump never replaces or deletes a good archive. The password
// reaches pg_dump through the PGPASSWORD environment variable of the child only, never its command
// line (PostgreSQL: libpq environment variables, https://www.postgresql.org/docs/current/libpq-envars.html).
// Restoring, and why custom format: docs/operations.md §1.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

export const ARCHIVE_RE = /^shiptrack-(\d{8}T\d{6}Z)(?:-(\d+))?-v[^/]*\.dump$/;
const PARTIAL_RE = /^\.shiptrack-.*\.dump\.\d+\.partial$/;

export type BackupFailureReason =
  | 'pg_dump_missing' | 'db_unreachable' | 'auth' | 'no_role' | 'no_database' | 'permission'
  | 'version_mismatch' | 'dir_unwritable' | 'pg_dump_failed';

export class BackupError extends Error {
  constructor(readonly reason: BackupFailureReason, message: string, readonly hint?: string) {
    super(message);
    this.name = 'BackupError';
  }
}

export interface BackupOptions {
  databaseUrl: string;
  dir: string;
  keep: number;
  version: string;
  now?: Date;
  /** The pg_dump program (tests point it at a failing stand-in). */
  pgDump?: string;
  /** Environment the child starts from (PG* connection variables are replaced). */
  env?: NodeJS.ProcessEnv;
}

export interface BackupResult {
  file: string;
  bytes: number;
  ms: number;
  /** Archives deleted by retention, oldest first. */
  pruned: string[];
  kept: number;
}

/** `20261201T040506Z` */
export function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/**
 * libpq environment for pg_dump from a node-postgres URL: host (or `?host=` socket directory),
 * port, user, password, database and the TLS settings libpq shares with pg. pg's `sslmode=no-verify`
 * (encrypted, certificate not checked) is libpq's `require`. Other query parameters are pg-only
 * and dropped (libpq rejects unknown URI parameters).
 */
export function libpqEnv(databaseUrl: string): Record<string, string> {
  const u = new URL(databaseUrl);
  const env: Record<string, string> = {};
  const q = u.searchParams;
  const host = q.get('host') ?? decodeURIComponent(u.hostname).replace(/^\[(.*)\]$/, '$1');
  if (host) env.PGHOST = host;
  const port = q.get('port') ?? u.port;
  if (port) env.PGPORT = port;
  if (u.username) env.PGUSER = decodeURIComponent(u.username);
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  const db = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (db) env.PGDATABASE = db;
  const sslmode = q.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode === 'no-verify' ? 'require' : sslmode;
  else if (q.get('ssl') === 'true' || q.get('ssl') === '1') env.PGSSLMODE = 'require';
  for (const [k, v] of [['sslrootcert', 'PGSSLROOTCERT'], ['sslcert', 'PGSSLCERT'], ['sslkey', 'PGSSLKEY']] as const) {
    const val = q.get(k);
    if (val) env[v] = val;
  }
  return env;
}

const LIBPQ_VARS = ['PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE', 'PGSERVICE', 'PGSSLMODE', 'PGSSLROOTCERT', 'PGSSLCERT', 'PGSSLKEY', 'PGOPTIONS'];

/** What pg_dump's stderr says went wrong, with the admin's next step. */
export function classifyDumpError(stderr: string): { reason: BackupFailureReason; hint: string } {
  const s = stderr;
  if (/password authentication failed|no password supplied|authentication failed/i.test(s)) return { reason: 'auth', hint: 'the password in DATABASE_URL is not the role\'s' };
  if (/role "[^"]*" does not exist/i.test(s)) return { reason: 'no_role', hint: 'create the role (README, "Create the database")' };
  if (/database "[^"]*" does not exist/i.test(s)) return { reason: 'no_database', hint: 'create the database (README, "Create the database")' };
  if (/server version mismatch/i.test(s)) return { reason: 'version_mismatch', hint: 'pg_dump must be at least the server\'s major version: install that postgresql-client' };
  if (/permission denied/i.test(s)) return { reason: 'permission', hint: 'run the backup as the role that owns the database (DATABASE_URL)' };
  if (/could not connect|connection refused|could not translate host name|timeout expired|Connection timed out|No route to host|Is the server running/i.test(s)) {
    return { reason: 'db_unreachable', hint: 'is PostgreSQL running and reachable at DATABASE_URL\'s host and port?' };
  }
  return { reason: 'pg_dump_failed', hint: 'see error=' };
}

/** Archive names in `dir`, newest first (by the time in the name, then the counter). */
export function listArchives(dir: string): string[] {
  let names: string[];
  try { names = readdirSync(dir); } catch { return []; }
  const key = (n: string) => { const m = ARCHIVE_RE.exec(n)!; return `${m[1]}-${(m[2] ?? '0').padStart(6, '0')}`; };
  return names.filter((n) => ARCHIVE_RE.test(n)).sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0));
}

/** Runs pg_dump into a temporary file, renames it into place, then prunes. Throws BackupError. */
export async function runBackup(o: BackupOptions): Promise<BackupResult> {
  const started = Date.now();
  const now = o.now ?? new Date();
  try {
    mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new BackupError('dir_unwritable', `cannot create ${o.dir}: ${(err as Error).message}`, 'set BACKUP_DIR to a directory the service user may write');
  }
  const version = o.version.replace(/[^0-9A-Za-z.+_-]/g, '_');
  let name = `shiptrack-${stamp(now)}-v${version}.dump`;
  for (let n = 1; existsSync(join(o.dir, name)); n++) name = `shiptrack-${stamp(now)}-${n}-v${version}.dump`;
  // The pid keeps two runs started in the same second (timer and wrapper) off each other's file.
  const partial = join(o.dir, `.${name}.${process.pid}.partial`);
  const final = join(o.dir, name);

  const env: NodeJS.ProcessEnv = { ...(o.env ?? process.env) };
  for (const k of LIBPQ_VARS) delete env[k];
  Object.assign(env, libpqEnv(o.databaseUrl), { PGAPPNAME: 'shiptrack-backup', PGCONNECT_TIMEOUT: env.PGCONNECT_TIMEOUT ?? '15' });

  // --no-password: never prompt (no terminal under systemd); the connection comes from PG* only.
  const args = ['--format=custom', '--no-password', `--file=${partial}`];
  const { code, stderr, spawnError } = await new Promise<{ code: number | null; stderr: string; spawnError?: NodeJS.ErrnoException }>((resolve) => {
    const child = spawn(o.pgDump ?? 'pg_dump', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => { err = (err + d).slice(-4000); });
    child.on('error', (e: NodeJS.ErrnoException) => resolve({ code: null, stderr: err, spawnError: e }));
    child.on('close', (c, signal) => resolve({ code: c ?? (signal ? 128 : 1), stderr: err }));
  });
  if (spawnError || code !== 0) {
    try { unlinkSync(partial); } catch { /* pg_dump may not have created it */ }
    if (spawnError?.code === 'ENOENT') {
      throw new BackupError('pg_dump_missing', `${o.pgDump ?? 'pg_dump'} not found on PATH`, 'install the PostgreSQL client matching the server\'s major version (Debian: apt install postgresql-client)');
    }
    if (spawnError) throw new BackupError('pg_dump_failed', spawnError.message);
    const { reason, hint } = classifyDumpError(stderr);
    throw new BackupError(reason, `pg_dump exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`, hint);
  }
  renameSync(partial, final);
  chmodSync(final, 0o600); // pg_dump honours the umask; the archive holds every row either way
  const bytes = statSync(final).size;

  // Retention only after a good archive exists; never touches files it did not name.
  const all = listArchives(o.dir);
  const pruned: string[] = [];
  for (const old of all.slice(o.keep).reverse()) {
    try { unlinkSync(join(o.dir, old)); pruned.push(old); } catch { /* gone already */ }
  }
  // Leftovers of runs that were killed mid-dump (a day old: never a concurrent run's file).
  for (const n of readdirSync(o.dir)) {
    if (!PARTIAL_RE.test(n)) continue;
    try { if (Date.now() - statSync(join(o.dir, n)).mtimeMs > 86_400_000) unlinkSync(join(o.dir, n)); } catch { /* ignore */ }
  }
  return { file: final, bytes, ms: Date.now() - started, pruned, kept: Math.min(all.length, o.keep) };
}
