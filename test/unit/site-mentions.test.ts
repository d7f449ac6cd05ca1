import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mentionedUsers, plainMentions } from '../../src/site/mentions.js';

const names = new Map([['110000000000000001', 'Ada'], ['110000000000000002', '<@110000000000000001>']]);

test('site mentions: members by their stored name, unknown ones as "a member", the other tokens in plain form', () => {
  assert.equal(plainMentions('thanks <@110000000000000001> and <@!110000000000000003>!', names), 'thanks @Ada and @a member!');
  assert.equal(plainMentions('<@&130000000000000001> in <#121000000000000003>', names), '@role in #channel');
  assert.equal(plainMentions('party <:party:130000000000000009> <a:spin:130000000000000010>', names), 'party :party: :spin:');
  assert.equal(plainMentions('at <t:1764583200> or <t:1764583200:R>', names), 'at 2025-12-01 10:00 UTC or 2025-12-01 10:00 UTC');
  assert.equal(plainMentions('try </ship:132000000000000000> or </site visibility:132000000000000001>', names), 'try /ship or /site visibility');
});

test('site mentions: one pass (a name shaped like a token stays as it is); lookalikes are left alone', () => {
  assert.equal(plainMentions('hi <@110000000000000002>', names), 'hi @<@110000000000000001>');
  for (const text of ['<@123>', '<@ 110000000000000001>', '<@110000000000000001', '<#abc>', '<t:soon>', '@everyone', '<https://x.example>']) {
    assert.equal(plainMentions(text, names), text);
  }
});

test('site mentions: the member ids mentioned, each once', () => {
  assert.deepEqual(mentionedUsers(['<@110000000000000001> <@!110000000000000001>', '<@&130000000000000001> <@110000000000000002>', 'none']),
    ['110000000000000001', '110000000000000002']);
});
