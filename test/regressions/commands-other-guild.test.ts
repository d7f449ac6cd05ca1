// Regression (issue 13, "Nothing fails silently"): a validly signed interaction from another server
// (the bot invited elsewhere, or the commands registered globally) was handled like one from the
// community: `/ship` stored a launch that then showed in this community's digest and leaderboard,
// and `/profile` and `/leaderboard` showed this community's data to strangers. With the community's
// server configured (DISCORD_GUILD_ID), an interaction from any other server, or from a DM, gets a
// private notice and changes nothing.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../src/clock.js';
import { commandHandlers } from '../../src/commands/index.js';
import { NOT_IN_DM } from '../../src/commands/ship.js';
import { createRouter, type Router } from '../../src/discord/interactions/router.js';
import { createLogger } from '../../src/log.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { APP_ID, commandPayload, GUILD_ID, launchCount } from '../integration/web-harness.js';

const OTHER_GUILD = '1200000000000000999';
const OTHER_SERVER = '🚀 ShipTrack keeps the launch log of another server and answers only there. Nothing was saved or shown.';
const NOT_IN_SERVER = '🚀 ShipTrack answers only in its community server: use this command in a channel there. Nothing was saved or shown.';

let db: TestDatabase;
let router: Router;
const logs: string[] = [];

before(async () => {
  db = await createTestDatabase();
  const log = createLogger({ level: 'debug', write: (l) => logs.push(l) });
  const deps = { db: db.pool, clock: systemClock, log, guildId: GUILD_ID };
  router = createRouter({
    clock: systemClock, log, applicationId: APP_ID, deferMs: 2000, retryable: () => false,
    editOriginal: async () => { throw new Error('no follow-up expected'); }, commands: commandHandlers(deps),
  });
});
after(async () => { await db?.close(); });
beforeEach(async () => { await db.pool.query('DELETE FROM launches'); logs.length = 0; });

const ship = (value: string) => commandPayload({ name: 'ship', options: [{ name: 'product', type: 3, value }] });
const fromGuild = (p: Record<string, unknown>, guild: string): Record<string, unknown> => ({ ...p, guild_id: guild, authorizing_integration_owners: { 0: guild } });
const privately = (content: string) => ({ type: 4, data: { content, allowed_mentions: { parse: [] }, flags: 64 } });

test('/ship from another server is answered privately, stores nothing, and is logged with the server id', async () => {
  const p = fromGuild(ship('Stranger launch https://stranger.example'), OTHER_GUILD);
  assert.deepEqual(await router.handle(p), privately(OTHER_SERVER));
  assert.equal(await launchCount(db.pool), 0);
  assert.ok(logs.includes(`<5>commands.foreign_guild interaction=${String(p.id)} command=ship guild=${OTHER_GUILD}`), logs.join('\n'));
});

test('/profile and /leaderboard from another server show nothing of this community', async () => {
  await router.handle(ship('Our launch https://ours.example'));
  assert.equal(await launchCount(db.pool), 1);
  for (const name of ['profile', 'leaderboard']) {
    assert.deepEqual(await router.handle(fromGuild(commandPayload({ name }), OTHER_GUILD)), privately(OTHER_SERVER), name);
  }
});

test('in a DM, /ship keeps its own notice and the other commands get the server-only one', async () => {
  assert.deepEqual(await router.handle(commandPayload({ name: 'ship', dm: true, options: [{ name: 'product', type: 3, value: 'From a DM' }] })), privately(NOT_IN_DM));
  for (const name of ['profile', 'leaderboard']) {
    assert.deepEqual(await router.handle(commandPayload({ name, dm: true })), privately(NOT_IN_SERVER), name);
  }
  assert.equal(await launchCount(db.pool), 0);
});

test('the community server itself is answered as before', async () => {
  const r = await router.handle(ship('Our launch https://ours.example')) as { data: { content: string; flags?: number } };
  assert.equal(r.data.flags, undefined);
  assert.equal(r.data.content, '🚀 Launch logged for Maker: Our launch <https://ours.example>');
  assert.equal(await launchCount(db.pool), 1);
});
