// Test databases: a throwaway database on real PostgreSQL when TEST_DATABASE_URL is set (CI),
// otherwise an embedded PGlite per test file. Either way the code under test talks through `pg`.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPool } from '../../src/db/pool.js';
import { migrate } from '../../src/db/migrate.js';
import { startEmbeddedPostgres } from '../../src/dev/embedded-postgres.js';
import { silentLogger } from '../../src/log.js';

export type Backend = 'postgres' | 'embedded';
export const backend: Backend = process.env.TEST_DATABASE_URL ? 'postgres' : 'embedded';
/** Reason string for tests that need real Postgres sessions (advisory locks across connections). */
export const needsRealPostgres = backend === 'embedded'
  ? 'needs separate Postgres sessions (advisory locks); PGlite multiplexes one backend. Runs in CI against real PostgreSQL (TEST_DATABASE_URL).'
  : false;

export interface TestDatabase {
  readonly url: string;
  readonly pool: pg.Pool;
  readonly backend: Backend;
  close(): Promise<void>;
}

/** A fresh, empty database. With `migrated` (default) the schema is applied. */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  let url: string;
  let dispose: () => Promise<void>;
  if (process.env.TEST_DATABASE_URL) {
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    const name = `shiptrack_t_${process.pid}_${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(process.env.TEST_DATABASE_URL);
    u.pathname = `/${name}`;
    url = u.toString();
    dispose = async () => {
      const c = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  } else {
    const embedded = await startEmbeddedPostgres();
    url = embedded.url;
    dispose = () => embedded.stop();
  }
  const pool = createPool(url, silentLogger, { max: 5 });
  if (options.migrated !== false) await migrate(pool);
  let closed = false;
  return {
    url, pool, backend,
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
      await dispose();
    },
  };
}
