// Owns knowing ShipTrack's own version: the nearest package.json named "shiptrack" above this
// file, so it works from src/ (tsx) and from dist/ (production) alike. Read once, then cached.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageVersion(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'shiptrack' && typeof pkg.version === 'string') return (cached = pkg.version);
    } catch { /* not here; look one level up */ }
    dir = dirname(dir);
  }
  return (cached = 'unknown');
}
