// Issue 13, "Two installations on one bot token": a backup restored on a new server while the old
// one still runs gives two workers on two databases, both holding the same stored gateway session.
// The advisory lock cannot see across databases, so each RESUME took the session from the other
// (Discord moves it to the newer connection and closes the older one) and they flapped, 17 RESUMEs
// in 10 s. Now a worker whose RESUMEd connections keep being dropped (8 within 60 s) stops with one
// error line, "another ShipTrack is connected with this bot token", and exit code 80, which
// shiptrack-worker.service lists in RestartPreventExitStatus=; the other keeps running, undisturbed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeDiscord } from '../../src/fake-discord/index.js';
import { loadSession, saveSession, readWorkerStatus } from '../../src/db/gateway-state.js';
import { findByMessageId } from '../../src/db/launches.js';
import { ExitCode } from '../../src/errors.js';
import { createTestDatabase } from '../helpers/db.js';
import { waitFor } from '../integration/worker-harness.js';
import { FAST_IDENTIFY_WINDOW_MS, FAST_TIMING, HEARTBEAT_MS, startInProcessWorker, type InProcessWorker } from '../integration/worker-faults-harness.js';

test('issue 13: two installations on one bot token (a restored backup): one stops with "another ShipTrack is connected with this bot token" (exit 80), the other keeps running', { timeout: 90_000 }, async (t) => {
  const fake = await startFakeDiscord({ heartbeatIntervalMs: HEARTBEAT_MS, identifyWindowMs: FAST_IDENTIFY_WINDOW_MS });
  t.after(() => fake.close());
  const oldDb = await createTestDatabase();
  t.after(() => oldDb.close());
  const newDb = await createTestDatabase();
  t.after(() => newDb.close());

  const old = startInProcessWorker({ fake, databaseUrl: oldDb.url, name: 'old-server', timing: FAST_TIMING });
  t.after(() => old.app.stop('SIGTERM'));
  await old.waitForLine('gateway.ready', { timeoutMs: 20_000 });
  const session = await waitFor('the old server stored its session', () => loadSession(oldDb.pool));

  // The backup, restored on the new server: the same session in another database.
  await saveSession(newDb.pool, session);
  const restored = startInProcessWorker({ fake, databaseUrl: newDb.url, name: 'new-server', timing: FAST_TIMING });
  t.after(() => restored.app.stop('SIGTERM'));

  // Within bounded time one of them stops, by itself, for the conflict.
  const workers = [old, restored];
  let bound: NodeJS.Timeout | undefined;
  const first = await Promise.race([
    ...workers.map((w) => w.app.stopping.then((info) => ({ w, info }))),
    new Promise<never>((_, reject) => { bound = setTimeout(() => reject(new Error(`neither worker stopped within 30 s; ${fake.gateway.resumeCount} RESUMEs so far (flapping)`)), 30_000); }),
  ]).finally(() => clearTimeout(bound));
  const loser = first.w;
  const survivor = workers.find((w) => w !== loser)!;
  assert.deepEqual(first.info, { why: 'session_conflict', exitCode: ExitCode.sessionConflict });
  assert.equal(ExitCode.sessionConflict, 80);
  await loser.app.stopped;
  const resumesAtStop = fake.gateway.resumeCount;
  console.log(`conflict: ${loser === old ? 'old-server' : 'new-server'} stopped after ${resumesAtStop} RESUMEs`);

  // One clear error line, and no other error.
  const errors = (w: InProcessWorker) => w.lines.filter((l) => / exit_code=80 /.test(l) || l.startsWith('gateway.session_conflict'));
  assert.equal(errors(loser).filter((l) => l.startsWith('gateway.session_conflict')).length, 1, errors(loser).join('\n'));
  assert.match(errors(loser).find((l) => l.startsWith('gateway.session_conflict'))!, /^gateway\.session_conflict proc=worker error="another ShipTrack is connected with this bot token" takeovers=8 within_ms=60000 exit_code=80 /);
  assert.ok(!loser.lines.some((l) => l.startsWith('gateway.state ') && l.includes('→connecting') && loser.lines.indexOf(l) > loser.lines.findIndex((x) => x.startsWith('gateway.session_conflict'))),
    'the loser made no connection attempt after the conflict');
  const loserDb = loser === old ? oldDb : newDb;
  assert.equal((await readWorkerStatus(loserDb.pool))?.state, 'conflict');
  // Bounded: the flapping lasted a handful of RESUMEs, not an endless loop.
  assert.ok(resumesAtStop <= 2 * 8 + 2, `${resumesAtStop} RESUMEs before one stopped`);

  // The survivor keeps running on its connection: a launch posted now is stored and reacted to, and
  // in the meantime no connection of it was closed and nothing was resumed again.
  const survivorDb = survivor === old ? oldDb : newDb;
  const from = survivor.lines.length;
  const launch = fake.postMessage({ channelId: fake.channels.shipped, authorId: fake.members[0]!.id, content: 'shipped https://example.com/after-conflict today' });
  await waitFor('the survivor stored and reacted to the launch', async () => (await findByMessageId(survivorDb.pool, launch.id))?.reactedAt, 20_000);
  // A few heartbeat intervals more on the same connection.
  const acks = fake.gateway.connectionLog().filter((c) => c.open).map((c) => c.received.filter((f) => f.op === 1).length);
  assert.equal(acks.length, 1, 'exactly one gateway connection is open: the survivor\'s');
  await waitFor('three more heartbeats on that connection', () => {
    const open = fake.gateway.connectionLog().filter((c) => c.open);
    return open.length === 1 && open[0]!.received.filter((f) => f.op === 1).length >= acks[0]! + 3;
  }, 20_000);
  assert.equal(fake.gateway.resumeCount, resumesAtStop, 'no RESUME after the loser stopped: nothing flaps');
  assert.deepEqual(survivor.lines.slice(from).filter((l) => /^gateway\.(closed_by_server|state|session_conflict)/.test(l)), [], 'the survivor was not disturbed');
  assert.equal(survivor.lines.filter((l) => l.startsWith('gateway.session_conflict')).length, 0);
  assert.equal((await readWorkerStatus(survivorDb.pool))?.state, 'ready');
});
