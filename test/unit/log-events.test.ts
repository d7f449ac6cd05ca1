// Every log event in src/ follows one grammar, `area.event` in lower case with words joined by
// `_` (e.g. `rest.rate_limited`), and every event logged at notice level or above is explained in
// README.md's "What the logs mean" table. The scanner reads the source text: any
// `<receiver>.error|warn|notice|info|debug(` call is a log call (src/ has no console calls), and
// its first argument must be a string literal, or `cond ? 'a' : 'b'` with two literals; anything
// else (a variable, a template with `${}`, a call) fails, so no event escapes the check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO } from '../helpers/repo.js';

const EVENT_RE = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*$/;
const LEVELS = ['error', 'warn', 'notice', 'info', 'debug', 'crit'] as const;
type Level = (typeof LEVELS)[number];
/** Levels whose events the README table must explain (sd-daemon priorities 0-5). */
const README_LEVELS: ReadonlySet<Level> = new Set(['crit', 'error', 'warn', 'notice']);
/** Development tools no unit runs (docs/fake-discord.md describes the fake): not in the operator's table. */
const NOT_DEPLOYED = ['src/fake-discord/', 'src/demo/'];

interface LogCall { file: string; line: number; level: Level; events: string[]; problem?: string }

/** Finds every log call in one file's text (checked on fixtures by the first test below). */
function scan(file: string, text: string): LogCall[] {
  // Drop comments that own their line (block comments and `//` lines): they quote calls as examples.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .split('\n').map((l) => (/^\s*\/\//.test(l) ? '' : l)).join('\n');
  const calls: LogCall[] = [];
  const lineOf = (i: number) => code.slice(0, i).split('\n').length;
  const callRe = /([\w$.]+(?:\([^()]*\))?)\s*\.\s*(error|warn|notice|info|debug|crit)\s*\(/g;
  for (const m of code.matchAll(callRe)) {
    if (m[1] === 'console') continue;
    const start = m.index + m[0].length;
    const arg = firstArgument(code, start);
    const call: LogCall = { file, line: lineOf(m.index), level: m[2] as Level, events: [] };
    const lit = literal(arg);
    const ternary = /^[\w$.!?()]+\s*\?\s*(\S.*?)\s*:\s*(\S.*)$/s.exec(arg);
    if (lit !== undefined) call.events.push(lit);
    else if (ternary && literal(ternary[1]!) !== undefined && literal(ternary[2]!) !== undefined) {
      call.events.push(literal(ternary[1]!)!, literal(ternary[2]!)!);
    } else call.problem = `event is not a string literal: ${arg || '(none)'}`;
    calls.push(call);
  }
  // A level picked at run time, or a logger method passed around, would slip past the scan above.
  const sneaky = /\b(?:log|logger)\s*(?:\[|\.\s*(?:error|warn|notice|info|debug|crit)\b(?!\s*\())/g;
  for (const m of code.matchAll(sneaky)) {
    calls.push({ file, line: lineOf(m.index), level: 'debug', events: [], problem: `log method not called directly: ${m[0]}` });
  }
  return calls;
}

function firstArgument(code: string, start: number): string {
  let depth = 0;
  let quote: string | undefined;
  for (let i = start; i < code.length; i++) {
    const c = code[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '\'' || c === '"' || c === '`') quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) { if (depth === 0) return code.slice(start, i).trim(); depth--; }
    else if (c === ',' && depth === 0) return code.slice(start, i).trim();
  }
  return code.slice(start).trim();
}

function literal(arg: string): string | undefined {
  const m = /^(['"])((?:(?!\1)[^\\])*)\1$/.exec(arg) ?? /^(`)([^`$\\]*)`$/.exec(arg);
  return m ? m[2] : undefined;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

function allCalls(): LogCall[] {
  // src/log.ts defines the API (its interface lists the methods); every other file uses it.
  return tsFiles(join(REPO, 'src'))
    .filter((p) => relative(REPO, p) !== join('src', 'log.ts'))
    .flatMap((p) => scan(relative(REPO, p), readFileSync(p, 'utf8')));
}

const where = (c: LogCall) => `${c.file}:${c.line}`;

test('the scanner finds literal, ternary and unreadable events', () => {
  const calls = scan('x.ts', [
    '// log.warn(\'in a comment\')',
    'this.log.warn(\'rest.retry\', { a: 1 });',
    'ctx.log.child({ a: 1 }).error("x.y");',
    'log.info(fresh ? \'digest.posting\' : \'digest.resuming\', {',
    '});',
    'log.notice(name, {});',
    'log.error(`area.${what}`);',
    'log[level](\'a.b\');',
    'const w = log.warn;',
    'console.error(\'not a log event\');',
  ].join('\n'));
  assert.deepEqual(calls.map((c) => [c.line, c.level, c.events, c.problem !== undefined]), [
    [2, 'warn', ['rest.retry'], false],
    [3, 'error', ['x.y'], false],
    [4, 'info', ['digest.posting', 'digest.resuming'], false],
    [6, 'notice', [], true],
    [7, 'error', [], true],
    [8, 'debug', [], true],
    [9, 'debug', [], true],
  ]);
});

test('every log call in src/ names its event with a string literal', () => {
  const calls = allCalls();
  assert.ok(calls.length > 100, `only ${calls.length} log calls found: the scanner is broken`);
  const bad = calls.filter((c) => c.problem).map((c) => `${where(c)}: ${c.problem}`);
  assert.deepEqual(bad, []);
});

test('every log event in src/ is `area.event` in lower snake case', () => {
  const bad = allCalls().flatMap((c) => c.events
    .filter((e) => !EVENT_RE.test(e))
    .map((e) => `${where(c)}: '${e}'`));
  assert.deepEqual(bad, [], `log events must match ${EVENT_RE}`);
});

test('the README log table explains every event logged at notice level or above', () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const section = /^### What the logs mean\n([\s\S]*?)(?=^#{1,3} )/m.exec(readme)?.[1];
  assert.ok(section, 'README.md has no "### What the logs mean" section');
  const missing = new Map<string, string>();
  for (const c of allCalls()) {
    if (!README_LEVELS.has(c.level) || NOT_DEPLOYED.some((d) => c.file.startsWith(d))) continue;
    for (const e of c.events) {
      const named = new RegExp(`(?<![\\w.])${e.replace(/\./g, '\\.')}(?![\\w.])`).test(section);
      if (!named && !missing.has(e)) missing.set(e, `${e} (${c.level}, ${where(c)})`);
    }
  }
  assert.deepEqual([...missing.values()], []);
});
