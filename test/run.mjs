#!/usr/bin/env node
// The one test entry point (`npm test`). Typechecks and compiles src/ and test/ once into
// .test-dist-<pid>/ with test/tsconfig.json, then runs every compiled test file under test/unit,
// test/regressions and test/integration with node:test on plain node, as production runs dist/
// (the suites spawn `node .test-dist-<pid>/src/bin/*.js`), and ends with the ten slowest files
// and any skipped tests. The unit files run together in one process (`test/unit-tests.ts` in that
// table); every other file gets its own. Stack traces point at the TypeScript lines (source maps).
// Database tests use TEST_DATABASE_URL (real PostgreSQL; each fixture gets a throwaway database)
// when it is set, and otherwise embedded PGlite served over the Postgres wire protocol.
// `node test/run.mjs web-` runs only the files whose path contains `web-`.
// Files start longest first, by the durations the last run recorded in
// node_modules/.cache/shiptrack/test-durations.json (without it: integration, then regressions,
// then unit, larger files first), so the slow ones do not start last and stretch the run.
// TEST_CONCURRENCY sets how many files run at once (default: 3 per core, at least 6; most tests
// wait on sockets, timers and child processes rather than compute).
import { readdirSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { backend, prepareCompiledTree } from './compiled-tree.mjs';

const dirs = ['test/unit', 'test/regressions', 'test/integration'];
const only = process.argv.slice(2);
let files = [];
for (const d of dirs) {
  if (!existsSync(d)) continue;
  for (const f of readdirSync(d).sort()) if (f.endsWith('.test.ts')) files.push(join(d, f));
}
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
const concurrency = Number(process.env.TEST_CONCURRENCY) || Math.max(6, availableParallelism() * 3);
const durationsFile = resolve('node_modules/.cache/shiptrack/test-durations.json');
/** The compiled file that imports every selected unit test file (written per run; not in test/). */
const UNIT_BUNDLE = 'test/unit-tests.ts';

const { env } = await prepareCompiledTree();
const compiled = (f) => join(env.SHIPTRACK_TEST_TREE, f.replace(/\.ts$/, '.js'));
const units = files.filter((f) => f.startsWith('test/unit/'));
const runs = units.length > 1 ? [UNIT_BUNDLE, ...files.filter((f) => !units.includes(f))] : files;
if (units.length > 1) {
  // Unit tests touch no process, port or database: one process imports them all, since starting
  // node and loading the modules costs more than most unit files' tests (0.3–0.5 s CPU each).
  writeFileSync(compiled(UNIT_BUNDLE), units.map((f) => `import ${JSON.stringify(compiled(f))};\n`).join(''));
}

console.log(`# ${files.length} test files (${units.length > 1 ? `the ${units.length} unit files in one process, ` : ''}` +
  `${runs.length} processes); database tests on ${backend}; ${concurrency} at a time`);
const res = spawnSync(process.execPath, [
  '--enable-source-maps', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=120000',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=./test/report-slowest.mjs', '--test-reporter-destination=stdout',
  ...longestFirst(runs).map(compiled),
], { stdio: 'inherit', env: { ...env, SHIPTRACK_TEST_DURATIONS: durationsFile } });
if (backend === 'embedded') {
  console.log('# the embedded backend skips the tests that need separate PostgreSQL sessions; run them with');
  console.log('#   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm test');
}
process.exit(res.status ?? 1);

/** Longest first by the last recorded durations; files never timed go first, integration before unit. */
function longestFirst(list) {
  let recorded = {};
  try { recorded = JSON.parse(readFileSync(durationsFile, 'utf8')); } catch { /* first run here */ }
  const tier = (f) => (f.startsWith('test/integration') ? 0 : f.startsWith('test/regressions') ? 1 : 2);
  const size = (f) => (existsSync(f) ? statSync(f).size : 0);
  const key = (f) => (f in recorded ? [1, -recorded[f], 0] : [0, tier(f), -size(f)]);
  return [...list].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  });
}
