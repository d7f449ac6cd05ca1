// The import rules between src/ folders, checked on the source text of every file.
//
//  1. src/discord/ is an adapter to Discord, both ways: it imports only itself, npm packages and
//     node: built-ins, and the shared infrastructure below. Never db/, launch/, digest/, worker/,
//     commands/, config.ts, bin/ or any other application code. The application plugs into it
//     (command handlers are passed to createRouter; the gateway's SessionStore and StoredSession
//     are declared in src/discord/gateway/ and implemented by src/db/gateway-state.ts + the
//     worker). The application may import discord/, never the reverse.
//  2. src/launch/ is the domain: it imports only itself and the shared infrastructure. In
//     particular not config.ts: defaults (launch words, minimum length) live in the domain and
//     config.ts reads them from there.
//  3. Shared infrastructure is the small leaf modules at the top of src/ that know nothing about
//     ShipTrack's rules or storage: clock.ts, log.ts, errors.ts, text.ts (pure text helpers),
//     version.ts (reads package.json), serial-queue.ts, timeout.ts and backoff.ts (the one serial
//     job queue, timeout race and retry delay). They import only node: built-ins, npm packages and
//     each other, so allowing them never lets application code in through the back door.
//
// "Imports" are static `import … from`, side-effect `import '…'`, `export … from`, dynamic
// `import('…')` and `typeof import('…')` (type-only imports count too), read from the text with
// comments removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO } from '../helpers/repo.js';

const SRC = join(REPO, 'src');

const INFRASTRUCTURE = ['clock.ts', 'log.ts', 'errors.ts', 'text.ts', 'version.ts', 'serial-queue.ts', 'timeout.ts', 'backoff.ts'];

interface Layer {
  readonly name: string;
  /** Files checked, relative to src/: a folder ends with '/'. */
  readonly files: string;
  /** What those files may import, relative to src/ (folders end with '/'). */
  readonly mayImport: readonly string[];
}

const LAYERS: readonly Layer[] = [
  { name: 'discord/ is a pure adapter', files: 'discord/', mayImport: ['discord/', ...INFRASTRUCTURE] },
  { name: 'the domain (launch/) does not depend on configuration or adapters', files: 'launch/', mayImport: ['launch/', ...INFRASTRUCTURE] },
  ...INFRASTRUCTURE.map((f) => ({ name: `${f} is leaf infrastructure`, files: f, mayImport: INFRASTRUCTURE })),
];

/** Source text with comments blanked; string and template literals are kept (specifiers live there). */
export function stripComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c && (c === '`' || text[j] !== '\n')) j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Every module specifier `text` imports or re-exports, with its 1-based line. */
export function importsOf(text: string): { specifier: string; line: number }[] {
  const code = stripComments(text);
  const found: { specifier: string; at: number }[] = [];
  const patterns = [
    // import x from '…', import type { a, b } from '…', import * as x from '…' (may span lines)
    /(?:^|[;\n])\s*import\s+(?!\()[^;'"`]*?\bfrom\s*(['"])([^'"\n]+)\1/g,
    // import '…' (side effects only)
    /(?:^|[;\n])\s*import\s*(['"])([^'"\n]+)\1/g,
    // export { a } from '…', export * from '…', export type { T } from '…'
    /(?:^|[;\n])\s*export\s+(?:type\s+)?(?:\*|\{)[^;'"`]*?\bfrom\s*(['"])([^'"\n]+)\1/g,
    // import('…') and typeof import('…')
    /\bimport\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g,
  ];
  for (const re of patterns) {
    for (const m of code.matchAll(re)) found.push({ specifier: m[2]!, at: m.index + m[0].lastIndexOf(m[2]!) });
  }
  return found
    .sort((a, b) => a.at - b.at)
    .map((f) => ({ specifier: f.specifier, line: code.slice(0, f.at).split('\n').length }));
}

function listTs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return listTs(p);
    return e.isFile() && e.name.endsWith('.ts') ? [p] : [];
  });
}

function inside(rel: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith('/') ? rel.startsWith(p) : rel === p));
}

/** `file → import` lines for every import of `layer`'s files that leaves what it may import. */
export function violations(layer: Layer, srcDir = SRC): string[] {
  const files = listTs(srcDir).filter((f) => inside(relative(srcDir, f), [layer.files]));
  assert.ok(files.length > 0, `${layer.name}: no files matched src/${layer.files}`);
  const out: string[] = [];
  for (const file of files.sort()) {
    for (const { specifier, line } of importsOf(readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) continue; // node: built-ins and npm packages
      const target = relative(srcDir, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts');
      if (target.startsWith('..') || !inside(target, layer.mayImport)) {
        out.push(`${relative(REPO, file)}:${line} → ${specifier} (src/${target})`);
      }
    }
  }
  return out;
}

test('the import scanner finds static, re-export, side-effect and dynamic imports, and skips comments', () => {
  const sample = [
    "import { a,",
    "  b } from '../one.js';",
    "import type { T } from \"../two.js\";",
    "import * as three from './three.js'; import './four.js';",
    "export { c } from '../five.js';",
    "export type { U } from '../six.js';",
    "export * from './seven.js';",
    "// import { gone } from '../commented.js';",
    "/* export * from '../also-commented.js'; */",
    "const url = 'https://example.com/x'; // not a comment start inside a string",
    "type F = typeof import('node-fetch').default;",
    "const m = await import( '../eight.js' );",
    "export function notAnImport(from: string) { return from; }",
  ].join('\n');
  assert.deepEqual(importsOf(sample), [
    { specifier: '../one.js', line: 2 },
    { specifier: '../two.js', line: 3 },
    { specifier: './three.js', line: 4 },
    { specifier: './four.js', line: 4 },
    { specifier: '../five.js', line: 5 },
    { specifier: '../six.js', line: 6 },
    { specifier: './seven.js', line: 7 },
    { specifier: 'node-fetch', line: 11 },
    { specifier: '../eight.js', line: 12 },
  ]);
});

for (const layer of LAYERS) {
  test(`layers: ${layer.name} (may import src/${layer.mayImport.join(', src/')})`, () => {
    const bad = violations(layer);
    if (bad.length > 0) console.log(`# ${layer.name}: imports that break the rule\n${bad.map((b) => `#   ${b}`).join('\n')}`);
    assert.deepEqual(bad, [], `${layer.name}; offending file → import:\n${bad.join('\n')}`);
  });
}
