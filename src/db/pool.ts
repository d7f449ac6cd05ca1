// Owns creating the pg Pool and the start-up reachability check. Does not run queries for
// features; the query modules take a Queryable so tests can pass a client or a transaction.

import pg from 'pg';
import { ShipTrackError } from '../errors.js';
import type { Logger } from '../log.js';

export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export interface PoolOptions {
  max?: number;
  /** How long to wait for a connection before failing (a bad host must not hang start-up). */
  connectTimeoutMs?: number;
  applicationName?: string;
}

/** Host and port of a DATABASE_URL, without user or password, for error messages and logs. */
export function describeDatabase(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

export function createPool(url: string, log: Logger, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    application_name: options.applicationName ?? 'shiptrack',
  });
  // An idle client that loses its server emits on the pool; without a listener Node crashes.
  pool.on('error', (err) => log.warn('db.idle_client_error', { db: describeDatabase(url), err }));
  return pool;
}

/** Fails within the pool's connect timeout, naming host:port (never the password). */
export async function checkDatabase(pool: Queryable, url: string): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    const reason = (err as Error).message ?? String(err);
    throw new ShipTrackError('DB_UNREACHABLE', `database at ${describeDatabase(url)} is unreachable: ${reason}`, { cause: err });
  }
}

/** Runs `fn` inside BEGIN/COMMIT on one client from the pool; rolls back on any throw. */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
