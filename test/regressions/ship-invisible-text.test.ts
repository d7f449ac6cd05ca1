// Regression (issue 13, "Nothing fails silently"): `/ship` with a product of only invisible
// characters (50 zero-width spaces) was publicly confirmed and stored as a launch, because the
// 2-character minimum counted code points, and U+200B is neither whitespace nor a control
// character. The minimum now counts visible characters: format characters (Cf), default-ignorable
// code points (Hangul fillers, variation selectors), whitespace and marks with no base do not count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../src/clock.js';
import { shipCommand } from '../../src/commands/ship.js';
import type { Queryable } from '../../src/db/pool.js';
import { silentLogger } from '../../src/log.js';
import { visibleLength } from '../../src/text.js';

const TOO_SHORT = { content: 'Tell me what you shipped: `/ship product:` followed by at least 2 characters. Nothing was saved.', allowed_mentions: { parse: [] }, flags: 64 };

function interaction(product: string) {
  const user = { id: '1100000000000000004', username: 'maker', global_name: 'Maker' };
  return {
    id: '1311111111111111111', application_id: '1300000000000000001', type: 2, token: 'tok',
    guild_id: '1200000000000000002', channel_id: '1210000000000000003', member: { user, nick: null },
    data: { name: 'ship', options: [{ name: 'product', type: 3, value: product }] },
  };
}

/** Records every query; INSERTs "create" row 7. */
function recordingDb() {
  const queries: string[] = [];
  const db = { async query(text: string) { queries.push(text); return { rows: /^\s*INSERT/i.test(text) ? [{ id: '7' }] : [], rowCount: 1 }; } } as unknown as Queryable;
  return { db, queries };
}

const INVISIBLE: Record<string, string> = {
  '50 zero-width spaces': '\u200b'.repeat(50),
  'zero-width joiners, non-joiners, word joiners and BOMs': '\u200d\u200c\u2060\ufeff'.repeat(10),
  'soft hyphens and bidi marks': '\u00ad\u200e\u200f'.repeat(10),
  'combining marks with no base': '\u0301\u0308\u0327'.repeat(10),
  'Hangul fillers': '\u3164\u115f\u1160\uffa0'.repeat(5),
  'variation selectors and a combining grapheme joiner': '\ufe0f\u034f\u{e0101}'.repeat(5),
  'braille blanks and ideographic spaces': '\u2800\u3000'.repeat(10),
  'one letter padded with invisibles': '\u200b'.repeat(20) + 'x' + '\u200b\u0301'.repeat(20),
};

for (const [name, product] of Object.entries(INVISIBLE)) {
  test(`/ship of ${name} gets the ephemeral too-short answer and touches no table`, async () => {
    const { db, queries } = recordingDb();
    const answer = await shipCommand.handle(interaction(product) as never, { db, clock: systemClock, log: silentLogger });
    assert.deepEqual(answer, TOO_SHORT);
    assert.deepEqual(queries, []);
  });
}

test('visible text around invisibles still counts, and an emoji sequence is confirmed', async () => {
  const { db, queries } = recordingDb();
  const answer = await shipCommand.handle(interaction('\u200bv2\u200b'), { db, clock: systemClock, log: silentLogger } as never);
  assert.equal(answer.flags, undefined);
  assert.equal(queries.length, 1);
  assert.equal(visibleLength('\u200b'.repeat(50)), 0);
  assert.equal(visibleLength('ab'), 2);
  assert.equal(visibleLength('e\u0301'), 1, 'a combining mark with its base is one character');
  assert.equal(visibleLength('👩\u200d👩\u200d👧'), 3, 'ZWJ does not count; the emoji do');
  assert.equal(visibleLength('🇫🇷 ok'), 4);
});
