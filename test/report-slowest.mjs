// A node:test reporter used beside `spec` by test/run.mjs: after the run it prints the ten slowest
// test files with their wall time, and names every skipped test with its reason, so a slow or
// skipped test is visible the day it lands. It also records every file's wall time (merged into
// SHIPTRACK_TEST_DURATIONS, when set) for test/run.mjs to start the longest files first next time.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';

/** test/… .ts path of a test file, also when it ran compiled from .test-dist-<pid>/test/… .js. */
function sourcePath(file) {
  const rel = relative(process.cwd(), file ?? '');
  const m = /^\.test-dist-\d+\/(test\/.*)\.js$/.exec(rel);
  return m ? `${m[1]}.ts` : rel;
}

function record(files) {
  const path = process.env.SHIPTRACK_TEST_DURATIONS;
  if (!path || files.size === 0) return;
  let all = {};
  try { all = JSON.parse(readFileSync(path, 'utf8')); } catch { /* first run */ }
  for (const [file, ms] of files) all[file] = Math.round(ms);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify(all, null, 1)}\n`);
  } catch { /* a read-only checkout only loses the ordering hint */ }
}

export default async function* slowest(source) {
  const files = new Map();
  const skipped = [];
  for await (const event of source) {
    const d = event.data;
    if (event.type === 'test:complete' && d.file && d.name === d.file) files.set(sourcePath(d.file), d.details?.duration_ms ?? 0);
    if ((event.type === 'test:pass' || event.type === 'test:fail') && d.skip !== undefined && d.skip !== false) {
      skipped.push({ file: sourcePath(d.file), name: d.name, reason: typeof d.skip === 'string' ? d.skip : '' });
    }
  }
  record(files);
  const rows = [...files].sort((a, b) => b[1] - a[1]).slice(0, 10);
  if (rows.length) {
    yield '\n# slowest test files (wall time)\n';
    for (const [file, ms] of rows) yield `#   ${(ms / 1000).toFixed(1).padStart(6)} s  ${file}\n`;
  }
  for (const s of skipped) yield `# skipped: ${s.file}: ${s.name}${s.reason ? ` — ${s.reason}` : ''}\n`;
}
