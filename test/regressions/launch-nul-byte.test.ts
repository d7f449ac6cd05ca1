// Regression (issue 13, "Nothing fails silently"): PostgreSQL text cannot hold U+0000
// (postgresql.org/docs/current/datatype-character.html: "the character with code zero cannot be
// stored"). A NUL in a member's nickname made every `/ship` by that member fail with "run /ship
// again", which could never succeed; a NUL in a message's content made the worker drop the launch
// as a permanent error; a NUL in an edit lost the edit. The storage boundary (src/db/launches.ts)
// now strips it, so every path stores the launch.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../src/clock.js';
import { DEFAULT_LAUNCH_WORDS } from '../../src/config.js';
import { findByMessageId } from '../../src/db/launches.js';
import { RestClient } from '../../src/discord/rest/client.js';
import { startFakeDiscord } from '../../src/fake-discord/index.js';
import { Ingest } from '../../src/worker/ingest.js';
import { captureLogger } from '../integration/worker-harness.js';
import { commandPayload, signedPost, type Web, openWebFixture, closeWebFixture } from '../integration/web-harness.js';
import type { TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
let web: Web;
before(async () => { ({ db, web } = await openWebFixture()); });
after(() => closeWebFixture(web, db));
beforeEach(async () => { await db.pool.query('DELETE FROM launches'); });

test('/ship by a member whose nickname holds a NUL is confirmed and stored without the NUL', async () => {
  const p = commandPayload({ name: 'ship', options: [{ name: 'product', type: 3, value: 'Nul app https://nul.example' }] }) as { id: string; member: { nick: string } };
  p.member.nick = 'Ni\u0000ck';
  const r = await signedPost(web, JSON.stringify(p));
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { type: 4, data: { content: '🚀 Launch logged for Nick: Nul app <https://nul.example>', allowed_mentions: { parse: [] } } });
  const { rows } = await db.pool.query('SELECT user_name, content, urls FROM launches WHERE interaction_id = $1', [p.id]);
  assert.deepEqual(rows, [{ user_name: 'Nick', content: 'Nul app https://nul.example', urls: ['https://nul.example'] }]);
  assert.ok(!web.logs.some((l) => l.startsWith('<3>')), web.logs.join('\n'));
});

test('a gateway message with a NUL in its content (and its link) is stored and reacted to; an edit with a NUL is stored', async (t) => {
  const fake = await startFakeDiscord();
  t.after(() => fake.close());
  const rest = new RestClient({ baseUrl: fake.apiBase, token: fake.botToken, retryBaseMs: 10 });
  t.after(() => rest.destroy());
  const { log, lines } = captureLogger();
  const ingest = new Ingest({
    db: db.pool, rest, clock: systemClock, log, channelId: fake.channels.shipped, guildId: fake.guildId,
    words: DEFAULT_LAUNCH_WORDS, minLength: 12, botUserId: fake.botUserId, backfillWindowMs: 86_400_000,
    retry: { baseMs: 10, maxMs: 50 },
  });
  t.after(() => ingest.halt('test over'));
  const m = fake.world.messageEvent(fake.postMessage({ channelId: fake.channels.shipped, authorId: fake.members[0]!.id, content: 'shipped my\u0000 app https://nul.example/a\u0000b' }));
  ingest.dispatch('MESSAGE_CREATE', m);
  await ingest.idle();
  const row = await findByMessageId(db.pool, m.id);
  assert.equal(row?.content, 'shipped my app https://nul.example/ab');
  assert.deepEqual(row?.urls, ['https://nul.example/ab']);
  assert.ok(row?.reactedAt, 'reacted to');
  assert.ok(!lines.some((l) => l.startsWith('launch.failed')), lines.join('\n'));

  const edited = fake.world.messageEvent(fake.editMessage(fake.channels.shipped, m.id, 'shipped v2\u0000 https://nul.example/v2'));
  ingest.dispatch('MESSAGE_UPDATE', edited);
  await ingest.idle();
  assert.equal((await findByMessageId(db.pool, m.id))?.content, 'shipped v2 https://nul.example/v2');
});
