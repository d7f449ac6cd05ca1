// A node:test reporter used beside `spec` by test/run.mjs: after the run it prints the ten slowest
// test files with their wall time, and names every skipped test with its reason, so a slow or
// skipped test is visible the day it lands.
import { relative } from 'node:path';

export default async function* slowest(source) {
  const files = new Map();
  const skipped = [];
  for await (const event of source) {
    const d = event.data;
    if (event.type === 'test:complete' && d.file && d.name === d.file) files.set(d.file, d.details?.duration_ms ?? 0);
    if ((event.type === 'test:pass' || event.type === 'test:fail') && d.skip !== undefined && d.skip !== false) {
      skipped.push({ file: d.file, name: d.name, reason: typeof d.skip === 'string' ? d.skip : '' });
    }
  }
  const rows = [...files].sort((a, b) => b[1] - a[1]).slice(0, 10);
  if (rows.length) {
    yield '\n# slowest test files (wall time)\n';
    for (const [file, ms] of rows) yield `#   ${(ms / 1000).toFixed(1).padStart(6)} s  ${relative(process.cwd(), file)}\n`;
  }
  for (const s of skipped) yield `# skipped: ${relative(process.cwd(), s.file ?? '')}: ${s.name}${s.reason ? ` — ${s.reason}` : ''}\n`;
}
