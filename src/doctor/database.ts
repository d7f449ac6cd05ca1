// Owns the doctor's `database` check: the database answers, and its schema_migrations holds exactly
// this release's sql/ files (src/db/migrate.ts records each applied file with its sha256). Reads
// only; never migrates.
import type { Queryable } from '../db/pool.js';
import { loadMigrations, type MigrationFile } from '../db/migrate.js';
import { describeError } from '../errors.js';
import { fail, pass, type CheckResult } from './check.js';

const NAME = 'database';
const MIGRATE = 'run `shiptrack migrate` (or restart shiptrack-web, whose start runs shiptrack-migrate.service)';

/** `where` names the database without its password (describeDatabase). */
export async function checkDatabaseSchema(db: Queryable, where: string, files: MigrationFile[] = loadMigrations()): Promise<CheckResult> {
  let rows: { id: number; name: string; sha256: string }[];
  try {
    const { rows: t } = await db.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
    if (!t[0]?.t) return fail(NAME, `${where} answers but has no ShipTrack tables (no migration applied)`, MIGRATE);
    ({ rows } = await db.query<{ id: number; name: string; sha256: string }>('SELECT id, name, sha256 FROM schema_migrations ORDER BY id'));
  } catch (err) {
    return fail(NAME, `${where} is unreachable: ${describeError(err)}`,
      'check DATABASE_URL in /etc/shiptrack/env (host, port, database, user, password, sslmode) and that PostgreSQL runs and accepts this user (README: "Database and migrations")');
  }
  const byId = new Map(files.map((f) => [f.id, f]));
  const newer = rows.filter((r) => !byId.has(r.id));
  if (newer.length) {
    return fail(NAME, `${where} has migration ${label(newer[0]!)} that this release does not have (a newer ShipTrack migrated it)`,
      'install the release that migrated it again, or restore the backup taken before the upgrade');
  }
  const edited = rows.find((r) => byId.get(r.id)!.sha256 !== r.sha256);
  if (edited) {
    return fail(NAME, `migration ${byId.get(edited.id)!.file} was changed after it was applied to ${where} (sha256 differs)`,
      'restore the original sql/ file of this release (reinstall it); never edit an applied migration');
  }
  const done = new Set(rows.map((r) => r.id));
  const pending = files.filter((f) => !done.has(f.id));
  const latest = files.at(-1);
  if (pending.length) {
    const at = rows.length ? `at ${label(rows.at(-1)!)}` : 'not migrated';
    return fail(NAME, `${where} is ${at}; this release needs ${latest?.file.replace(/\.sql$/, '')} (${pending.length} pending: ${pending.map((p) => p.file).join(', ')})`, MIGRATE);
  }
  return pass(NAME, `${where} answers and is migrated to ${latest ? latest.file.replace(/\.sql$/, '') : '(no migrations)'}, this release's schema`);
}

const label = (r: { id: number; name: string }) => `${String(r.id).padStart(4, '0')}_${r.name}`;
