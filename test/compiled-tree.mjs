// The compiled tree that `npm test` (test/run.mjs) and `npm run faults` (test/faults/run.mjs) run:
// one `.test-dist-<pid>/` per run, inside the repository so node_modules and package.json resolve,
// with a `sql` link so `../../sql/` resolves as from dist/. Trees of dead runs are removed, so two
// runs in one checkout never delete each other's. src/ and test/ are typechecked and compiled in one
// tsc (test/tsconfig.json; a type error fails the run) while, on the embedded backend, the empty and
// migrated PGlite data directories every embedded test database starts from are prepared; on real
// PostgreSQL, a migrated template database; on the embedded one, a pool of PGlite instances.
import { mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

export const backend = process.env.TEST_DATABASE_URL ? 'postgres' : 'embedded';

/** Builds the tree; returns its root and the environment the compiled tests need. Exits 1 on failure. */
export async function prepareCompiledTree() {
  for (const name of readdirSync('.')) {
    const pid = /^\.test-dist-(\d+)$/.exec(name)?.[1];
    if (pid && !alive(Number(pid))) rmSync(name, { recursive: true, force: true });
  }
  const dist = resolve(`.test-dist-${process.pid}`);
  mkdirSync(dist, { recursive: true });
  process.on('exit', () => rmSync(dist, { recursive: true, force: true }));
  symlinkSync('../sql', join(dist, 'sql'));
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  const [built, templated] = await Promise.all([
    runNode([tsc, '-p', 'test/tsconfig.json', '--noEmit', 'false', '--outDir', dist]),
    backend === 'embedded' ? runNode(['--import', 'tsx', 'test/helpers/db.ts', '--templates', dist]) : 0,
  ]);
  if (built !== 0) { console.error('# typechecking and compiling src/ and test/ failed'); process.exit(1); }
  if (templated !== 0) { console.error('# preparing the embedded database template failed'); process.exit(1); }
  const pool = backend === 'embedded' ? await startPglitePool(dist) : '';
  if (pool === undefined) { console.error('# starting the pool of embedded databases failed'); process.exit(1); }
  const env = {
    ...process.env, NODE_ENV: 'test', SHIPTRACK_TEST_DIST: join(dist, 'src'), SHIPTRACK_TEST_TREE: dist,
    ...(backend === 'embedded' ? { SHIPTRACK_TEST_PGLITE_TEMPLATES: dist, SHIPTRACK_TEST_PGLITE_POOL: pool } : {}),
  };
  if (backend === 'postgres') env.SHIPTRACK_TEST_PG_TEMPLATE = await migratedTemplate(dist, env);
  return { dist, env };
}

/**
 * Real PostgreSQL: one migrated database per run that every migrated test database is created from
 * (CREATE DATABASE … TEMPLATE, https://www.postgresql.org/docs/15/manage-ag-templatedbs.html),
 * so each fixture copies it instead of running every migration again. Migrated by the compiled
 * migrate bin; dropped at exit, and so are the templates of runs that died.
 */
async function migratedTemplate(dist, env) {
  const admin = process.env.TEST_DATABASE_URL;
  const sql = (text) => runNode([join(dist, 'test', 'helpers', 'admin-sql.js'), admin, text], env);
  const name = `shiptrack_tpl_${process.pid}`;
  if (await sql(`DROP-DEAD-TEMPLATES`) !== 0 || await sql(`CREATE DATABASE ${name}`) !== 0) {
    console.error('# creating the template database failed'); process.exit(1);
  }
  // Before the tree (and admin-sql.js with it) is removed.
  process.prependListener('exit', () => { spawnSync(process.execPath, [join(dist, 'test', 'helpers', 'admin-sql.js'), admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], { env, stdio: 'inherit' }); });
  const url = new URL(admin);
  url.pathname = `/${name}`;
  if (await runNode([join(dist, 'src', 'bin', 'migrate.js')], { ...env, DATABASE_URL: url.toString(), LOG_LEVEL: 'warn' }) !== 0) {
    console.error('# migrating the template database failed'); process.exit(1);
  }
  return name;
}

/**
 * Embedded backend: test/helpers/pglite-pool.ts, one pool of PGlite instances for the run (every
 * file used to start its own, about 1.5 s of CPU each). Resolves with its address, or undefined
 * if it did not start; it is stopped when this process exits.
 */
function startPglitePool(dist) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(dist, 'test', 'helpers', 'pglite-pool.js'), dist], { stdio: ['pipe', 'pipe', 'inherit'] });
    process.on('exit', () => child.kill());
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const port = /^listening (\d+)$/m.exec(out)?.[1];
      if (port) resolve(`http://127.0.0.1:${port}`);
    });
    child.on('exit', () => resolve(undefined));
  });
}

/** Runs `node …args` with inherited stdio; resolves with its exit code. */
export function runNode(args, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit', env });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch (err) { return err.code === 'EPERM'; }
}
