// The fake Discord's HTTP control API: simulated members, what the bot did, fault injection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../helpers/clock.js';
import { startFakeDiscord } from '../../src/fake-discord/index.js';

test('control API: members post/edit/delete, reads bot output, injects REST and gateway faults', async (t) => {
  const fake = await startFakeDiscord({ clock: new ManualClock() });
  t.after(() => fake.close());
  const ctl = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(fake.controlUrl + path, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const state = await ctl('GET', '/state');
  assert.deepEqual(state.body.channels, fake.channels);
  const posted = await ctl('POST', '/messages', { channel: 'shipped', author: 'ada', content: 'I shipped v1' });
  assert.equal(posted.status, 200);
  assert.equal(posted.body.author.username, 'ada');
  assert.equal((await ctl('PATCH', `/messages/shipped/${posted.body.id}`, { content: 'I shipped v2' })).body.content, 'I shipped v2');
  assert.deepEqual((await ctl('GET', '/messages?channel=i-shipped')).body.map((m: { content: string }) => m.content), ['I shipped v2']);
  assert.equal((await ctl('DELETE', `/messages/shipped/${posted.body.id}`)).status, 204);
  assert.deepEqual(fake.messages(fake.channels.shipped), []);
  assert.equal((await ctl('POST', '/messages', { channel: 'nope', author: 'ada', content: 'x' })).status, 400);

  await fetch(`${fake.apiBase}/channels/${fake.channels.announcements}/messages`, { method: 'POST',
    headers: { authorization: `Bot ${fake.botToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ content: 'digest', allowed_mentions: { parse: [] } }) });
  const botMsgs = await ctl('GET', '/bot-messages?channel=announcements');
  assert.deepEqual(botMsgs.body.map((m: { content: string; sent: unknown }) => [m.content, m.sent]), [['digest', { allowedMentions: { parse: [] }, flags: 0, enforceNonce: false }]]);

  assert.equal((await ctl('POST', '/faults', { target: 'rest', action: 'script', path: 'messages$', status: 503 })).status, 204);
  const r = await fetch(`${fake.apiBase}/channels/${fake.channels.announcements}/messages`, { headers: { authorization: `Bot ${fake.botToken}` } });
  assert.equal(r.status, 503); await r.text();
  assert.equal((await ctl('POST', '/faults', { target: 'gateway', action: 'refuse' })).status, 204);
  assert.equal((await ctl('POST', '/faults', { target: 'gateway', action: 'explode' })).status, 400);
  const cmd = await ctl('POST', '/commands', { user: 'ada', name: 'leaderboard' });
  assert.equal(cmd.body.error, 'no interaction URL configured');
});
