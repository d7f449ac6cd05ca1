// /profile and /leaderboard over real HTTP (docs/interactions.md §7 item 17): who is shown, order,
// counts, the UTC quarter, tie-breaking, and fitting into 2000 characters.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { insertLaunch } from '../../src/db/launches.js';
import { dateToSnowflake } from '../../src/discord/snowflake.js';
import { ManualClock } from '../helpers/clock.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { commandPayload, destroyAgent, signedPost, startWeb, USER_ID, type Web } from './web-harness.js';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0); // Q4 2026
let db: TestDatabase;
let web: Web;
let n = 0;
type Reply = { type: number; data: { content: string; flags?: number; allowed_mentions: unknown } };

async function launch(userId: string, at: string, content = `launch ${n}`, userName = `user${userId.slice(-2)}`): Promise<void> {
  n++;
  await insertLaunch(db.pool, { source: 'channel', guildId: '1', channelId: '2', userId, userName, content, urls: [],
    messageId: (BigInt(dateToSnowflake(new Date(at))) + BigInt(n)).toString(), createdAt: new Date(at) });
}
const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);

before(async () => {
  db = await createTestDatabase();
  web = await startWeb({ db: db.pool, clock: new ManualClock(NOW) });
});
after(async () => {
  await web?.close();
  destroyAgent();
  await db?.close();
});
beforeEach(async () => { await db.pool.query('DELETE FROM launches'); });

async function run(spec: Parameters<typeof commandPayload>[0]): Promise<Reply> {
  const r = await signedPost(web, JSON.stringify(commandPayload(spec, web.clock)));
  assert.equal(r.status, 200);
  const body = r.json as Reply;
  assert.equal(body.type, 4);
  assert.deepEqual(body.data.allowed_mentions, { parse: [] });
  assert.ok(body.data.content.length <= 2000);
  return body;
}

describe('/profile', () => {
  test('17: without options it shows the invoker: count, first and latest date, newest first', async () => {
    await launch(USER_ID, '2025-03-01T10:00:00Z', 'First thing');
    await launch(USER_ID, '2026-11-20T10:00:00Z', 'Newest **thing** https://x.example');
    await launch(USER_ID, '2026-01-05T10:00:00Z', 'Middle thing');
    await launch('1100000000000000099', '2026-11-21T10:00:00Z', 'Someone else');
    const body = await run({ name: 'profile' });
    assert.equal(body.data.flags, undefined);
    assert.equal(body.data.content, [
      `📦 <@${USER_ID}>: 3 launches · first <t:${unix('2025-03-01T10:00:00Z')}:D> · latest <t:${unix('2026-11-20T10:00:00Z')}:D>`,
      // Last week's launch (window 16–23 Nov) keeps the streak running while this week has none yet.
      '🔥 Weekly streak: 1 week · best 1 week',
      `• <t:${unix('2026-11-20T10:00:00Z')}:d> Newest \\*\\*thing\\*\\* <https://x.example>`,
      `• <t:${unix('2026-01-05T10:00:00Z')}:d> Middle thing`,
      `• <t:${unix('2025-03-01T10:00:00Z')}:d> First thing`,
    ].join('\n'));
  });

  test('17: user:<id> shows that member, using data.resolved', async () => {
    const other = '1100000000000000077';
    await launch(other, '2026-10-02T10:00:00Z', 'Their launch');
    const body = await run({
      name: 'profile', options: [{ name: 'user', type: 6, value: other }],
      resolved: { users: { [other]: { id: other, username: 'other', global_name: 'Other' } }, members: { [other]: { nick: 'Nick', roles: [] } } },
    });
    assert.match(body.data.content, new RegExp(`^📦 <@${other}>: 1 launch · `));
    assert.match(body.data.content, /Their launch$/);
  });

  test('launch text is posted through the text pipeline: no control or bidi characters, mentions inert, URLs whole', async () => {
    // Stored channel launches keep the author's raw text; the public reply must not echo a
    // right-to-left override (U+202E), an isolate (U+2066) or a BEL (U+0007), as the digest does not.
    await launch(USER_ID, '2026-11-20T10:00:00Z', 'evil\u202eolleh\u0007 \u2066@everyone\u2069 <@123456789012345678> https://x.example/a_b');
    const body = await run({ name: 'profile' });
    const line = body.data.content.split('\n')[2]!;
    assert.doesNotMatch(body.data.content, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u);
    assert.equal(line, `• <t:${unix('2026-11-20T10:00:00Z')}:d> evilolleh @\u200beveryone <@\u200b123456789012345678> <https://x.example/a_b>`);
  });

  test('a member without launches gets a friendly public answer', async () => {
    const body = await run({ name: 'profile' });
    assert.equal(body.data.content, `📭 <@${USER_ID}> has not logged any launches yet. Post in the launch channel or use /ship.`);
  });

  test('many long launches are cut at whole lines within 2000 characters, with a count of the rest', async () => {
    for (let i = 0; i < 70; i++) await launch(USER_ID, new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString(), `Launch number ${i} ` + 'word '.repeat(40));
    const body = await run({ name: 'profile' });
    const lines = body.data.content.split('\n');
    assert.match(lines[0]!, /: 70 launches/);
    const shown = lines.filter((l) => l.startsWith('• ')).length;
    assert.ok(shown >= 5 && shown < 70);
    assert.equal(lines.at(-1), `…and ${70 - shown} earlier`);
    assert.match(lines[1]!, /^🔥 Weekly streak: none running \(launch this week to start one\) · best 11 weeks$/);
    assert.match(lines[2]!, /Launch number 69 /, 'newest first');
    assert.ok(lines.slice(2, -1).every((l) => l.endsWith('…')), 'each launch line truncated at a word');
  });
});

