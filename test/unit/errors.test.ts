// Every ShipTrackErrorCode is used: each appears as a string literal in some other file of src/
// (where it is thrown or mapped), so the union lists no code nothing ever throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ShipTrackError, describeError } from '../../src/errors.js';
import { REPO } from '../helpers/repo.js';


function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

test('every ShipTrackErrorCode is used somewhere in src/', () => {
  const errorsTs = join(REPO, 'src', 'errors.ts');
  const union = /export type ShipTrackErrorCode =([^;]*);/.exec(readFileSync(errorsTs, 'utf8'))?.[1];
  assert.ok(union, 'ShipTrackErrorCode not found in src/errors.ts');
  const codes = [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]!);
  assert.ok(codes.length > 10, `only ${codes.length} codes found: the scanner is broken`);
  const rest = tsFiles(join(REPO, 'src')).filter((p) => p !== errorsTs).map((p) => readFileSync(p, 'utf8')).join('\n');
  assert.deepEqual(codes.filter((c) => !rest.includes(`'${c}'`)), [], 'codes nothing throws');
});

test('describeError prefixes the code', () => {
  assert.equal(describeError(new ShipTrackError('CONFIG_INVALID', 'x is missing')), 'CONFIG_INVALID: x is missing');
  assert.equal(describeError('plain'), 'plain');
});
