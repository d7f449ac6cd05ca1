#!/usr/bin/env node
// The one test entry point (`npm test`). Typechecks and compiles src/ and test/ once into
// .test-dist-<pid>/ with test/tsconfig.json, then runs every compiled test file under test/unit,
// test/regressions and test/integration with node:test on plain node, as production runs dist/
// (the suites spawn `node .test-dist-<pid>/src/bin/*.js`), and ends with the ten slowest files
// and any skipped tests. Stack traces point at the TypeScript lines (source maps).
// Database tests use TEST_DATABASE_URL (real PostgreSQL; each fixture gets a throwaway database)
// when it is set, and otherwise embedded PGlite served over the Postgres wire protocol.
// `node test/run.mjs web-` runs only the files whose path contains `web-`.
// Files start longest first, by the durations the last run recorded in
// node_modules/.cache/shiptrack/test-durations.json (without it: integration, then regressions,
// then unit, larger files first), so the slow ones do not start last and stretch the run.
// TEST_CONCURRENCY sets how many files run at once (default: 3 per core, at least 6; most tests
// wait on sockets, timers and child processes rather than compute).
import { readdirSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const dirs = ['test/unit', 'test/regressions', 'test/integration'];
const only = process.argv.slice(2);
let files = [];
for (const d of dirs) {
  if (!existsSync(d)) continue;
  for (const f of readdirSync(d).sort()) if (f.endsWith('.test.ts')) files.push(join(d, f));
}
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
const backend = process.env.TEST_DATABASE_URL ? 'postgres' : 'embedded';
const concurrency = Number(process.env.TEST_CONCURRENCY) || Math.max(6, availableParallelism() * 3);
const durationsFile = resolve('node_modules/.cache/shiptrack/test-durations.json');
files = longestFirst(files);

// One compiled tree per run (`.test-dist-<pid>`, inside the repository so node_modules and
// package.json resolve, with a `sql` link so `../../sql/` resolves as from dist/), so two runs in
// one checkout never delete each other's; trees of dead runs are removed.
for (const name of readdirSync('.')) {
  const pid = /^\.test-dist-(\d+)$/.exec(name)?.[1];
  if (pid && !alive(Number(pid))) rmSync(name, { recursive: true, force: true });
}
const dist = resolve(`.test-dist-${process.pid}`);
mkdirSync(dist, { recursive: true });
process.on('exit', () => rmSync(dist, { recursive: true, force: true }));
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
symlinkSync('../sql', join(dist, 'sql'));
// Both at once: the compiled tree (typechecked: a type error fails the run), and (embedded
// backend) an empty and a migrated PGlite data directory that every embedded test database
// starts from.
const [built, templated] = await Promise.all([
  run([tsc, '-p', 'test/tsconfig.json', '--noEmit', 'false', '--outDir', dist]),
  backend === 'embedded' ? run(['--import', 'tsx', 'test/helpers/db.ts', '--templates', dist]) : 0,
]);
if (built !== 0) { console.error('# typechecking and compiling src/ and test/ failed'); process.exit(1); }
if (templated !== 0) { console.error('# preparing the embedded database template failed'); process.exit(1); }

console.log(`# ${files.length} test files; database tests on ${backend}; ${concurrency} files at a time`);
const res = spawnSync(process.execPath, [
  '--enable-source-maps', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=120000',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=./test/report-slowest.mjs', '--test-reporter-destination=stdout',
  ...files.map((f) => join(dist, f.replace(/\.ts$/, '.js'))),
], { stdio: 'inherit', env: {
    ...process.env, NODE_ENV: 'test', SHIPTRACK_TEST_DIST: join(dist, 'src'),
    SHIPTRACK_TEST_TREE: dist, SHIPTRACK_TEST_DURATIONS: durationsFile,
    ...(backend === 'embedded' ? { SHIPTRACK_TEST_PGLITE_TEMPLATES: dist } : {}),
  },
});
if (backend === 'embedded') {
  console.log('# the embedded backend skips the tests that need separate PostgreSQL sessions; run them with');
  console.log('#   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm test');
}
process.exit(res.status ?? 1);

function run(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit' });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch (err) { return err.code === 'EPERM'; }
}

/** Longest first by the last recorded durations; files never timed go first, integration before unit. */
function longestFirst(list) {
  let recorded = {};
  try { recorded = JSON.parse(readFileSync(durationsFile, 'utf8')); } catch { /* first run here */ }
  const tier = (f) => (f.startsWith('test/integration') ? 0 : f.startsWith('test/regressions') ? 1 : 2);
  const key = (f) => (f in recorded ? [1, -recorded[f], 0] : [0, tier(f), -statSync(f).size]);
  return [...list].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  });
}
