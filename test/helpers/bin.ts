// Spawning ShipTrack's programs the way production runs them: plain `node` on the compiled tree.
// `npm test` (test/run.mjs) compiles src/ and test/ once per run into .test-dist-<pid>/ and passes
// the compiled src/ in SHIPTRACK_TEST_DIST; a test file run on its own (under tsx) compiles src/ with
// the production tsconfig here, once per process, and removes it at exit. Either tree sits inside the
// repository so `../../sql/` and package.json resolve exactly as from dist/.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { REPO } from './repo.js';

export { REPO };

let built: string | undefined;

/** The compiled tree's root, compiling it first when no test runner did. */
export function testDist(): string {
  if (process.env.SHIPTRACK_TEST_DIST) return process.env.SHIPTRACK_TEST_DIST;
  if (built) return built;
  const dir = join(REPO, `.test-dist-${process.pid}`);
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  compile(dir);
  return (built = dir);
}

/** Compiles src/ into `outDir` with the production tsconfig; throws with tsc's output on failure. */
export function compile(outDir: string): void {
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(REPO, 'tsconfig.json'), '--outDir', outDir], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc failed (${r.status}):\n${r.stdout}${r.stderr}`);
}

/** argv for `spawn(process.execPath, …)`: the compiled bin, e.g. binArgs('worker') → […/bin/worker.js]. */
export function binArgs(name: 'worker' | 'web' | 'digest' | 'migrate' | 'status' | 'register-commands', ...args: string[]): string[] {
  return [join(testDist(), 'bin', `${name}.js`), ...args];
}

/**
 * argv for a development program that production does not ship (src/demo, src/fake-discord):
 * compiled when the test runner's tree has it, else the TypeScript source under tsx.
 * devArgs('demo/demo') → […/demo/demo.js] or ['--import', 'tsx', 'src/demo/demo.ts'].
 */
export function devArgs(module: 'demo/demo' | 'fake-discord/cli', ...args: string[]): string[] {
  const compiled = process.env.SHIPTRACK_TEST_DIST && join(process.env.SHIPTRACK_TEST_DIST, `${module}.js`);
  if (compiled && existsSync(compiled)) return [compiled, ...args];
  return ['--import', 'tsx', join(REPO, 'src', `${module}.ts`), ...args];
}
