#!/usr/bin/env node
// `npm run faults [word...]`: the worker fault suite at scale (test/faults/faults.ts; never part of
// npm test). Like test/run.mjs it typechecks and compiles src/ and test/ once into
// .test-dist-<pid>/ with test/tsconfig.json (spawned workers run as `node .test-dist-<pid>/src/bin/worker.js`,
// as production runs dist/), prepares the embedded database template when TEST_DATABASE_URL is not
// set, then runs the compiled driver, which prints one table row per fault and exits 1 when any
// fault lost or doubled a launch. Words given run only the faults whose name contains one of them.
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const backend = process.env.TEST_DATABASE_URL ? 'postgres' : 'embedded';

for (const name of readdirSync('.')) {
  const pid = /^\.test-dist-(\d+)$/.exec(name)?.[1];
  if (pid && !alive(Number(pid))) rmSync(name, { recursive: true, force: true });
}
const dist = resolve(`.test-dist-${process.pid}`);
mkdirSync(dist, { recursive: true });
process.on('exit', () => rmSync(dist, { recursive: true, force: true }));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
symlinkSync('../sql', join(dist, 'sql'));

const [built, templated] = await Promise.all([
  run([tsc, '-p', 'test/tsconfig.json', '--noEmit', 'false', '--outDir', dist]),
  backend === 'embedded' ? run(['--import', 'tsx', 'test/helpers/db.ts', '--templates', dist]) : 0,
]);
if (built !== 0) { console.error('# typechecking and compiling src/ and test/ failed'); process.exit(1); }
if (templated !== 0) { console.error('# preparing the embedded database template failed'); process.exit(1); }
const driver = join(dist, 'test/faults/faults.js');
if (!existsSync(driver)) { console.error(`# ${driver} was not compiled`); process.exit(1); }

console.log(`# worker faults at scale; database on ${backend}`);
const code = await run(['--enable-source-maps', driver, ...process.argv.slice(2)], {
  ...process.env, NODE_ENV: 'test', SHIPTRACK_TEST_DIST: join(dist, 'src'), SHIPTRACK_TEST_TREE: dist,
  ...(backend === 'embedded' ? { SHIPTRACK_TEST_PGLITE_TEMPLATES: dist } : {}),
});
process.exit(code);

function run(args, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit', env });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch (err) { return err.code === 'EPERM'; }
}
