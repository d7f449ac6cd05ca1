// /ship over real HTTP (docs/interactions.md §7 items 11–16, 21, 22): storing, escaping, DMs, limits,
// replayed deliveries, the deferral with exactly one PATCH through the fake Discord REST API.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Queryable } from '../../src/db/pool.js';
import { editOriginalResponse } from '../../src/discord/rest/api.js';
import { RestClient } from '../../src/discord/rest/client.js';
import { snowflakeToDate } from '../../src/discord/snowflake.js';
import { startFakeDiscord, type FakeDiscord } from '../../src/fake-discord/index.js';
import { createLogger } from '../../src/log.js';
import { ManualClock } from '../helpers/clock.js';
import { CHANNEL_ID, commandPayload, GUILD_ID, launchCount, nowSec, signedPost, startWeb, USER_ID, type Web, openWebFixture, closeWebFixture, gatedDb } from './web-harness.js';
import type { TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
let web: Web;
const ship = (value: unknown, extra: Parameters<typeof commandPayload>[0] extends infer S ? Partial<S> : never = {}) =>
  commandPayload({ name: 'ship', options: [{ name: 'product', type: 3, value }], ...extra });
type Reply = { type: number; data: { content: string; flags?: number; allowed_mentions: unknown } };


before(async () => { ({ db, web } = await openWebFixture()); });
after(() => closeWebFixture(web, db));
beforeEach(async () => { await db.pool.query('DELETE FROM launches'); });

describe('/ship with a fast database', () => {
  test('11: 200 type 4, allowed_mentions {parse: []}, exactly one row', async () => {
    const payload = ship('ShipTrack v1 https://shiptrack.example/launch');
    const r = await signedPost(web, JSON.stringify(payload));
    assert.equal(r.status, 200);
    const body = r.json as Reply;
    assert.equal(body.type, 4);
    assert.deepEqual(body.data.allowed_mentions, { parse: [] });
    assert.equal(body.data.flags, undefined, 'public confirmation');
    assert.equal(body.data.content, '🚀 Launch logged for Maker: ShipTrack v1 <https://shiptrack.example/launch>');
    const { rows } = await db.pool.query(`SELECT source, interaction_id::text, user_id::text, user_name, guild_id::text, channel_id::text,
      content, urls, message_id, created_at FROM launches`);
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0], {
      source: 'slash', interaction_id: payload.id, user_id: USER_ID, user_name: 'Maker', guild_id: GUILD_ID, channel_id: CHANNEL_ID,
      content: 'ShipTrack v1 https://shiptrack.example/launch', urls: ['https://shiptrack.example/launch'], message_id: null,
      created_at: snowflakeToDate(payload.id as string),
    });
  });

  test('12: markdown, mentions and newlines in the product are neutralised', async () => {
    const r = await signedPost(web, JSON.stringify(ship('@everyone **x** <@123> [a](http://e) \n# h')));
    const { content } = (r.json as Reply).data;
    const userPart = content.slice(content.indexOf(': ') + 2);
    assert.doesNotMatch(userPart, /(?<!\\)\*\*/);
    assert.doesNotMatch(userPart, /<@(?!\u200b)/);
    assert.doesNotMatch(userPart, /(?<!\\)\]\(/);
    assert.doesNotMatch(content, /@everyone/);
    assert.doesNotMatch(content, /\n/);
    assert.deepEqual((r.json as Reply).data.allowed_mentions, { parse: [] });
    const { rows } = await db.pool.query('SELECT content FROM launches');
    assert.equal(rows[0].content, '@everyone **x** <@123> [a](http://e) # h', 'stored as one normalised line, unescaped');
  });

  test('13: a DM-shaped payload gets an ephemeral "use it in the server" notice and stores nothing', async () => {
    const r = await signedPost(web, JSON.stringify(ship('From my DMs', { dm: true })));
    assert.equal(r.status, 200);
    const body = r.json as Reply;
    assert.equal(body.type, 4);
    assert.equal(body.data.flags, 64);
    assert.match(body.data.content, /use it in a channel there/);
    assert.equal(await launchCount(db.pool), 0);
  });

  test('empty, whitespace-only, too short, too long or missing text → ephemeral hint, nothing stored', async () => {
    for (const value of ['', '   \n\t ', 'x', 'y'.repeat(101), 42]) {
      const r = await signedPost(web, JSON.stringify(ship(value)));
      const body = r.json as Reply;
      assert.equal(r.status, 200);
      assert.equal(body.type, 4);
      assert.equal(body.data.flags, 64, JSON.stringify(value));
      assert.match(body.data.content, /Nothing was saved/);
    }
    const missing = await signedPost(web, JSON.stringify(commandPayload({ name: 'ship' })));
    assert.equal((missing.json as Reply).data.flags, 64);
    // Exactly at the limits is fine; 100 emoji are 100 characters, not 200 UTF-16 units.
    for (const value of ['ok', 'z'.repeat(100), '🚀'.repeat(100)]) {
      const r = await signedPost(web, JSON.stringify(ship(value)));
      assert.equal((r.json as Reply).data.flags, undefined, value.slice(0, 5));
    }
    assert.equal(await launchCount(db.pool), 3);
  });

  test('14: the same signed delivery twice → one row, the same confirmation again', async () => {
    const body = JSON.stringify(ship('Replay-proof launch'));
    const ts = nowSec();
    const first = await signedPost(web, body, { timestamp: ts });
    const second = await signedPost(web, body, { timestamp: ts });
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.deepEqual(second.json, first.json);
    assert.equal(await launchCount(db.pool), 1);
  });

  test('a /ship sends one statement to the database, a replayed delivery two (issue 14: no SELECT before the INSERT, no transaction, no second read)', async (t) => {
    const statements: string[] = [];
    const counting: Queryable = { query: (text: string, values?: unknown[]) => { statements.push(text.replace(/\s+/g, ' ').trim()); return db.pool.query(text, values) as never; } };
    const counted = await startWeb({ db: counting });
    t.after(() => counted.close());
    const body = JSON.stringify(ship('Counted launch https://shiptrack.example/c'));
    const ts = nowSec();
    const first = await signedPost(counted, body, { timestamp: ts });
    assert.equal((first.json as Reply).type, 4);
    assert.equal(statements.length, 1, `one statement for a new /ship, got: ${JSON.stringify(statements)}`);
    assert.match(statements[0]!, /^INSERT INTO launches .* ON CONFLICT DO NOTHING$/);
    statements.length = 0;
    const second = await signedPost(counted, body, { timestamp: ts });
    assert.deepEqual(second.json, first.json, 'the replay answers as the first delivery');
    assert.equal(statements.length, 2, `INSERT and one SELECT for a replay, got: ${JSON.stringify(statements)}`);
    assert.match(statements[1]!, /^SELECT .* FROM launches WHERE interaction_id = \$1$/);
    assert.equal(await launchCount(db.pool), 1);
    assert.equal(counted.logs.filter((l) => /^<[0-6]>/.test(l)).length, 2, `one line at info or above per /ship: ${counted.logs.join('\n')}`);
  });

  test('16: the database throwing → 200 type 4 ephemeral apology, never a 5xx', async (t) => {
    const broken = await startWeb({ db: { query: () => Promise.reject(new Error('ECONNREFUSED 127.0.0.1:5432')) } });
    t.after(() => broken.close());
    const r = await signedPost(broken, JSON.stringify(ship('Doomed launch')));
    assert.equal(r.status, 200);
    const body = r.json as Reply;
    assert.equal(body.type, 4);
    assert.equal(body.data.flags, 64);
    assert.match(body.data.content, /could not save your launch/);
    assert.ok(broken.logs.some((l) => l.startsWith('<3>interaction.handler_failed') && l.includes('ECONNREFUSED')));
  });
});

