#!/usr/bin/env node
// `npm run faults [word...]`: the worker fault suite at scale (test/faults/faults.ts; never part of
// npm test). Like test/run.mjs it typechecks and compiles src/ and test/ once into
// .test-dist-<pid>/ with test/tsconfig.json (spawned workers run as `node .test-dist-<pid>/src/bin/worker.js`,
// as production runs dist/), prepares the embedded database template when TEST_DATABASE_URL is not
// set, then runs the compiled driver, which prints one table row per fault and exits 1 when any
// fault lost or doubled a launch. Words given run only the faults whose name contains one of them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { backend, prepareCompiledTree, runNode } from '../compiled-tree.mjs';

for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
const { dist, env } = await prepareCompiledTree();
const driver = join(dist, 'test/faults/faults.js');
if (!existsSync(driver)) { console.error(`# ${driver} was not compiled`); process.exit(1); }

console.log(`# worker faults at scale; database on ${backend}`);
const code = await runNode(['--enable-source-maps', driver, ...process.argv.slice(2)], env);
process.exit(code);

