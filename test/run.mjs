#!/usr/bin/env node
// The one test entry point (`npm test` runs typecheck, then this). Compiles src/ once into
// .test-dist-<pid>/ (the suites spawn `node .test-dist-<pid>/bin/*.js`, as production runs dist/), then runs
// every test file under test/unit, test/regressions and test/integration through tsx with
// node:test, and ends with the ten slowest files and any skipped tests.
// Database tests use TEST_DATABASE_URL (real PostgreSQL; each fixture gets a throwaway database)
// when it is set, and otherwise embedded PGlite served over the Postgres wire protocol.
// `node test/run.mjs web-` runs only the files whose path contains `web-`.
// TEST_CONCURRENCY sets how many files run at once (default: 2 per core, at least 4; most tests
// wait on sockets and child processes rather than compute).
import { readdirSync, existsSync, mkdirSync, rmSync } from 'node:fs';
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
const concurrency = Number(process.env.TEST_CONCURRENCY) || Math.max(4, availableParallelism() * 2);

// One compiled tree per run (`.test-dist-<pid>`, beside src/ so `../../sql/` resolves as from
// dist/), so two runs in one checkout never delete each other's; trees of dead runs are removed.
for (const name of readdirSync('.')) {
  const pid = /^\.test-dist-(\d+)$/.exec(name)?.[1];
  if (pid && !alive(Number(pid))) rmSync(name, { recursive: true, force: true });
}
const dist = resolve(`.test-dist-${process.pid}`);
mkdirSync(dist, { recursive: true });
process.on('exit', () => rmSync(dist, { recursive: true, force: true }));
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
// Both at once: the compiled tree, and (embedded backend) an empty and a migrated PGlite data
// directory that every embedded test database starts from.
const [built, templated] = await Promise.all([
  run([tsc, '-p', 'tsconfig.json', '--outDir', dist]),
  backend === 'embedded' ? run(['--import', 'tsx', 'test/helpers/db.ts', '--templates', dist]) : 0,
]);
if (built !== 0) { console.error('# compiling src/ for the tests failed'); process.exit(1); }
if (templated !== 0) { console.error('# preparing the embedded database template failed'); process.exit(1); }

console.log(`# ${files.length} test files; database tests on ${backend}; ${concurrency} files at a time`);
const res = spawnSync(process.execPath, [
  '--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=120000',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=./test/report-slowest.mjs', '--test-reporter-destination=stdout',
  ...files,
], { stdio: 'inherit', env: {
    ...process.env, NODE_ENV: 'test', SHIPTRACK_TEST_DIST: dist,
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