describe('/ship with a slow database (deferral through the fake Discord)', () => {
  let fake: FakeDiscord;
  let rest: RestClient;
  const restLogs: string[] = [];
  before(async () => {
    fake = await startFakeDiscord();
    rest = new RestClient({ baseUrl: fake.apiBase, log: createLogger({ level: 'debug', write: (l) => restLogs.push(l) }), retryBaseMs: 10 });
  });
  after(async () => { rest?.destroy(); await fake?.close(); });

  async function deferringWeb(t: { after(fn: () => Promise<void>): void }, gated: ReturnType<typeof gatedDb>, clock?: ManualClock): Promise<Web> {
    const w = await startWeb({
      db: gated.db, keys: { publicKeyHex: fake.publicKeyHex }, applicationId: fake.applicationId, guildId: fake.guildId, ...(clock ? { clock } : {}),
      editOriginal: (token, body) => editOriginalResponse(rest, fake.applicationId, token, body),
    });
    t.after(async () => { gated.release(); await w.close(); });
    fake.setInteractionUrl(w.url);
    return w;
  }
  const patches = () => fake.requests.filter((r) => r.method === 'PATCH' && r.route.includes('@original'));

  test('15: DB stalled past the budget → type 5 inside Discord\'s deadline, then exactly one PATCH @original; 21: no token in the logs', async (t) => {
    const gated = gatedDb(db.pool);
    const w = await deferringWeb(t, gated);
    const before = patches().length;
    const member = fake.members[0]!;
    const pending = fake.runCommand({ userId: member.id, name: 'ship', options: [{ name: 'product', type: 3, value: 'Slow DB launch <@1>' }] });
    await gated.blocked;
    const result = await pending;
    assert.equal(result.status, 200);
    assert.deepEqual(result.body, { type: 5 });
    // The fake applies Discord's 3 s deadline in real time: a late answer would be marked late.
    assert.equal(result.late, false);
    assert.equal(patches().length, before, 'nothing sent before the insert settles');
    gated.release();
    await w.router.idle();
    const sent = patches().slice(before);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.status, 200);
    assert.equal(sent[0]!.path, `/webhooks/${fake.applicationId}/${result.token}/messages/@original`);
    assert.equal(sent[0]!.headers.authorization, undefined, 'interaction webhooks need no bot token');
    const patchBody = sent[0]!.body as { content: string; allowed_mentions: unknown };
    assert.deepEqual(patchBody.allowed_mentions, { parse: [] });
    assert.equal(patchBody.content, `🚀 Launch logged for ${member.globalName}: Slow DB launch <@\u200b1>`);
    assert.equal(result.original?.content, patchBody.content, 'the fake shows the filled-in reply');
    assert.equal(await launchCount(db.pool), 1);
    // Settle, then make sure no second answer or PATCH ever follows.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(patches().length, before + 1);
    for (const line of [...w.logs, ...restLogs]) assert.ok(!line.includes(result.token), `token leaked: ${line}`);
    assert.ok(w.logs.some((l) => l.includes('interaction.deferred') && l.includes(`interaction=${result.id}`)));
  });

  test('16b: deferred, then the database fails → one PATCH with the apology', async (t) => {
    const gated = gatedDb(db.pool);
    gated.state.fail = true;
    const w = await deferringWeb(t, gated);
    const before = patches().length;
    const pending = fake.runCommand({ userId: fake.members[0]!.id, name: 'ship', options: [{ name: 'product', type: 3, value: 'Fails later' }] });
    await gated.blocked;
    const result = await pending;
    assert.deepEqual(result.body, { type: 5 });
    gated.release();
    await w.router.idle();
    const sent = patches().slice(before);
    assert.equal(sent.length, 1);
    assert.match((sent[0]!.body as { content: string }).content, /could not save your launch/);
    assert.equal(await launchCount(db.pool), 0);
  });

  test('22: a follow-up whose interaction is over 14 minutes old is dropped, not sent', async (t) => {
    const clock = new ManualClock(Date.now());
    const gated = gatedDb(db.pool);
    const w = await deferringWeb(t, gated, clock);
    const before = fake.requests.length;
    // The fake signs with a timestamp from our manual clock, so the ±300 s window agrees.
    const pending = fake.runCommand({ userId: fake.members[0]!.id, name: 'ship', options: [{ name: 'product', type: 3, value: 'Very late' }], timestamp: Math.floor(clock.now() / 1000) });
    await gated.blocked;
    clock.advance(1500);
    const r = await pending;
    assert.deepEqual(r.body, { type: 5 });
    clock.advance(14 * 60_000 + 1);
    gated.release();
    await w.router.idle();
    assert.equal(fake.requests.length, before, 'no request reached the fake API');
    assert.ok(w.logs.some((l) => l.includes('interaction.followup_dropped')));
    assert.equal(await launchCount(db.pool), 1, 'the launch itself is still stored');
  });
});
