#!/usr/bin/env node
// `shiptrack backup` / shiptrack-backup.service: one pg_dump (custom format) of DATABASE_URL into
// BACKUP_DIR, keeping the newest BACKUP_KEEP archives (src/backup/backup.ts). install.sh runs it
// before the migrations of an upgrade. Restore, moves and rollback: docs/operations.md.
//
// One line per event: `backup.done file=… bytes=… ms=… kept=…`, `backup.pruned file=…` for each
// archive retention deleted, `backup.failed reason=… hint=… error=…` (the password never appears:
// it goes to pg_dump in PGPASSWORD, and the logger masks it anyway).
// Exit: 0 done, 1 the dump failed, 64 bad command line, 69 pg_dump missing or the database
// unreachable, 78 bad configuration (including a wrong password, role or database).
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { startProcess } from './bootstrap.js';
import { BackupError, runBackup } from '../backup/backup.js';
import { ExitCode, describeError } from '../errors.js';
import { packageVersion } from '../version.js';

const USAGE = `usage: shiptrack backup [--dir DIR] [--keep N]
  pg_dump --format=custom of DATABASE_URL into DIR as shiptrack-<UTC time>-v<version>.dump,
  then delete all but the newest N archives (only after a successful dump)
  --dir DIR   where archives go (default BACKUP_DIR, else /var/lib/shiptrack/backups)
  --keep N    how many archives to keep, 1-1000 (default BACKUP_KEEP, else 14)
  exit status: 0 done, 1 pg_dump failed, 64 bad command line, 69 pg_dump missing or database
  unreachable, 78 bad configuration (wrong password, missing role or database)
  restore: docs/operations.md`;
/** sysexits EX_USAGE / EX_UNAVAILABLE. */
const EX_USAGE = 64;
const EX_UNAVAILABLE = 69;

function usageError(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(EX_USAGE);
}

let values: { dir?: string; keep?: string; help?: boolean };
try {
  ({ values } = parseArgs({ args: process.argv.slice(2), strict: true, allowPositionals: false, options: {
    dir: { type: 'string' }, keep: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  } }));
} catch (err) {
  usageError(describeError(err));
}
if (values.help) { process.stdout.write(`${USAGE}\n`); process.exit(0); }
if (values.dir !== undefined && values.dir.trim() === '') usageError('--dir needs a directory');
let keepArg: number | undefined;
if (values.keep !== undefined) {
  keepArg = Number(values.keep);
  if (!Number.isInteger(keepArg) || keepArg < 1 || keepArg > 1000) usageError(`--keep must be an integer in 1..1000, got "${values.keep}"`);
}

const rt = startProcess('backup');
const dir = resolve(values.dir ?? rt.config.backupDir);
const keep = keepArg ?? rt.config.backupKeep;
try {
  const r = await runBackup({ databaseUrl: rt.config.databaseUrl, dir, keep, version: packageVersion() });
  for (const f of r.pruned) rt.log.info('backup.pruned', { file: f, keep });
  rt.log.notice('backup.done', { file: r.file, bytes: r.bytes, ms: r.ms, kept: r.kept, pruned: r.pruned.length });
  process.exit(ExitCode.ok);
} catch (err) {
  if (err instanceof BackupError) {
    rt.log.error('backup.failed', { reason: err.reason, dir, hint: err.hint, error: err.message });
    const config = ['auth', 'no_role', 'no_database', 'permission', 'dir_unwritable'].includes(err.reason);
    process.exit(err.reason === 'pg_dump_missing' || err.reason === 'db_unreachable' ? EX_UNAVAILABLE : config ? ExitCode.config : ExitCode.failure);
  }
  rt.log.error('backup.failed', { reason: 'other', dir, error: describeError(err) });
  process.exit(ExitCode.failure);
}
