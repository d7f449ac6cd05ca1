// The one display-name rule (src/discord/display-name.ts): member nick → user global_name →
// username → id → 'someone', skipping anything that is not a non-blank string.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayName } from '../../src/discord/display-name.js';

const user = { id: '1100000000000000004', username: 'ada', global_name: 'Ada L.' };

const cases: [name: string, u: Parameters<typeof displayName>[0], m: Parameters<typeof displayName>[1], expected: string][] = [
  ['nick wins', user, { nick: 'Countess' }, 'Countess'],
  ['no member: global_name', user, undefined, 'Ada L.'],
  ['null nick: global_name', user, { nick: null }, 'Ada L.'],
  ['blank nick: global_name', user, { nick: '  ' }, 'Ada L.'],
  ['empty nick: global_name', user, { nick: '' }, 'Ada L.'],
  ['null global_name: username', { ...user, global_name: null }, { nick: null }, 'ada'],
  ['blank global_name: username', { ...user, global_name: ' \t' }, {}, 'ada'],
  ['only an id', { id: '1100000000000000004' }, {}, '1100000000000000004'],
  ['blank everything: the id', { id: '1100000000000000004', username: ' ', global_name: '' }, { nick: ' ' }, '1100000000000000004'],
  ['no user at all', undefined, undefined, 'someone'],
  ['a nick even without a user', undefined, { nick: 'Nick' }, 'Nick'],
  ['non-strings are ignored (external JSON)', { id: '1100000000000000004', username: 5 as unknown as string }, { nick: {} as unknown as string }, '1100000000000000004'],
  ['kept as is (escaping is postableText\'s job)', { id: '1', username: '*ada* @everyone' }, undefined, '*ada* @everyone'],
];

for (const [name, u, m, expected] of cases) {
  test(`displayName: ${name}`, () => assert.equal(displayName(u, m), expected));
}
