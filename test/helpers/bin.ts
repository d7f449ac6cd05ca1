// Spawning ShipTrack's programs the way production runs them: plain `node` on the compiled tree.
// `npm test` (test/run.mjs) compiles src/ once per run into .test-dist-<pid>/ and passes its path in
// SHIPTRACK_TEST_DIST; a test file run on its own compiles its own tree here, once per process, and
// removes it at exit. The compiled tree sits beside src/ so `../../sql/` and package.json resolve
// exactly as from dist/.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

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
