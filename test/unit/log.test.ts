import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, redact, type LogLevel } from '../../src/log.js';

function capture(level: LogLevel = 'debug', secrets: string[] = []) {
  const lines: string[] = [];
  return { lines, log: createLogger({ level, secrets, write: (l) => lines.push(l) }) };
}

test('one line per event with the sd-daemon priority prefix and key=value fields', () => {
  const { lines, log } = capture();
  log.error('a.b', { n: 1 }); log.warn('w'); log.notice('n'); log.info('i', { s: 'two words', e: '' }); log.debug('d', { o: { x: 1 }, u: undefined });
  assert.deepEqual(lines, ['<3>a.b n=1', '<4>w', '<5>n', '<6>i s="two words" e=""', '<7>d o="{\\"x\\":1}"']);
});

test('level threshold drops lower priorities', () => {
  const { lines, log } = capture('warn');
  log.info('x'); log.debug('y'); log.warn('z'); log.error('e');
  assert.deepEqual(lines, ['<4>z', '<3>e']);
});

test('newlines in values never split an event across lines', () => {
  const { lines, log } = capture();
  log.info('x', { err: new Error('line1\nline2') });
  assert.equal(lines.length, 1);
  assert.ok(!lines[0]!.includes('\n'));
});

test('redacts bot tokens, interaction tokens, webhook paths, DB passwords and configured secrets', () => {
  const bot = 'MTAxMjM0NTY3ODkwMTIzNDU2.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB';
  const itok = 'aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OTpBQkNERUZHSElKS0xNTk9QUVJTVFVW';
  const cases: [string, string][] = [
    [`token ${bot} leaked`, 'token [redacted] leaked'],
    [`Authorization: Bot ${bot}`, 'Authorization: Bot [redacted]'],
    [`PATCH /webhooks/123456789012345678/${itok}/messages/@original`, 'PATCH /webhooks/123456789012345678/[redacted]/messages/@original'],
    [`cb /interactions/123456789012345678/${itok}/callback`, 'cb /interactions/123456789012345678/[redacted]/callback'],
    [`raw ${itok}`, 'raw [redacted]'],
    ['postgres://ship:hunter2@db:5432/x', 'postgres://ship:[redacted]@db:5432/x'],
    ['password=hunter2 next', 'password=[redacted] next'],
  ];
  for (const [input, want] of cases) assert.equal(redact(input), want);
  assert.equal(redact('the pw is pa55word!', ['pa55word!']), 'the pw is [redacted]');
  const { lines, log } = capture('info', ['pa55word!']);
  log.error('db.fail', { url: 'postgres://u:pa55word!@h/db', detail: `tok=${bot}` });
  assert.ok(!lines[0]!.includes('pa55word!'));
  assert.ok(!lines[0]!.includes(bot));
});

test('a line with nothing secret-shaped comes back as it is; the base fields come first and a line may override one in place', () => {
  const plain = '<6>interaction.answered proc=web interaction=1577268349061038178 command=ship ms=3 type=4';
  assert.equal(redact(plain, ['hunter2-long']), plain);
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l) }, { proc: 'web', mod: 'rest' });
  log.info('a.b', { x: 1, y: undefined });
  log.info('a.c', { mod: 'db', z: 'two words' });
  assert.deepEqual(lines, ['<6>a.b proc=web mod=rest x=1', '<6>a.c proc=web mod=db z="two words"']);
});
