#!/usr/bin/env node
// `npm run bench [name...]`: builds dist/ (`npm run build`), then runs the benchmarks under
// test/bench/ one after another (never part of npm test). The bench drivers run under tsx; every
// ShipTrack program they measure is spawned as production runs it, `node dist/bin/*.js`
// (SHIPTRACK_TEST_DIST points test/helpers/bin.ts at dist/). Each prints its own table, with
// ratios against a floor measured in the same run.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const wanted = process.argv.slice(2);
const benches = readdirSync('test/bench').filter((f) => f.endsWith('.ts')).sort()
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)));
if (!process.env.BENCH_DIST) {
  const tsc = spawnSync(process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { stdio: 'inherit' });
  if (tsc.status !== 0) { console.log('!! npm run build failed'); process.exit(1); }
}
// BENCH_DIST measures another compiled tree (e.g. an earlier commit's dist/, for a before/after table).
const env = { ...process.env, SHIPTRACK_TEST_DIST: resolve(process.env.BENCH_DIST ?? 'dist') };
let failed = 0;
for (const f of benches) {
  console.log(`\n## ${f}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `test/bench/${f}`], { stdio: 'inherit', env });
  if (r.status !== 0) { failed++; console.log(`!! ${f} exited ${r.status}`); }
}
process.exit(failed ? 1 : 0);
