// Issue 15: a SHIPPED_CHANNEL_ID that does not exist, or that the bot cannot read or react in, gave
// one backfill.failed line and then "ready": the worker silently did nothing. The worker now checks
// the channel from GUILD_CREATE (roles, channel overwrites, the bot's member roles) and the events
// that change them, logs one worker.channel_unusable line naming what is missing and how to fix it,
// records it in worker_status.channel_problem for `shiptrack status`, and keeps running.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeDiscord, type FakeDiscord } from '../../src/fake-discord/index.js';
import { readWorkerStatus, writeWorkerStatus } from '../../src/db/gateway-state.js';
import { Permission } from '../../src/discord/permissions.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { waitFor } from '../integration/worker-harness.js';
import { FAST_IDENTIFY_WINDOW_MS, FAST_TIMING, HEARTBEAT_MS, startInProcessWorker, type InProcessWorker } from '../integration/worker-faults-harness.js';

interface Setup { fake: FakeDiscord; db: TestDatabase; worker: InProcessWorker }

/** A fake Discord shaped by `shape` before the worker connects, a database, and the worker, READY. */
async function setup(t: TestContext, shape: (fake: FakeDiscord) => void, seedProblem?: string): Promise<Setup> {
  const undo: Array<() => Promise<unknown>> = [];
  t.after(async () => { for (const u of undo.reverse()) await u(); });
  const fake = await startFakeDiscord({ heartbeatIntervalMs: HEARTBEAT_MS, identifyWindowMs: FAST_IDENTIFY_WINDOW_MS });
  undo.push(() => fake.close());
  shape(fake);
  const db = await createTestDatabase();
  undo.push(() => db.close());
  if (seedProblem !== undefined) await writeWorkerStatus(db.pool, { instance: 'old:1', state: 'stopped', channelProblem: seedProblem });
  const worker = startInProcessWorker({ fake, databaseUrl: db.url, name: 'chan', timing: FAST_TIMING });
  undo.push(() => worker.app.stop('SIGTERM'));
  await worker.waitForLine('gateway.ready', { timeoutMs: 20_000 });
  return { fake, db, worker };
}

const problemOf = async (db: TestDatabase) => (await readWorkerStatus(db.pool))?.channelProblem ?? null;
async function recorded(db: TestDatabase, match: RegExp): Promise<string> {
  let last: string | null = null;
  await waitFor(`worker_status.channel_problem ~ ${match}`, async () => { last = await problemOf(db); return last !== null && match.test(last); }, 10_000, 20);
  return last!;
}
const unusable = (w: InProcessWorker) => w.lines.filter((l) => l.startsWith('worker.channel_unusable '));

test('issue 15: SHIPPED_CHANNEL_ID not in the guild: one error line naming it, recorded, the worker keeps running', async (t) => {
  let channel = '';
  const { db, worker, fake } = await setup(t, (f) => { channel = f.channels.shipped; f.world.deleteChannel(channel); });
  const line = await worker.waitForLine('worker.channel_unusable', { timeoutMs: 10_000 });
  assert.equal(line, `worker.channel_unusable proc=worker channel=${channel} guild=${fake.guildId} reason=not_found missing=channel `
    + `hint="SHIPPED_CHANNEL_ID=${channel} is not a channel the bot can see in guild ${fake.guildId} (deleted, a typo, another server's channel, or hidden from the bot): `
    + 'copy the id of #i-shipped (Developer Mode, right-click the channel, Copy Channel ID) into /etc/shiptrack/env and restart the worker"');
  assert.match(await recorded(db, /not found/), new RegExp(`^channel ${channel} not found: SHIPPED_CHANNEL_ID=${channel} `));
  assert.equal(unusable(worker).length, 1, 'logged once');
  assert.equal(worker.app.stopping instanceof Promise, true);
  let stopped = false;
  void worker.app.stopping.then(() => { stopped = true; });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(stopped, false, 'the worker keeps running');
});

