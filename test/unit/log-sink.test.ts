// The default log destination: info lines to stdout gathered over one event-loop turn (one write
// for many lines), a warning written at once to stderr after the pending lines, and nothing lost
// when the process exits right after logging. Checked in a plain `node` child on the compiled tree,
// with stdout's write counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO, testDist } from '../helpers/bin.js';

const CHILD = `
const { createLogger } = await import(process.argv[1]);
const writes = [];
const original = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => { writes.push(String(chunk)); return original(chunk, ...rest); };
const log = createLogger({}, { proc: 'test' });
for (let i = 0; i < 50; i++) log.info('demo.line', { i });
log.debug('demo.hidden');
await new Promise((r) => setImmediate(r));
process.stderr.write('writes after one turn: ' + writes.length + '\\n');
log.info('demo.before_warning');
log.warn('demo.warning', { n: 1 });
process.stderr.write('writes after the warning: ' + writes.length + '\\n');
log.info('demo.last_words');
process.exit(3);
`;

test('info lines leave in one write per turn; a warning first writes what is pending; exit loses nothing', () => {
  const log = pathToFileURL(join(testDist(), 'log.js')).href;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD, log], { cwd: REPO, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 3, r.stderr);
  const lines = r.stdout.split('\n').filter(Boolean);
  assert.deepEqual(lines, [
    ...Array.from({ length: 50 }, (_, i) => `<6>demo.line proc=test i=${i}`),
    '<6>demo.before_warning proc=test',
    '<6>demo.last_words proc=test',
  ]);
  assert.deepEqual(r.stderr.split('\n').filter(Boolean), [
    'writes after one turn: 1',
    '<4>demo.warning proc=test n=1',
    'writes after the warning: 2',
  ]);
});
