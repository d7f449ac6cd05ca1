// Test databases: a throwaway database on real PostgreSQL when TEST_DATABASE_URL is set (CI),
// otherwise embedded PGlite. Either way the code under test talks through `pg`. On PostgreSQL a
// migrated one is a copy of the migrated template test/run.mjs makes once per run
// (SHIPTRACK_TEST_PG_TEMPLATE), when there is one.
//
// Embedded instances cost seconds to start, so they are recycled: closing a migrated test
// database empties every table (TRUNCATE … RESTART IDENTITY), releases advisory locks and keeps
// the instance for the next fixture in the same test file; a new instance starts from the
// template that test/run.mjs prepares once per run (SHIPTRACK_TEST_PGLITE_TEMPLATES).
// An instance whose schema no longer matches the migrated one is stopped, never reused. Under
// test/run.mjs the instances come from one pool for the whole run (SHIPTRACK_TEST_PGLITE_POOL,
// test/helpers/pglite-pool.ts), so a file's first fixture usually needs no start either.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createPool } from '../../src/db/pool.js';
import { migrate } from '../../src/db/migrate.js';
import type { PGlite } from '@electric-sql/pglite';
import { serveEmbeddedPostgres, startEmbeddedPostgres } from '../../src/dev/embedded-postgres.js';
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
  const migrated = options.migrated !== false;
  const { url, dispose } = process.env.TEST_DATABASE_URL
    ? await createPostgresDatabase(process.env.TEST_DATABASE_URL, migrated ? process.env.SHIPTRACK_TEST_PG_TEMPLATE : undefined)
    : await takeEmbedded(migrated);
  const pool = createPool(url, silentLogger, { max: 5 });
  if (migrated) await migrate(pool);
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

interface Created { url: string; dispose(): Promise<void> }

/** With `template` (test/run.mjs's migrated database), a copy of it: migrate() then finds nothing to do. */
async function createPostgresDatabase(adminUrl: string, template?: string): Promise<Created> {
  const name = `shiptrack_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`));
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    dispose: async () => { await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)); },
  };
}

/** Migrated embedded databases closed by earlier fixtures of this file, emptied and idle. */
const idle: { db: PGlite; expire: NodeJS.Timeout }[] = [];
/**
 * How long an emptied database waits for the next fixture. Fixtures follow one another within
 * milliseconds (one test's teardown, the next test's setup); an open PGlite keeps the process
 * alive, so one nobody took is closed, and the next fixture simply starts from the template.
 */
const IDLE_MS = 300;
/** The public tables a migrated database has, learnt from the first one this process resets. */
let migratedTables: string | undefined;

async function takeEmbedded(migrated: boolean): Promise<Created> {
  const shared = process.env.SHIPTRACK_TEST_PGLITE_POOL;
  if (shared) return takeFromPool(shared, migrated);
  const taken = migrated ? idle.pop() : undefined;
  if (taken) clearTimeout(taken.expire);
  const reused = taken?.db;
  const template = loadTemplate(migrated ? 'migrated' : 'empty');
  const instance = reused ? await serveEmbeddedPostgres(reused)
    : await startEmbeddedPostgres(template ? { loadDataDir: template } : {});
  return {
    url: instance.url,
    dispose: async () => {
      if (!migrated || !await resetForReuse(instance.url)) return instance.stop();
      const db = await instance.detach();
      const entry = { db, expire: setTimeout(() => { idle.splice(idle.indexOf(entry), 1); void db.close(); }, IDLE_MS) };
      idle.push(entry);
    },
  };
}

type Template = 'empty' | 'migrated';
const templates = new Map<Template, Blob>();
/** The data directory test/run.mjs prepared (SHIPTRACK_TEST_PGLITE_TEMPLATES), if any. */
function loadTemplate(kind: Template): Blob | undefined {
  const dir = process.env.SHIPTRACK_TEST_PGLITE_TEMPLATES;
  if (!dir) return undefined;
  let blob = templates.get(kind);
  if (!blob) templates.set(kind, blob = new Blob([readFileSync(join(dir, `${kind}.tar`))]));
  return blob;
}

/**
 * An instance from the run's shared pool (test/helpers/pglite-pool.ts, which test/run.mjs starts):
 * an emptied migrated one another file released, or a new one. Released, it is emptied for reuse.
 */
async function takeFromPool(pool: string, migrated: boolean): Promise<Created> {
  const { id, url } = JSON.parse(await post(`${pool}/take?kind=${migrated ? 'migrated' : 'empty'}`)) as { id: number; url: string };
  return { url, dispose: async () => { await post(`${pool}/release?id=${id}`); } };
}

/** POST with no body over node:http (cheaper to load than fetch); resolves with the answer's body. */
function post(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => {
        if ((res.statusCode ?? 500) >= 400) reject(new Error(`${url}: ${res.statusCode} ${body}`)); else resolve(body);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Empties a migrated embedded database for the next fixture; false when it cannot be reused. */
export async function resetForReuse(url: string): Promise<boolean> {
  try {
    return await withClient(url, async (c) => {
      const { rows } = await c.query<{ name: string }>(
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
      const tables = rows.map((r) => r.name).join(',');
      migratedTables ??= tables;
      if (tables !== migratedTables) return false;
      const data = rows.map((r) => r.name).filter((n) => n !== 'schema_migrations');
      // One backend serves every connection, so session state outlives the test's connections.
      await c.query('SELECT pg_advisory_unlock_all()');
      await c.query('RESET ALL');
      if (data.length) await c.query(`TRUNCATE ${data.map((n) => `"${n}"`).join(', ')} RESTART IDENTITY CASCADE`);
      return true;
    });
  } catch {
    return false;
  }
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try { return await fn(c); } finally { await c.end(); }
}

/** Writes the empty and the migrated data directory into `dir` (test/run.mjs, once per run). */
export async function writeTemplates(dir: string): Promise<void> {
  const embedded = await startEmbeddedPostgres();
  try {
    const write = async (kind: Template) => writeFileSync(join(dir, `${kind}.tar`), Buffer.from(await (await embedded.dump()).arrayBuffer()));
    await write('empty');
    const pool = createPool(embedded.url, silentLogger, { max: 1 });
    try { await migrate(pool); } finally { await pool.end(); }
    await write('migrated');
  } finally {
    await embedded.stop();
  }
}

// `node --import tsx test/helpers/db.ts --templates DIR`: what test/run.mjs runs.
if (process.argv[2] === '--templates' && process.argv[3] && process.argv[1]?.endsWith('db.ts')) {
  await writeTemplates(process.argv[3]);
}