describe('/leaderboard', () => {
  test('17: works without data.options; top 10 of this UTC quarter, ties share a rank and are ordered deterministically', async () => {
    const id = (k: number) => `11000000000000001${String(k).padStart(2, '0')}`;
    // Outside the quarter: does not count.
    await launch(id(1), '2026-09-30T23:59:59Z');
    await launch(id(1), '2026-09-30T12:00:00Z');
    // Inside Q4 2026.
    for (let k = 1; k <= 12; k++) await launch(id(k), '2026-10-01T00:00:00Z');
    await launch(id(5), '2026-10-03T00:00:00Z');
    await launch(id(5), '2026-10-04T00:00:00Z');
    await launch(id(9), '2026-10-02T00:00:00Z'); // 2 launches, reached earlier than id(3)
    await launch(id(3), '2026-10-05T00:00:00Z'); // 2 launches, later
    const body = await run({ name: 'leaderboard' });
    assert.equal(body.data.content, [
      '🏆 Top shippers of Q4 2026',
      `1. <@${id(5)}> · 3 launches`,
      `2. <@${id(9)}> · 2 launches`,
      `2. <@${id(3)}> · 2 launches`,
      `4. <@${id(1)}> · 1 launch`,
      `4. <@${id(2)}> · 1 launch`,
      `4. <@${id(4)}> · 1 launch`,
      `4. <@${id(6)}> · 1 launch`,
      `4. <@${id(7)}> · 1 launch`,
      `4. <@${id(8)}> · 1 launch`,
      `4. <@${id(10)}> · 1 launch`,
    ].join('\n'));
  });

  test('posts no member text: a launch full of control and bidi characters changes nothing but the count', async () => {
    await launch(USER_ID, '2026-11-20T10:00:00Z', 'evil\u202eolleh\u0007', 'name\u202e\u0007');
    const body = await run({ name: 'leaderboard' });
    assert.equal(body.data.content, `🏆 Top shippers of Q4 2026\n1. <@${USER_ID}> · 1 launch`);
  });

  test('an empty quarter says so', async () => {
    await launch(USER_ID, '2026-06-01T00:00:00Z');
    const body = await run({ name: 'leaderboard' });
    assert.equal(body.data.content, '🏆 No launches logged yet in Q4 2026. Be the first: /ship');
  });
});
