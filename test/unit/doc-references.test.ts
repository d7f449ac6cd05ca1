// Every `§` reference in src/, test/ and systemd/ must point at a section that exists in a
// document under docs/, so a citation never dangles when a doc is edited or renamed.
//
// Resolution rule, applied line by line (this file is the only one not scanned: its comments
// and fixtures are examples):
//  1. A reference is `§` followed by a section number: digits and dots, e.g. `§4`, `§4.21`.
//  2. The document is named right before the `§`:
//     - `docs/<name>.md §N` (the canonical form), or
//     - `<name> §N` where docs/<name>.md exists (the short form test names use: `gateway §4.21`), or
//     - `RFC <number> §N`: a public RFC, accepted without further checks.
//  3. A `§` that follows another reference on the same line, separated only by `,`, `;` or `and`,
//     cites the same document: `docs/gateway.md §3.6, §5.2`.
//  4. Any other `§` is bare. It resolves against the one docs/*.md file the file's header comment
//     (its leading comment lines) names; if the header names none, or more than one, it is an error.
//  5. `§N` exists when the document has a markdown heading numbered N (`## 4. …`, `### 4.21 …`;
//     headings inside ``` fences do not count). `§N.M` with no heading N.M also exists when the
//     section headed N contains a numbered list item `M.` at the start of a line: the numbered
//     "what the tests check" lists, where gateway §4.21 is item 21 of §4.
//  6. `§N items a, b–c` and `§N step a` also require those numbered items inside section N.
//  7. Shorthand such as `§4.1/4` is rejected (write `§4.1, §4.4`); every `docs/<name>.md` named
//     anywhere must exist; a docs file cited without `§` (`docs/x.md section 2`, `x.md 1.2`) and a
//     `<name>.md §N` without the `docs/` prefix are errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { REPO } from '../helpers/repo.js';

const SCANNED_DIRS = ['src', 'test', 'systemd'];
const SELF = join(REPO, 'test', 'unit', 'doc-references.test.ts');

interface Heading { num: string; level: number; line: number }
interface Doc { lines: string[]; headings: Heading[] }

