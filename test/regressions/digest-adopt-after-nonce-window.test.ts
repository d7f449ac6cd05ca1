// Regression (issue 13, "exactly once beyond Discord's nonce window"): enforce_nonce only
// de-duplicates for a few minutes. A digest run killed after Discord stored part 2 but before the
// answer arrived left part 2 without a message id; a run that finished the week hours later sent
// part 2 again with the same nonce, Discord no longer remembered it, and the channel showed part 2
// twice. A resumed run must look for the part among the bot's own messages first and adopt it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestDatabase } from '../helpers/db.js';
import type { RecordedRequest } from '../../src/fake-discord/index.js';
import {
  ON_TIME, digestEnv, eventsNamed, messagesPath, nonces, openDb, partNonceOf, within, startKilledAtPart,
} from '../integration/digest-harness.js';

let db: TestDatabase;
before(async () => { db = await openDb(); });
after(async () => { await db?.close(); });

const p = partNonceOf;

test('killed after part 2 reached Discord, resumed after the nonce window: part 2 is adopted, not posted again', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(30);
  const expected = await env.expectedParts();
  assert.equal(expected.length, 3);
  // A member writes in the channel meanwhile: the search must skip other people's messages.
  env.fake.postMessage({ channelId: env.fake.channels.announcements, authorId: env.fake.members[0]!.id, content: expected[1]! });

  const created = new Promise<RecordedRequest>((resolve) => env.fake.events.on('request', (r: RecordedRequest) => {
    if ((r.body as { nonce?: string } | undefined)?.nonce === p(2)) resolve(r);
  }));
  const proc = startKilledAtPart(env, 2, { status: 200, passThrough: true }, ['--now', ON_TIME]);
  assert.equal((await within(proc.done, 20_000, 'the killed run to end')).signal, 'SIGKILL');
  const lost = await within(created, 10_000, 'part 2 to be created');
  const lostId = (lost.responseBody as { id: string }).id;
  assert.equal((await env.partRows())[1]!.message_id, null, 'the killed run never learnt the id');

  // Hours later: Discord has forgotten the nonce, and the dead run's lease has run out.
  env.fake.rest.expireNonces();
  await env.expireLease();
  const resumed = await env.run(['--now', ON_TIME]);
  assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);

  const bot = env.fake.botMessages(env.fake.channels.announcements);
  assert.deepEqual(bot.map((m) => m.content), expected, 'one message per part');
  assert.deepEqual(nonces(env.posts()), [`${p(1)}:200`, `${p(2)}:200`, `${p(3)}:200`], 'part 2 was not sent again');
  assert.deepEqual(eventsNamed(resumed, 'digest.part_adopted').map((f) => [f.part, f.message_id]), [['2/3', lostId]]);
  assert.deepEqual(eventsNamed(resumed, 'digest.part_posted').map((f) => f.part), ['3/3']);
  assert.deepEqual((await env.partRows()).map((r) => r.message_id), bot.map((m) => m.id));
  assert.equal((await env.digestRow())!.status, 'done');
});

test('killed while part 2 was in flight but Discord never stored it: the resumed run finds nothing and posts it once', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(30);
  const expected = await env.expectedParts();
  const proc = startKilledAtPart(env, 2, { status: 503 }, ['--now', ON_TIME]);
  assert.equal((await within(proc.done, 20_000, 'the killed run to end')).signal, 'SIGKILL');
  env.fake.rest.expireNonces();
  await env.expireLease();
  const resumed = await env.run(['--now', ON_TIME]);
  assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
  assert.equal(eventsNamed(resumed, 'digest.part_adopted').length, 0);
  assert.deepEqual(eventsNamed(resumed, 'digest.part_posted').map((f) => f.part), ['2/3', '3/3']);
  assert.deepEqual(env.fake.botMessages(env.fake.channels.announcements).map((m) => m.content), expected);
});

test('the channel cannot be read (403) while finishing a half-posted week: nothing is posted, the run fails and says why', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(30);
  const created = new Promise<void>((resolve) => env.fake.events.on('request', (r: RecordedRequest) => {
    if ((r.body as { nonce?: string } | undefined)?.nonce === p(2)) resolve();
  }));
  const proc = startKilledAtPart(env, 2, { status: 200, passThrough: true }, ['--now', ON_TIME]);
  assert.equal((await within(proc.done, 20_000, 'the killed run to end')).signal, 'SIGKILL');
  await within(created, 10_000, 'part 2 to be created');
  env.fake.rest.expireNonces();
  await env.expireLease();
  env.fake.rest.script({ method: 'GET', path: new RegExp(`^${messagesPath(env)}$`), status: 403, code: 50001, times: 10 });
  const r = await env.run(['--now', ON_TIME]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /digest\.adopt_search_failed .*Read Message History/);
  assert.deepEqual(nonces(env.posts()), [`${p(1)}:200`, `${p(2)}:200`], 'nothing posted without looking first');
  assert.equal(env.fake.botMessages(env.fake.channels.announcements).length, 2);
});
