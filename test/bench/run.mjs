#!/usr/bin/env node
// `npm run bench [name...]`: runs the benchmarks under test/bench/ one after another (never part
// of npm test). Each prints its own table, with ratios against a baseline measured in the same run.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const wanted = process.argv.slice(2);
const benches = readdirSync('test/bench').filter((f) => f.endsWith('.ts')).sort()
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)));
let failed = 0;
for (const f of benches) {
  console.log(`\n## ${f}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `test/bench/${f}`], { stdio: 'inherit' });
  if (r.status !== 0) { failed++; console.log(`!! ${f} exited ${r.status}`); }
}
process.exit(failed ? 1 : 0);
