// Owns creating the pg Pool (TCP keepalive on every connection), the start-up reachability
// check, and the guard that keeps a long-running process's queries from waiting silently:
// statement and read timeouts plus a warning for a slow call. Does not run queries for features;
// the query modules take a Queryable so tests can pass a client or a transaction.

import pg from 'pg';
import type { Clock } from '../clock.js';
import { ShipTrackError, describeError } from '../errors.js';
import type { Logger } from '../log.js';

export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export interface PoolOptions {
  max?: number;
  /** How long to wait for a connection before failing (a bad host must not hang start-up). */
  connectTimeoutMs?: number;
  applicationName?: string;
  /** TCP keepalive idle time before the first probe (default 10000 ms), so a dead peer is noticed. */
  keepAliveMs?: number;
  /** Server-side `statement_timeout` for every connection (default none: migrations wait on their lock by design). */
  statementTimeoutMs?: number;
  /**
   * Client-side read timeout for every call (node-postgres `query_timeout`; default none): a call
   * with no answer after this long fails, for a server or link that stopped answering, which a
   * statement timeout cannot notice. Set it above statementTimeoutMs.
   */
  queryTimeoutMs?: number;
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
    // Without keepalive a connection whose peer vanished (a NAT drop, a host gone) looks alive
    // until the kernel's default of hours (node-postgres: `keepAlive`, `keepAliveInitialDelayMillis`).
    keepAlive: true,
    keepAliveInitialDelayMillis: options.keepAliveMs ?? 10_000,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    ...(options.queryTimeoutMs ? { query_timeout: options.queryTimeoutMs } : {}),
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

/**
 * True for a call that a timeout ended: PostgreSQL's statement timeout (SQLSTATE 57014,
 * query_canceled, also a lock wait) or node-postgres's read timeout (`query_timeout`).
 */
export function isTimedOutQuery(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (err as { code?: unknown }).code === '57014' || /^Query read timeout$/.test(err.message);
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

export interface QueryGuardOptions {
  log: Logger;
  clock: Clock;
  /**
   * Server-side: PostgreSQL cancels a statement running (or waiting for a lock) longer than this,
   * SQLSTATE 57014 (default 15000 ms; postgresql.org/docs/current/runtime-config-client.html).
   */
  statementTimeoutMs?: number;
  /**
   * Client-side: a call with no answer after this long fails and its connection is discarded, for
   * a server or link that stopped answering (default statement timeout + 5000 ms).
   */
  queryTimeoutMs?: number;
  /** A call still running after this long logs db.slow_query (default 5000 ms). */
  slowMs?: number;
}

export type GuardedPool = Queryable & { end(): Promise<void> };

/** The statement without its whitespace runs, cut to 80 characters (values are never in it: they are parameters). */
function statementOf(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 80);
}

/**
 * `pool` with every query bounded and watched. A pg.Pool created with these very bounds runs each
 * call through its own query(), which discards a connection after any error. Any other pg.Pool
 * gets a checked-out connection, `statement_timeout` set on it once, and a read timeout per call;
 * a connection that failed other than with a PostgreSQL error (timeout, reset) is discarded. Any other
 * Queryable (a test's wrapper) is only watched. A call still running after slowMs logs
 * db.slow_query at once (not when it ends: a blocked call may never end), then
 * db.slow_query_done when it does.
 */
export function guardQueries(pool: GuardedPool, o: QueryGuardOptions): GuardedPool {
  const statementTimeoutMs = o.statementTimeoutMs ?? 15_000;
  const queryTimeoutMs = o.queryTimeoutMs ?? statementTimeoutMs + 5000;
  const slowMs = o.slowMs ?? 5000;
  const configured = new WeakSet<pg.PoolClient>();

  // A pool created with these very bounds (createPool's statementTimeoutMs and queryTimeoutMs, as
  // the web service's is) gives every connection both at connect time: no SET round trip per new
  // connection, and each call is a plain (text, values) query, which node-postgres does not clone
  // (issue 14). Any other pg.Pool gets them per connection and per call, as below.
  const preset = (p: pg.Pool): boolean => {
    const po = (p as { options?: { statement_timeout?: unknown; query_timeout?: unknown } }).options;
    return po?.statement_timeout === statementTimeoutMs && po?.query_timeout === queryTimeoutMs;
  };

  async function viaClient(p: pg.Pool, text: string, values: unknown[] | undefined): Promise<pg.QueryResult> {
    const bounded = preset(p);
    // The pool's own query() checks a connection out, runs, and gives it back, discarding it after
    // any error (a PostgreSQL error too, which costs a reconnect but is rare here), with its own
    // 'error' listener while it holds it: one promise instead of a checkout, a query and a listener.
    if (bounded) return p.query(text, values);
    const client = await p.connect();
    let broken: Error | undefined;
    // A checked-out client that loses its server emits 'error'; unheard, that crashes the process
    // (pool.query listens the same way while it holds a client).
    const onError = (err: Error) => { broken = err; };
    client.on('error', onError);
    try {
      if (!configured.has(client)) {
        await client.query({ text: `SET statement_timeout = ${Math.max(0, Math.round(statementTimeoutMs))}`, query_timeout: queryTimeoutMs } as pg.QueryConfig);
        configured.add(client);
      }
      return await client.query({ text, values, query_timeout: queryTimeoutMs } as pg.QueryConfig);
    } catch (err) {
      if (!(err instanceof pg.DatabaseError)) broken = err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  const query = (async (text: string, values?: unknown[]) => {
    const started = o.clock.now();
    let slow = false;
    const timer = o.clock.setTimeout(() => {
      slow = true;
      o.log.warn('db.slow_query', { statement: statementOf(text), waited_ms: slowMs, statement_timeout_ms: statementTimeoutMs });
    }, slowMs);
    let failed: unknown;
    try {
      return pool instanceof pg.Pool ? await viaClient(pool, text, values) : await pool.query(text, values);
    } catch (err) {
      failed = err;
      throw err;
    } finally {
      o.clock.clearTimeout(timer);
      if (slow) o.log.info('db.slow_query_done', { statement: statementOf(text), ms: o.clock.now() - started, ...(failed ? { error: describeError(failed) } : {}) });
    }
  }) as Queryable['query'];
  return { query, end: () => pool.end() };
}
