#!/usr/bin/env node
// The one test entry point (`npm test` runs typecheck, then this). Runs every test file under
// test/unit, test/integration and test/regressions through tsx with node:test.
// Database tests use TEST_DATABASE_URL (real PostgreSQL; each file creates a throwaway database)
// when it is set, and otherwise an embedded PGlite served over the Postgres wire protocol.
import { readdirSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const dirs = ['test/unit', 'test/regressions', 'test/integration'];
const only = process.argv.slice(2);
let files = [];
for (const d of dirs) {
  if (!existsSync(d)) continue;
  for (const f of readdirSync(d).sort()) if (f.endsWith('.test.ts')) files.push(join(d, f));
}
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
const backend = process.env.TEST_DATABASE_URL ? 'postgres' : 'embedded';
console.log(`# ${files.length} test files; database tests on ${backend}`);
const res = spawnSync(process.execPath, [
  '--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=120000',
  '--test-reporter=spec', ...files,
], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } });
process.exit(res.status ?? 1);
