// "Not a launch" holds against the worker (issue 16): once a member or moderator has removed the
// launch of a message, the worker's ingest path stores nothing for that message again and sends no
// 🚀, whether the message is edited (MESSAGE_UPDATE), replayed (MESSAGE_CREATE after a RESUME) or
// read again by a backfill; a message marked before it was ever logged is not logged when an edit
// makes it launch-shaped. The fake Discord's events go into the real Ingest; the commands come
// through its signed interactions into the in-process web server.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { findByMessageId } from '../../src/db/launches.js';
import { addReaction, removeOwnReaction } from '../../src/discord/rest/api.js';
import { destroyAgent, startWeb } from './web-harness.js';
import { ingestRig, type IngestRig } from './worker-harness.js';

type Ctx = IngestRig;

async function setup(t: TestContext): Promise<Ctx> {
  const c = await ingestRig(t);
  const { fake, db, rest } = c;
  const web = await startWeb({ db: db.pool, keys: { publicKeyHex: fake.publicKeyHex }, applicationId: fake.applicationId, guildId: fake.guildId,
    reactions: { add: (c, m) => addReaction(rest, c, m), remove: (c, m) => removeOwnReaction(rest, c, m) } });
  t.after(async () => { await web.close(); destroyAgent(); });
  fake.setInteractionUrl(web.url);
  return c;
}

async function deliver(c: Ctx, t: string, d: unknown): Promise<void> {
  c.ingest.dispatch(t, d);
  await c.ingest.idle();
}
const putsFor = (c: Ctx, id: string) => c.fake.reactionPuts().filter((p) => p.messageId === id).length;
const rows = async (c: Ctx) => Number((await c.db.pool.query('SELECT count(*) FROM launches')).rows[0].count);

test('after "Not a launch", an edit, a replayed create and a backfill of the message log nothing and add no 🚀', async (t) => {
  const c = await setup(t);
  const { fake } = c;
  const msg = fake.postMessage({ channelId: fake.channels.shipped, authorId: c.ada, content: 'Shipped a thing https://thing.example' });
  await deliver(c, 'MESSAGE_CREATE', fake.world.messageEvent(msg));
  assert.equal(putsFor(c, msg.id), 1);
  const r = await fake.runMessageCommand({ userId: c.ada, name: 'Not a launch', channelId: fake.channels.shipped, messageId: msg.id });
  assert.match((r.body as { data: { content: string } }).data.content, /^🗑️ Removed the launch from that message/);
  assert.deepEqual(fake.reactions(fake.channels.shipped, msg.id), []);

  // The member edits it, still launch-shaped: MESSAGE_UPDATE from the fake.
  const edited = fake.editMessage(fake.channels.shipped, msg.id, 'Shipped a thing, v2 now live https://thing.example/v2');
  await deliver(c, 'MESSAGE_UPDATE', fake.world.messageEvent(edited));
  // A replay after a RESUME, and a backfill that reads the channel again.
  await deliver(c, 'MESSAGE_CREATE', fake.world.messageEvent(edited));
  await c.ingest.backfill();
  const row = await findByMessageId(c.db.pool, msg.id);
  assert.ok(row?.deletedAt, 'still removed');
  assert.equal(row.content, 'Shipped a thing https://thing.example', 'the removed launch is not updated either');
  assert.equal(await rows(c), 1);
  assert.equal(putsFor(c, msg.id), 1, 'no second 🚀');
  assert.deepEqual(fake.reactions(fake.channels.shipped, msg.id), []);
  assert.equal(c.lines.filter((l) => l.startsWith('launch.logged') && l.includes(`message_id=${msg.id}`)).length, 1, 'logged once, before the removal');
});

test('"Not a launch" on a message never logged: an edit that makes it launch-shaped is not logged', async (t) => {
  const c = await setup(t);
  const { fake } = c;
  const msg = fake.postMessage({ channelId: fake.channels.shipped, authorId: c.ada, content: 'working on something, more soon' });
  await deliver(c, 'MESSAGE_CREATE', fake.world.messageEvent(msg));
  assert.equal(await rows(c), 0);
  await fake.runMessageCommand({ userId: c.ada, name: 'Not a launch', channelId: fake.channels.shipped, messageId: msg.id });
  const edited = fake.editMessage(fake.channels.shipped, msg.id, 'It is live! https://live.example');
  await deliver(c, 'MESSAGE_UPDATE', fake.world.messageEvent(edited));
  const row = await findByMessageId(c.db.pool, msg.id);
  assert.ok(row?.deletedAt);
  assert.equal(putsFor(c, msg.id), 0);
  assert.ok(!c.lines.some((l) => l.startsWith('launch.logged') && l.includes(`message_id=${msg.id}`)));
  // Without the mark, the same edit would have been logged: the control case.
  const other = fake.postMessage({ channelId: fake.channels.shipped, authorId: c.ada, content: 'working on another thing' });
  await deliver(c, 'MESSAGE_CREATE', fake.world.messageEvent(other));
  await deliver(c, 'MESSAGE_UPDATE', fake.world.messageEvent(fake.editMessage(fake.channels.shipped, other.id, 'It is live too! https://live2.example')));
  assert.equal((await findByMessageId(c.db.pool, other.id))?.deletedAt, null);
  assert.equal(putsFor(c, other.id), 1);
});
