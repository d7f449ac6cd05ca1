// The demo's wait for a 🚀 says whether it came. It used to resolve after 15 s either way, and the
// transcript then said "reacted 🚀" for a message that never got one (seen once on a loaded machine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { waitForReaction } from '../../src/demo/week.js';
import type { RecordedRequest } from '../../src/fake-discord/rest-server.js';

function fakeDiscord(puts: { messageId: string }[] = []) {
  const events = new EventEmitter();
  return { events, reactionPuts: () => puts } as unknown as Parameters<typeof waitForReaction>[0] & { events: EventEmitter };
}

const put = (path: string) => ({ method: 'PUT', path } as RecordedRequest);

test('a 🚀 already received: true at once', async () => {
  assert.equal(await waitForReaction(fakeDiscord([{ messageId: '42' }]), '42', 60_000), true);
});

test('the 🚀 PUT for this message: true, and the listener is gone', async () => {
  const fake = fakeDiscord();
  const waiting = waitForReaction(fake, '42', 60_000);
  fake.events.emit('request', put('/api/v10/channels/1/messages/41/reactions/%F0%9F%9A%80/@me'));
  fake.events.emit('request', { ...put('/api/v10/channels/1/messages/42/reactions/%F0%9F%9A%80/@me'), method: 'DELETE' });
  fake.events.emit('request', put('/api/v10/channels/1/messages/42/reactions/%F0%9F%9A%80/@me'));
  assert.equal(await waiting, true);
  assert.equal(fake.events.listenerCount('request'), 0);
});

test('no 🚀 within the wait: false (not a silent go-on), and the listener is gone', async () => {
  const fake = fakeDiscord();
  const waiting = waitForReaction(fake, '42', 20);
  fake.events.emit('request', put('/api/v10/channels/1/messages/41/reactions/%F0%9F%9A%80/@me'));
  assert.equal(await waiting, false);
  assert.equal(fake.events.listenerCount('request'), 0);
});
