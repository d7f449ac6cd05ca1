// The repository root, wherever this file runs from: test/helpers/ under tsx, or the compiled
// copy test/run.mjs makes (.test-dist-<pid>/test/helpers/). Found as the nearest directory above
// that holds ShipTrack's package.json, so tests that read sources, units or docs find the real ones.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findRepo(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'shiptrack') return dir;
    if (dirname(dir) === dir) throw new Error(`no shiptrack package.json above ${from}`);
  }
}

export const REPO = findRepo(import.meta.dirname);
