// Owns applying sql/NNNN_name.sql: numbered, forward-only, one transaction per file, sha256
// recorded in schema_migrations, serialised across processes by an advisory lock. A file marked
// `-- shiptrack:no-transaction` is recorded only after it succeeded.
// Does not generate or roll back migrations.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Queryable } from './pool.js';
import { ShipTrackError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';

/** sql/ at the repository (or /opt/shiptrack) root: two levels up from src/db or dist/db. */
export const DEFAULT_SQL_DIR = fileURLToPath(new URL('../../sql/', import.meta.url));

// Arbitrary but fixed: every ShipTrack process that migrates takes this same lock.
const MIGRATION_LOCK_KEY = 7_352_100_001;
const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
// A file whose first line is this runs outside a transaction (e.g. CREATE INDEX CONCURRENTLY).
const NO_TX_MARKER = '-- shiptrack:no-transaction';

export interface MigrationFile { id: number; name: string; file: string; sql: string; sha256: string }
export interface MigrateResult { applied: string[]; alreadyApplied: number }

export function loadMigrations(dir: string = DEFAULT_SQL_DIR): MigrationFile[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  const out: MigrationFile[] = [];
  for (const file of files) {
    const m = FILE_RE.exec(file);
    if (!m) throw new ShipTrackError('MIGRATION_BAD_NAME', `migration ${file} is not named NNNN_lower_snake.sql; nothing was applied`);
    const id = Number(m[1]);
    const expected = out.length + 1;
    if (id !== expected) {
      throw new ShipTrackError('MIGRATION_GAP', `migration ${file} has number ${id} but ${String(expected).padStart(4, '0')} was expected (gap or duplicate); nothing was applied`);
    }
    const sql = readFileSync(join(dir, file), 'utf8');
    out.push({ id, name: m[2]!, file, sql, sha256: createHash('sha256').update(sql).digest('hex') });
  }
  return out;
}

/**
 * Applies pending migrations from `dir` using one dedicated client from `pool`.
 * Safe to call from several processes at once: the advisory lock serialises them.
 */
export async function migrate(pool: pg.Pool, options: { dir?: string; log?: Logger } = {}): Promise<MigrateResult> {
  const log = options.log ?? silentLogger;
  const migrations = loadMigrations(options.dir);
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await applyPending(client, migrations, log);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch((err) => { broken = true; log.warn('migrate.unlock_failed', { err }); });
    }
  } finally {
    client.release(broken);
  }
}

async function applyPending(client: pg.PoolClient, migrations: MigrationFile[], log: Logger): Promise<MigrateResult> {
  await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    id integer PRIMARY KEY, name text NOT NULL, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  const { rows } = await client.query<{ id: number; name: string; sha256: string }>('SELECT id, name, sha256 FROM schema_migrations ORDER BY id');
  const byId = new Map(migrations.map((m) => [m.id, m]));
  for (const row of rows) {
    const file = byId.get(row.id);
    if (!file) throw new ShipTrackError('MIGRATION_MISSING_FILE', `migration ${String(row.id).padStart(4, '0')}_${row.name}.sql was applied to this database but is missing from the sql directory; nothing was applied`);
    if (file.sha256 !== row.sha256) {
      throw new ShipTrackError('MIGRATION_HASH_MISMATCH', `migration ${file.file} was edited after it was applied (sha256 ${row.sha256.slice(0, 12)}… in the database, ${file.sha256.slice(0, 12)}… on disk); add a new migration instead; nothing was applied`);
    }
  }
  const done = new Set(rows.map((r) => r.id));
  const applied: string[] = [];
  for (const m of migrations) {
    if (done.has(m.id)) continue;
    const tx = !m.sql.startsWith(NO_TX_MARKER);
    const record = () => client.query('INSERT INTO schema_migrations (id, name, sha256) VALUES ($1, $2, $3)', [m.id, m.name, m.sha256]);
    try {
      if (tx) {
        await client.query('BEGIN');
        // Row first: a concurrent runner that somehow got past the lock fails on the primary key.
        await record();
        await client.query(m.sql);
        await client.query('COMMIT');
      } else {
        // Outside a transaction the row would commit on its own: write it only once the SQL succeeded,
        // so a failed file is not skipped as applied on the next run.
        await client.query(m.sql);
        await record();
      }
    } catch (err) {
      if (tx) await client.query('ROLLBACK').catch(() => {});
      const later = migrations.filter((x) => x.id > m.id).map((x) => x.file);
      const what = tx
        ? 'failed and was rolled back'
        : `failed outside a transaction (${NO_TX_MARKER}), so it was not rolled back: statements before the error may have taken effect; it is not recorded as applied and runs again next time, so make it safe to repeat (IF NOT EXISTS; drop an INVALID index left by CREATE INDEX CONCURRENTLY)`;
      throw new ShipTrackError('MIGRATION_FAILED',
        `migration ${m.file} ${what}: ${(err as Error).message}` + (later.length ? `; not run: ${later.join(', ')}` : ''), { cause: err });
    }
    log.notice('migrate.applied', { file: m.file, sha256: m.sha256.slice(0, 12) });
    applied.push(m.file);
  }
  return { applied, alreadyApplied: rows.length };
}

/** Whether the database's schema is the one this release needs; `reason` says what to do when not. */
export type SchemaState = { schema: 'current' } | { schema: 'missing' | 'behind'; reason: string };

/**
 * Reads schema_migrations (one row per applied sql/ file, id = its number) against `needed`, the
 * newest migration of this release. A schema newer than this release counts as current here: an
 * upgrade migrates before it restarts web, so the old process answers in between; the doctor
 * reports such a schema.
 */
export async function schemaState(db: Queryable, needed: number): Promise<SchemaState> {
  const table = await db.query<{ present: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
  if (!table.rows[0]?.present) {
    return { schema: 'missing', reason: `no migration applied; this release needs migration ${needed}: run shiptrack migrate` };
  }
  const latest = await db.query<{ id: number }>('SELECT coalesce(max(id), 0)::int AS id FROM schema_migrations');
  const at = latest.rows[0]?.id ?? 0;
  if (at >= needed) return { schema: 'current' };
  return { schema: 'behind', reason: `the database is at migration ${at}; this release needs ${needed}: run shiptrack migrate` };
}

/** For /healthz (src/discord/interactions/server.ts `readiness`): undefined when current, else schema and reason. */
export function schemaReadiness(db: Queryable, needed: number): () => Promise<Record<string, string> | undefined> {
  return async () => {
    const s = await schemaState(db, needed);
    return s.schema === 'current' ? undefined : { schema: s.schema, reason: s.reason };
  };
}
