// Issue 13, "Reactions never hold up launches": the 🚀 PUT was awaited inside the serial ingest, so
// a reaction 429 with a long Retry-After (Discord's docs show 1337 s) stopped storing launches
// until it expired; and a reaction Discord refused for good was sent again at every start, each one
// counting toward Discord's invalid-request ban (docs/gateway.md §5.3).
// The Retry-After window runs on the REST client's clock: real time, plus jumps the test makes, so
// 600 s pass in one step while everything else runs at its real pace.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeDiscord, type FakeDiscord } from '../../src/fake-discord/index.js';
import type { RecordedRequest } from '../../src/fake-discord/rest-server.js';
import { RestClient } from '../../src/discord/rest/client.js';
import { Ingest } from '../../src/worker/ingest.js';
import { DEFAULT_LAUNCH_WORDS } from '../../src/config.js';
import { systemClock } from '../../src/clock.js';
import type { Queryable } from '../../src/db/pool.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { captureLogger, waitFor } from '../integration/worker-harness.js';
import { JumpClock } from '../helpers/jump-clock.js';

interface Ctx { fake: FakeDiscord; db: TestDatabase; clock: JumpClock; lines: string[]; newIngest(): Ingest; steps: string[]; rests: RestClient[] }

async function setup(t: TestContext): Promise<Ctx> {
  // No global 50/s limit at the fake: the client's own cap runs on the jumped clock, and the only
  // 429 these tests want is the scripted one.
  const fake = await startFakeDiscord({ globalRateLimit: 0 });
  t.after(() => fake.close());
  const db = await createTestDatabase();
  t.after(() => db.close());
  const clock = new JumpClock();
  const { log, lines } = captureLogger();
  /** In order: `insert <message id>` when a launch row was created, `put <status> <message id>` as the fake answers a 🚀 PUT. */
  const steps: string[] = [];
  const recording: Queryable = {
    query: (async (text: string, values?: unknown[]) => {
      const r = await db.pool.query(text, values);
      // One row per launch created: a batch returns each row's message_id; a single insert, its id only.
      if (text.includes('INSERT INTO launches')) {
        for (const row of r.rows as { message_id?: string }[]) steps.push(`insert ${row.message_id ?? String(values?.[7])}`);
      }
      return r;
    }) as Queryable['query'],
  };
  fake.events.on('request', (r: RecordedRequest) => {
    if (r.method === 'PUT' && r.route.includes('/reactions/')) steps.push(`put ${r.status} ${/\/messages\/(\d+)\//.exec(r.path)?.[1]}`);
  });
  const rests: RestClient[] = [];
  const newIngest = () => {
    const rest = new RestClient({ baseUrl: fake.apiBase, token: fake.botToken, clock, retryBaseMs: 10 });
    rests.push(rest);
    t.after(() => rest.destroy());
    const ingest = new Ingest({
      db: recording, rest, clock: systemClock, log, channelId: fake.channels.shipped, guildId: fake.guildId,
      words: DEFAULT_LAUNCH_WORDS, minLength: 12, botUserId: fake.botUserId, backfillWindowMs: 0, retry: { baseMs: 10, maxMs: 50 },
    });
    t.after(() => ingest.halt('test over'));
    return ingest;
  };
  return { fake, db, clock, lines, newIngest, steps, rests };
}

const post = (c: Ctx, content: string) =>
  c.fake.world.messageEvent(c.fake.postMessage({ channelId: c.fake.channels.shipped, authorId: c.fake.members[0]!.id, content }));