/** Headings and lines of a markdown document; fenced code blocks are blanked out. */
export function parseDoc(text: string): Doc {
  const lines = text.split('\n');
  const headings: Heading[] = [];
  let fenced = false;
  const visible = lines.map((line, i) => {
    if (/^\s*(```|~~~)/.test(line)) { fenced = !fenced; return ''; }
    if (fenced) return '';
    const h = /^(#{1,6})\s+(\d+(?:\.\d+)*)\.?(?:\s|$)/.exec(line);
    if (h) headings.push({ num: h[2]!, level: h[1]!.length, line: i });
    return line;
  });
  return { lines: visible, headings };
}

function sectionRange(doc: Doc, num: string): [number, number] | undefined {
  const idx = doc.headings.findIndex((h) => h.num === num);
  if (idx < 0) return undefined;
  const h = doc.headings[idx]!;
  const next = doc.headings.slice(idx + 1).find((o) => o.level <= h.level);
  return [h.line, next ? next.line : doc.lines.length];
}

function hasItem(doc: Doc, section: string, item: number): boolean {
  const range = sectionRange(doc, section);
  if (!range) return false;
  for (let i = range[0] + 1; i < range[1]; i++) {
    const m = /^(\d+)\.\s/.exec(doc.lines[i]!);
    if (m && Number(m[1]) === item) return true;
  }
  return false;
}

/** Rule 5: a heading numbered `num`, or item M of the section headed N for `num` = N.M. */
export function hasSection(doc: Doc, num: string): boolean {
  if (sectionRange(doc, num)) return true;
  const dot = num.lastIndexOf('.');
  if (dot < 0) return false;
  return hasItem(doc, num.slice(0, dot), Number(num.slice(dot + 1)));
}

function expandItems(list: string): number[] {
  const out: number[] = [];
  for (const part of list.split(/\s*(?:,|\band\b)\s*/)) {
    const r = /^(\d+)(?:\s*[-–]\s*(\d+))?$/.exec(part.trim());
    if (!r) continue;
    const from = Number(r[1]);
    const to = r[2] ? Number(r[2]) : from;
    for (let n = from; n <= to; n++) out.push(n);
  }
  return out;
}

export interface SourceFile { path: string; text: string }
export type DocLoader = (name: string) => Doc | undefined;

/** The docs/<name>.md files named in the leading comment lines (after an optional shebang). */
export function headerDocs(text: string): string[] {
  const names = new Set<string>();
  const lines = text.split('\n');
  let i = lines[0]?.startsWith('#!') ? 1 : 0;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (!/^\s*(\/\/|#|\/\*|\*)/.test(line)) break;
    for (const m of line.matchAll(/docs\/([\w.-]+)\.md/g)) names.add(m[1]!);
  }
  return [...names];
}

/** Every problem with the references in one file, as `path:line: message`. */
export function checkFile(file: SourceFile, loadDoc: DocLoader): string[] {
  const problems: string[] = [];
  const header = headerDocs(file.text);
  const docExists = (name: string) => loadDoc(name) !== undefined;
  file.text.split('\n').forEach((line, i) => {
    const at = `${file.path}:${i + 1}`;
    for (const m of line.matchAll(/docs\/([\w.-]+\.md)/g)) {
      if (!docExists(m[1]!.slice(0, -3))) problems.push(`${at}: docs/${m[1]} does not exist`);
    }
    if (/\b[\w-]+\.md,?\s+(?:sections?\s+)?\d/i.test(line)) problems.push(`${at}: cite a docs section with §, e.g. docs/<file>.md §2.3`);
    let prev: { doc: string | 'RFC'; end: number } | undefined;
    for (const m of line.matchAll(/§/g)) {
      const start = m.index!;
      const rest = line.slice(start + 1);
      const num = /^(\d+(?:\.\d+)*)/.exec(rest)?.[1];
      if (!num) { problems.push(`${at}: § without a section number`); continue; }
      let end = start + 1 + num.length;
      if (/^\/\d/.test(line.slice(end))) problems.push(`${at}: §${num}/… shorthand: list each section as §N, §M`);
      const qualifier = /^\s+(?:items?|steps?)\s+(\d+(?:\s*[-–]\s*\d+)?(?:\s*(?:,|\band\b)\s*\d+(?:\s*[-–]\s*\d+)?)*)/.exec(line.slice(end));
      if (qualifier) end += qualifier[0].length;
      const before = line.slice(prev?.end ?? 0, start);
      let doc: string | 'RFC' | undefined;
      const explicit = /docs\/([\w.-]+)\.md\s*$/.exec(before);
      const withoutDocs = /(?:^|[^\w/.-])([\w-]+)\.md\s*$/.exec(before);
      const short = /(?:^|[^\w/.-])([a-z][\w-]*)\s+$/i.exec(before);
      if (explicit) doc = explicit[1]!;
      else if (withoutDocs) { problems.push(`${at}: write docs/${withoutDocs[1]}.md §${num}`); prev = { doc: withoutDocs[1]!, end }; continue; }
      else if (/\bRFC\s*\d+\s*$/i.test(before)) doc = 'RFC';
      else if (short && docExists(short[1]!)) doc = short[1]!;
      else if (prev && /^\s*(?:[,;]|\band\b)?\s*$/.test(before)) doc = prev.doc;
      else if (header.length === 1) doc = header[0]!;
      else {
        problems.push(`${at}: bare §${num}: name the document (docs/<name>.md §${num}) or name exactly one docs file in the header comment${header.length > 1 ? ` (it names ${header.join(', ')})` : ''}`);
        continue;
      }
      prev = { doc, end };
      if (doc === 'RFC') continue;
      const d = loadDoc(doc);
      if (!d) { problems.push(`${at}: docs/${doc}.md does not exist (cited as §${num})`); continue; }
      if (!hasSection(d, num)) { problems.push(`${at}: docs/${doc}.md has no §${num} (no heading numbered ${num} and no item of that number)`); continue; }
      if (qualifier) {
        for (const item of expandItems(qualifier[1]!)) {
          if (!hasItem(d, num, item)) problems.push(`${at}: docs/${doc}.md §${num} has no numbered item ${item}`);
        }
      }
    }
  });
  return problems;
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(path);
  }
}

const docCache = new Map<string, Doc | undefined>();
function repoDoc(name: string): Doc | undefined {
  if (!docCache.has(name)) {
    const path = join(REPO, 'docs', `${name}.md`);
    docCache.set(name, existsSync(path) ? parseDoc(readFileSync(path, 'utf8')) : undefined);
  }
  return docCache.get(name);
}

test('every § reference in src/, test/ and systemd/ resolves to a section of a docs/*.md file', () => {
  const files: string[] = [];
  for (const d of SCANNED_DIRS) walk(join(REPO, d), files);
  let references = 0;
  const problems: string[] = [];
  for (const path of files) {
    if (path === SELF) continue;
    const text = readFileSync(path, 'utf8');
    if (text.includes('\0')) continue; // binary
    references += (text.match(/§/g) ?? []).length;
    problems.push(...checkFile({ path: relative(REPO, path), text }, repoDoc));
  }
  assert.ok(files.length > 50, `scanned only ${files.length} files`);
  assert.ok(references > 0, 'no § references found at all: is the scan looking in the right place?');
  assert.deepEqual(problems, [], `${problems.length} unresolved reference(s):\n${problems.join('\n')}`);
});

// The checker itself, on small fixtures. The fixture documents' names are interpolated so that
// repository-wide greps for cited documents do not take these made-up citations for real ones.
const GW = 'gw';
const GONE = 'gone';
const FIXTURE_DOC = parseDoc([
  '# Title', '',
  '## 1. Connecting', '### 1.3 Heartbeats', 'text', '',
  '## 4. What the tests check', '1. first', '2. second', '21. twenty-first', '',
  '```sh', '## 9. not a heading', '```',
  '## 5. Payloads', '### 5.2 Updates',
].join('\n'));
const fixtureLoader: DocLoader = (name) => (name === GW ? FIXTURE_DOC : undefined);
const check = (text: string, path = 'src/x.ts') => checkFile({ path, text }, fixtureLoader);

test('resolver: headings, numbered items and item lists', () => {
  assert.deepEqual(check(`// see docs/${GW}.md §1.3 and docs/${GW}.md §5.2, §4.21\n`), []);
  assert.deepEqual(check("test('gw §4.1, §4.2: …')\n"), []);
  assert.deepEqual(check(`// docs/${GW}.md §4 items 1–2, 21\n`), []);
  assert.deepEqual(check('// RFC 6455 §7.4.1 for 1000-1015\n'), []);
  assert.equal(check(`// docs/${GW}.md §9\n`).length, 1, 'a heading inside a code fence does not count');
  assert.match(check(`// docs/${GW}.md §4.3\n`)[0]!, /has no §4\.3/);
  assert.match(check(`// docs/${GW}.md §4 items 1–3\n`)[0]!, /no numbered item 3/);
  assert.match(check(`// docs/${GONE}.md §1\n`)[0]!, /docs\/gone\.md does not exist/);
});

test('resolver: bare § needs exactly one docs file in the header comment', () => {
  assert.deepEqual(check(`// Header: tests for docs/${GW}.md.\nimport x;\ntest('§4.21: …')\n`), []);
  assert.match(check("// no doc named here\ntest('§4.21: …')\n")[0]!, /bare §4\.21/);
  assert.match(check(`import x; // docs/${GW}.md\ntest('§4.21: …')\n`)[0]!, /bare §4\.21/, 'a mention below the header does not count');
  assert.match(check(`#!/bin/sh\n# docs/${GW}.md and docs/other.md\n# §1\n`).at(-1)!, /names gw, other/);
});

test('resolver: malformed citations are reported', () => {
  assert.match(check(`// ${GW}.md §1.3\n`)[0]!, /write docs\/gw\.md §1\.3/);
  assert.match(check(`// docs/${GW}.md §4.1/2\n`)[0]!, /shorthand/);
  assert.match(check(`# sandboxing (docs/${GW}.md section 1.3)\n`)[0]!, /cite a docs section with §/);
  assert.match(check(`// docs/${GW}.md 1.3\n`)[0]!, /cite a docs section with §/);
  assert.match(check('// § alone\n')[0]!, /without a section number/);
  assert.equal(basename(SELF), 'doc-references.test.ts');
});
