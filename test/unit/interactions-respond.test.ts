// respond.ts, the quarter helper and the registered command JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitLines, message } from '../../src/discord/interactions/respond.js';
import { quarterOf } from '../../src/commands/leaderboard.js';
import { commandDefinitions } from '../../src/commands/definitions.js';
import { shipConfirmation } from '../../src/commands/ship.js';

test('fitLines keeps whole lines within the limit and counts the rest', () => {
  const lines = Array.from({ length: 10 }, (_, i) => `line ${i} ${'x'.repeat(10)}`);
  assert.equal(fitLines('H', lines.slice(0, 2), (n) => `+${n}`), `H\n${lines[0]}\n${lines[1]}`);
  const out = fitLines('H', lines, (n) => `+${n}`, { max: 60 });
  assert.ok(out.length <= 60);
  assert.equal(out, `H\n${lines[0]}\n${lines[1]}\n${lines[2]}\n+7`);
  assert.equal(fitLines('H', lines.slice(0, 1), (n) => `+${n}`, { hidden: 4 }), `H\n${lines[0]}\n+4`);
  for (let max = 5; max < 200; max += 7) assert.ok(fitLines('Header', lines, (n) => `…and ${n} more`, { max }).length <= max, `max ${max}`);
});

test('message() always carries allowed_mentions {parse: []} and stays within 2000', () => {
  assert.deepEqual(message('hi'), { content: 'hi', allowed_mentions: { parse: [] } });
  assert.deepEqual(message('hi', { ephemeral: true }), { content: 'hi', allowed_mentions: { parse: [] }, flags: 64 });
  assert.equal(message('x'.repeat(2500)).content.length, 2000);
});

test('quarterOf: UTC calendar quarters, boundaries included at the start', () => {
  assert.deepEqual(quarterOf(new Date('2026-11-23T12:00:00Z')), { start: new Date('2026-10-01T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z'), label: 'Q4 2026' });
  assert.equal(quarterOf(new Date('2026-01-01T00:00:00Z')).label, 'Q1 2026');
  assert.equal(quarterOf(new Date('2026-03-31T23:59:59.999Z')).label, 'Q1 2026');
  assert.equal(quarterOf(new Date('2026-04-01T00:00:00Z')).label, 'Q2 2026');
});

test('command definitions equal docs/interactions.md §3.2 and serialise to exactly the registered JSON', () => {
  const everyone = { default_member_permissions: null, integration_types: [0], contexts: [0] };
  assert.deepEqual(commandDefinitions(), [
    { name: 'ship', type: 1, description: 'Log a product launch',
      options: [{ type: 3, name: 'product', description: 'What did you ship? (plain text)', required: true, min_length: 2, max_length: 100 }], ...everyone },
    { name: 'unship', type: 1, description: 'Remove one of your launches',
      options: [{ type: 3, name: 'launch', description: 'Which launch (start typing to search yours)', required: true, autocomplete: true }], ...everyone },
    { name: 'profile', type: 1, description: "Show a maker's launches",
      options: [{ type: 6, name: 'user', description: 'Whose profile (defaults to you)', required: false }], ...everyone },
    { name: 'leaderboard', type: 1, description: 'Top shippers in this server',
      options: [{ type: 3, name: 'period', description: 'Which period (default: this quarter)', required: false, choices: [
        { name: 'this week', value: 'week' }, { name: 'this month', value: 'month' }, { name: 'this quarter', value: 'quarter' },
        { name: 'this year', value: 'year' }, { name: 'all time', value: 'all' }] }], ...everyone },
    { name: 'site', type: 1, description: 'Hide yourself from the public launch log, or show yourself again',
      options: [{ type: 3, name: 'visibility', description: 'hide me: the site names you "a member"; show me: your name again', required: true, choices: [
        { name: 'hide me', value: 'hide' }, { name: 'show me', value: 'show' }] }], ...everyone },
    { name: 'Log as launch', type: 3, description: '', ...everyone },
    { name: 'Not a launch', type: 3, description: '', ...everyone },
  ]);
  // The exact bytes register-commands PUTs (the REST client sends JSON.stringify of this array):
  // key order included, so re-registering an unchanged set sends an identical body.
  const tail = '"default_member_permissions":null,"integration_types":[0],"contexts":[0]}';
  assert.equal(JSON.stringify(commandDefinitions()),
    '[{"name":"ship","type":1,"description":"Log a product launch",' +
      '"options":[{"type":3,"name":"product","description":"What did you ship? (plain text)","required":true,"min_length":2,"max_length":100}],' + tail + ',' +
    '{"name":"unship","type":1,"description":"Remove one of your launches",' +
      '"options":[{"type":3,"name":"launch","description":"Which launch (start typing to search yours)","required":true,"autocomplete":true}],' + tail + ',' +
    '{"name":"profile","type":1,"description":"Show a maker\'s launches",' +
      '"options":[{"type":6,"name":"user","description":"Whose profile (defaults to you)","required":false}],' + tail + ',' +
    '{"name":"leaderboard","type":1,"description":"Top shippers in this server",' +
      '"options":[{"type":3,"name":"period","description":"Which period (default: this quarter)","required":false,"choices":[' +
      '{"name":"this week","value":"week"},{"name":"this month","value":"month"},{"name":"this quarter","value":"quarter"},' +
      '{"name":"this year","value":"year"},{"name":"all time","value":"all"}]}],' + tail + ',' +
    '{"name":"site","type":1,"description":"Hide yourself from the public launch log, or show yourself again",' +
      '"options":[{"type":3,"name":"visibility","description":"hide me: the site names you \\"a member\\"; show me: your name again","required":true,"choices":[' +
      '{"name":"hide me","value":"hide"},{"name":"show me","value":"show"}]}],' + tail + ',' +
    '{"name":"Log as launch","type":3,"description":"",' + tail + ',' +
    '{"name":"Not a launch","type":3,"description":"",' + tail + ']');
  for (const c of commandDefinitions()) {
    if (c.type === 1) {
      assert.match(c.name, /^[-_'\p{L}\p{N}]{1,32}$/u);
      assert.ok(c.description.length >= 1 && c.description.length <= 100);
    } else {
      // MESSAGE commands: 1-32 characters, any case and spaces; no description, no options.
      assert.ok(c.name.length >= 1 && c.name.length <= 32);
      assert.equal(c.description, '');
      assert.equal(c.options, undefined);
    }
  }
});

test('shipConfirmation escapes the name and the product, and suppresses embeds', () => {
  assert.equal(shipConfirmation('**Bold**', 'App https://a.example/x_y'), '🚀 Launch logged for \\*\\*Bold\\*\\*: App <https://a.example/x_y>');
});
