// Owns the start-up sequence every ShipTrack process shares: config (exit 78 naming every bad
// setting), the journald logger, the pool with a reachability check naming the host, and the
// optional migration. Each bin composes the rest itself.

import type pg from 'pg';
import { loadConfig, type Config, type Env, type Role } from '../config.js';
import { ExitCode, ShipTrackError, describeError } from '../errors.js';
import { createLogger, type Logger, type LogLevel } from '../log.js';
import { checkDatabase, createPool, describeDatabase, type PoolOptions } from '../db/pool.js';
import { migrate } from '../db/migrate.js';

export interface Runtime { config: Config; log: Logger }

/** Loads config for `role` or exits 78 with one line naming every missing or malformed variable. */
export function startProcess(role: Role): Runtime {
  const rt = startRuntime(role);
  if (typeof rt === 'number') process.exit(rt);
  return rt;
}

/**
 * startProcess for a run that is not the whole process (src/digest/main.ts under test): config from
 * `env`, log lines to `write` (stderr for warnings and worse); the exit code 78 instead of exiting.
 */
export function startRuntime(role: Role, env: Env = process.env, write?: (line: string, toStderr: boolean) => void): Runtime | number {
  const toWriter = write && ((line: string, level: LogLevel) => write(line, level === 'error' || level === 'warn'));
  let config: Config;
  try {
    config = loadConfig(role, env);
  } catch (err) {
    createLogger(toWriter ? { write: toWriter } : {}).error('config.invalid', { role, error: describeError(err) });
    return ExitCode.config;
  }
  const log = createLogger({ level: config.logLevel, secrets: config.secrets, ...(toWriter ? { write: toWriter } : {}) }, { proc: role });
  return { config, log };
}

/**
 * A pool that has answered `SELECT 1`, migrated first when MIGRATE_ON_START is set. With a
 * statement or read timeout the migration runs on a pool of its own without them: it waits on
 * the migration lock by design (src/db/migrate.ts).
 */
export async function openDatabase(
  { config, log }: Runtime, options: Pick<PoolOptions, 'max' | 'statementTimeoutMs' | 'queryTimeoutMs'> & {
    /** False for runs that must change nothing (digest --dry-run): MIGRATE_ON_START is not applied. */
    migrate?: boolean;
  } = {},
): Promise<pg.Pool> {
  const applicationName = `shiptrack-${config.role}`;
  const { migrate: mayMigrate = true, ...poolOptions } = options;
  const pool = createPool(config.databaseUrl, log, { ...poolOptions, max: options.max ?? config.databasePoolMax, applicationName });
  try {
    await checkDatabase(pool, config.databaseUrl);
    if (config.migrateOnStart && !mayMigrate) {
      log.info('migrate.skipped', { reason: 'this run changes nothing; MIGRATE_ON_START applies on the next real start' });
    } else if (config.migrateOnStart) {
      const bounded = options.statementTimeoutMs !== undefined || options.queryTimeoutMs !== undefined;
      const migrating = bounded ? createPool(config.databaseUrl, log, { max: 1, applicationName }) : pool;
      try {
        const r = await migrate(migrating, { log });
        log.info('migrate.done', { applied: r.applied.length, already: r.alreadyApplied });
      } finally {
        if (migrating !== pool) await migrating.end().catch(() => {});
      }
    }
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
  log.info('db.connected', { db: describeDatabase(config.databaseUrl) });
  return pool;
}

/** Last-resort handler for a bin's main(): log one line and exit non-zero (systemd restarts). */
export function fatal(log: Logger, err: unknown): never {
  process.exit(fatalExitCode(log, err));
}

/** fatal without the exit: logs the line and returns the exit code. */
export function fatalExitCode(log: Logger, err: unknown): number {
  const code = err instanceof ShipTrackError ? err.code : undefined;
  log.error('process.fatal', { code, error: describeError(err) });
  return code === 'CONFIG_INVALID' || code === 'PUBLIC_KEY_INVALID' ? ExitCode.config : ExitCode.failure;
}
