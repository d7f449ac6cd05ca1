// No import cycles between the files of src/, type-only imports included: a type two modules
// share lives in a module both import (e.g. src/fake-discord/facade.ts), never in one of them.
// Imports are read from the source text: `import … from`, `export … from` and `import('…')`
// with a relative specifier.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO } from '../helpers/repo.js';


function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

function importsOf(file: string): string[] {
  const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specs = [
    ...code.matchAll(/^\s*(?:import|export)\s[^;'"]*?\sfrom\s*['"](\.[^'"]+)['"]/gm),
    ...code.matchAll(/^\s*import\s*['"](\.[^'"]+)['"]/gm),
    ...code.matchAll(/import\(\s*['"](\.[^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
  return specs.map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
}

test('src/ has no import cycles, type-only imports included', () => {
  const files = tsFiles(join(REPO, 'src'));
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((d) => files.includes(d))]));
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const d of graph.get(f)!) {
      if (state.get(d) === 'open') cycles.push([...stack.slice(stack.indexOf(d)), d].map((p) => relative(REPO, p)).join(' → '));
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of files) if (!state.has(f)) visit(f);
  assert.ok(graph.get(join(REPO, 'src/fake-discord/index.ts'))!.length > 5, 'the import scanner found too few imports');
  assert.deepEqual(cycles, []);
});
