// Issue 13, "Nothing fails silently": user-controlled values (message content, nicknames, error
// text from a server) reached the journal raw, so an ANSI escape recoloured or rewrote the
// operator's terminal and a carriage return hid the start of the line. Every control character in
// a logged value is escaped, and an event stays on one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../src/log.js';

function capture() {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: 'debug', write: (l) => lines.push(l) }) };
}

test('ANSI escapes, CR, LF and BEL in a value come out escaped, on one line', () => {
  const { lines, log } = capture();
  log.info('launch.ignored', { content: 'a\x1b[31mred\x1b[0m\rfake.event x=1\nb\x07', n: 1 });
  assert.deepEqual(lines, ['<6>launch.ignored content="a\\u001b[31mred\\u001b[0m\\rfake.event x=1\\nb\\u0007" n=1']);
});

test('a control character forces quoting even without spaces; C1, DEL and bidi overrides are escaped too', () => {
  const { lines, log } = capture();
  log.warn('x.y', { a: 'one\ttwo', b: 'c1\u009bX\u007f', c: 'rtl\u202egnp.exe', d: 'plain' });
  assert.deepEqual(lines, ['<4>x.y a="one\\ttwo" b="c1\\u009bX\\u007f" c="rtl\\u202egnp.exe" d=plain']);
});

test('errors and objects are escaped the same way', () => {
  const { lines, log } = capture();
  log.error('a.b', { error: new Error('bad\x1b]0;title\x07\nnext'), o: { s: '\x1b[2J' } });
  assert.equal(lines.length, 1);
  assert.equal(lines[0], '<3>a.b error="bad\\u001b]0;title\\u0007\\nnext" o="{\\"s\\":\\"\\\\u001b[2J\\"}"');
  assert.doesNotMatch(lines[0]!, /[\u0000-\u001f\u007f-\u009f]/);
});