test('issue 15: an overwrite denying VIEW_CHANNEL to @everyone', async (t) => {
  const { db, worker, fake } = await setup(t, (f) => f.world.setPermissionOverwrites(f.channels.shipped, [
    { id: f.world.everyoneRoleId, type: 0, allow: '0', deny: String(Permission.VIEW_CHANNEL) },
  ]));
  const ch = fake.channels.shipped;
  const line = await worker.waitForLine('worker.channel_unusable', { timeoutMs: 10_000 });
  const hint = 'allow View Channel for the bot (or its role) in #i-shipped: Edit Channel > Permissions, or the role\'s permissions in Server Settings > Roles; no restart needed';
  assert.equal(line, `worker.channel_unusable proc=worker channel=${ch} guild=${fake.guildId} reason=missing_permissions missing=VIEW_CHANNEL hint="${hint}"`);
  assert.equal(await recorded(db, /VIEW_CHANNEL/), `#i-shipped (${ch}): the bot lacks VIEW_CHANNEL: ${hint}`);
});

test('issue 15: ADD_REACTIONS denied for the bot\'s role; fixed in Discord without a restart, the problem clears', async (t) => {
  const { db, worker, fake } = await setup(t, (f) => f.world.setPermissionOverwrites(f.channels.shipped, [
    { id: f.world.botRoleId, type: 0, allow: '0', deny: String(Permission.ADD_REACTIONS) },
  ]));
  const ch = fake.channels.shipped;
  const line = await worker.waitForLine('worker.channel_unusable', { timeoutMs: 10_000 });
  const hint = 'allow Add Reactions for the bot (or its role) in #i-shipped: Edit Channel > Permissions, or the role\'s permissions in Server Settings > Roles; no restart needed';
  assert.equal(line, `worker.channel_unusable proc=worker channel=${ch} guild=${fake.guildId} reason=missing_permissions missing=ADD_REACTIONS hint="${hint}"`);
  assert.equal(await recorded(db, /ADD_REACTIONS/), `#i-shipped (${ch}): the bot lacks ADD_REACTIONS: ${hint}`);

  // The admin removes the overwrite: CHANNEL_UPDATE reaches the running worker.
  const from = worker.lines.length;
  fake.world.setPermissionOverwrites(ch, []);
  assert.equal(await worker.waitForLine('worker.channel_usable', { from, timeoutMs: 10_000 }), `worker.channel_usable proc=worker channel=${ch} guild=${fake.guildId}`);
  await waitFor('channel_problem cleared', async () => (await problemOf(db)) === null, 10_000, 20);

  // Taking the bot's role's permission away server-wide instead: GUILD_ROLE_UPDATE on @everyone.
  const from2 = worker.lines.length;
  fake.world.setRolePermissions(fake.world.everyoneRoleId, String(Permission.VIEW_CHANNEL | Permission.ADD_REACTIONS));
  assert.match(await worker.waitForLine('worker.channel_unusable', { from: from2, timeoutMs: 10_000 }), / reason=missing_permissions missing=READ_MESSAGE_HISTORY /);
  // ... and given back through a role for the bot's member (GUILD_MEMBER_UPDATE).
  const from3 = worker.lines.length;
  const reader = fake.world.addRole('reader', String(Permission.READ_MESSAGE_HISTORY));
  fake.world.setMemberRoles(fake.botUserId, [fake.world.botRoleId, reader.id]);
  await worker.waitForLine('worker.channel_usable', { from: from3, timeoutMs: 10_000 });
  await waitFor('channel_problem cleared again', async () => (await problemOf(db)) === null, 10_000, 20);
});

test('issue 15: a correctly configured channel logs nothing of the kind and clears a recorded problem', async (t) => {
  const { db, worker } = await setup(t, () => {}, 'stale problem from an earlier run');
  await waitFor('channel_problem cleared', async () => (await problemOf(db)) === null, 10_000, 20);
  assert.deepEqual(unusable(worker), []);
  assert.deepEqual(worker.lines.filter((l) => l.startsWith('worker.channel_usable ')), [], 'no all-clear without an earlier problem');
});