test('issue 13: Retry-After 600 on the reaction route while 100 launches are posted: all rows within seconds, reactions paid after the window, none twice', { timeout: 60_000 }, async (t) => {
  const c = await setup(t);
  const ingest = c.newIngest();
  // Plenty of room in the route's own bucket: the only 429 is the scripted one.
  c.fake.rest.setBucket('PUT /channels/:id/messages/:id/reactions/:reaction/@me', 20, 0.05);
  let limitedAt: number | undefined;
  c.fake.events.on('request', (r: RecordedRequest) => { if (r.status === 429) limitedAt ??= c.clock.now(); });
  c.fake.rest.script({ method: 'PUT', path: /reactions/, status: 429, retryAfterSec: 600, times: 1 });

  const started = Date.now();
  const ids = Array.from({ length: 100 }, (_, i) => {
    const m = post(c, `shipped https://example.com/burst/${i} today`);
    ingest.dispatch('MESSAGE_CREATE', m);
    return m.id;
  });
  await waitFor('all 100 launches stored', async () =>
    (await c.db.pool.query('SELECT count(*)::int AS n FROM launches')).rows[0].n === 100, 10_000);
  const storedMs = Date.now() - started;
  assert.ok(storedMs < 10_000, `stored in ${storedMs} ms`);
  // Stored in two statements (the first launch alone, the 99 that arrived meanwhile together), the
  // rows can all be in before the first 🚀 PUT has been answered: its 429 comes when it comes.
  await waitFor('the first 🚀 PUT to get the 429', () => limitedAt !== undefined, 10_000);

  // Nothing but the 429 reached the reaction route while the window was open.
  assert.deepEqual(c.steps.filter((s) => s.startsWith('put ')), [`put 429 ${ids[0]}`]);
  assert.deepEqual(c.steps.filter((s) => s.startsWith('insert ')), ids.map((id) => `insert ${id}`));

  // The fake records its 429 as it answers; the client starts its 600 s wait only once it has read
  // that answer (stats.rateLimited counts it in the same turn the wait is set). Jumping earlier
  // would leave the wait to begin after the jump, 600 s of real time away. The jump covers the
  // Retry-After plus the client's 50 ms offset: a jump of exactly 600 s left the wait 50 ms short
  // (still a real 600 s timer) whenever storing the burst took less than those 50 ms.
  await waitFor('the client read the 429', async () => c.rests.at(-1)!.stats.rateLimited === 1, 10_000);
  c.clock.jump(601_000);
  await ingest.idle();
  const puts = c.steps.filter((s) => s.startsWith('put '));
  assert.deepEqual(puts, [`put 429 ${ids[0]}`, ...ids.map((id) => `put 204 ${id}`)], 'one 429, then one 204 per launch, in order');
  assert.equal(c.steps.findIndex((s) => s.startsWith('put 204')), 101, 'every row was stored before the first 🚀 landed');
  const { rows } = await c.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM launches WHERE reacted_at IS NOT NULL');
  assert.equal(rows[0]!.n, 100);
  for (const id of ids) assert.deepEqual(c.fake.reactions(c.fake.channels.shipped, id), [{ emoji: '🚀', userIds: [c.fake.botUserId] }]);
  assert.equal(c.fake.reactionPuts().length, 100, 'none twice');
});

test('issue 13: a reaction Discord refuses for good is recorded with its reason and never sent again, also after a restart', async (t) => {
  const c = await setup(t);
  const first = c.newIngest();
  c.fake.rest.script({ method: 'PUT', path: /reactions/, status: 403, body: { message: 'Missing Permissions', code: 50013 }, times: 1 });
  const m = post(c, 'shipped https://example.com/refused today');
  first.dispatch('MESSAGE_CREATE', m);
  await first.idle();
  await first.halt('restart');

  // The next start pays what is owed: the refused one is not owed.
  const second = c.newIngest();
  second.payOwedReactions();
  await second.idle();
  assert.deepEqual(c.steps.filter((s) => s.startsWith('put ')), [`put 403 ${m.id}`], 'one PUT in all');
  assert.ok(c.lines.some((l) => l.startsWith('reaction.refused ') && l.includes('discord_code=50013')), c.lines.join('\n'));
  const row = await c.db.pool.query('SELECT reacted_at, reaction_refused_at, reaction_refused_reason FROM launches WHERE message_id = $1', [m.id]);
  assert.equal(row.rows[0].reacted_at, null);
  assert.ok(row.rows[0].reaction_refused_at instanceof Date);
  assert.equal(row.rows[0].reaction_refused_reason, 'HTTP 403 code 50013 Missing Permissions');
});
