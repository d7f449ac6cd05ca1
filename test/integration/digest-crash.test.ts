// Exactly-once under crashes and races: SIGKILL between parts (the next run posts only the rest),
// SIGKILL with a POST that reached Discord but whose answer was lost (found in the channel), and
// two runs at once (one posts, the other exits 0).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { TestDatabase } from '../helpers/db.js';
import type { RecordedRequest } from '../../src/fake-discord/index.js';
import {
  ON_TIME, WINDOW, arrivalTripwire, nonces, partNonceOf, completion, digestEnv, eventsNamed, messagesPath, openDb, startFakeLlm, within, startKilledAtPart,
} from './digest-harness.js';

let db: TestDatabase;
before(async () => { db = await openDb(); });
after(async () => { await db?.close(); });

const p = partNonceOf;

test('SIGKILL after part 1 of 3: the lease blocks an immediate re-run; once it expires the next run posts parts 2-3 only', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(30);
  const expected = await env.expectedParts();
  assert.equal(expected.length, 3);

  // Part 2's POST arrives at the fake, the run is killed there, and the fake never creates it (503 to a dead socket).
  const killedRecorded = new Promise<void>((resolve) => env.fake.events.on('request', (r: RecordedRequest) => { if (r.status === 503) resolve(); }));
  const proc = startKilledAtPart(env, 2, { status: 503 }, ['--now', ON_TIME]);
  const killed = await within(proc.done, 20_000, 'the killed run to end');
  await within(killedRecorded, 10_000, 'the killed POST to be recorded');
  assert.equal(killed.signal, 'SIGKILL');
  assert.deepEqual(eventsNamed(killed, 'digest.part_posted').map((f) => f.part), ['1/3']);
  assert.deepEqual(nonces(env.posts()), [`${p(1)}:200`, `${p(2)}:503`]);
  const row = await env.digestRow();
  assert.equal(row!.status, 'posting');
  assert.match(String(row!.claimed_by), /:\d+:[0-9a-f]{6}$/);
  assert.ok((row!.lease_until as Date).getTime() > Date.now(), 'the dead run still holds a live lease');

  // Within the lease: "another run is posting", exit 0, nothing sent.
  const blocked = await env.run(['--now', ON_TIME]);
  assert.equal(blocked.code, 0);
  assert.equal(eventsNamed(blocked, 'digest.busy').length, 1);
  assert.equal(env.posts().length, 2);

  await env.expireLease();
  const resumed = await env.run(['--now', ON_TIME]);
  assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
  assert.equal(eventsNamed(resumed, 'digest.resuming')[0]!.already_posted, '1');
  assert.equal(eventsNamed(resumed, 'digest.built').length, 0, 'parts are frozen, never rebuilt on resume');
  assert.deepEqual(eventsNamed(resumed, 'digest.part_posted').map((f) => f.part), ['2/3', '3/3']);
  assert.deepEqual(nonces(env.posts()), [`${p(1)}:200`, `${p(2)}:503`, `${p(2)}:200`, `${p(3)}:200`]);
  assert.deepEqual(env.fake.botMessages(env.fake.channels.announcements).map((m) => m.content), expected);
  assert.deepEqual(env.bodies().map((b) => b.content), expected);
  assert.equal((await env.digestRow())!.status, 'done');
});

test('SIGKILL while part 2 is in flight and Discord did create it: the re-run finds it in the channel and adopts it (no second POST)', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(30);
  const expected = await env.expectedParts();

  const created = new Promise<RecordedRequest>((resolve) => env.fake.events.on('request', (r: RecordedRequest) => {
    if ((r.body as { nonce?: string } | undefined)?.nonce === p(2)) resolve(r);
  }));
  const proc = startKilledAtPart(env, 2, { status: 200, passThrough: true }, ['--now', ON_TIME]);
  assert.equal((await within(proc.done, 20_000, 'the killed run to end')).signal, 'SIGKILL');
  const lost = await within(created, 10_000, 'part 2 to be created'); // the answer went to a dead socket
  const lostId = (lost.responseBody as { id: string }).id;
  assert.equal(env.fake.botMessages(env.fake.channels.announcements).length, 2);
  assert.equal((await env.partRows())[1]!.message_id, null, 'the killed run never learnt the id');

  await env.expireLease();
  const resumed = await env.run(['--now', ON_TIME]);
  assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
  // Part 2 is not sent again (the nonce would also have de-duplicated it inside Discord's window).
  assert.deepEqual(nonces(env.posts()), [`${p(1)}:200`, `${p(2)}:200`, `${p(3)}:200`]);
  assert.deepEqual(eventsNamed(resumed, 'digest.part_adopted').map((f) => [f.part, f.message_id]), [['2/3', lostId]]);
  assert.deepEqual(env.fake.botMessages(env.fake.channels.announcements).map((m) => m.content), expected);
  assert.equal((await env.partRows())[1]!.message_id, lostId);
});

test('two runs started at once: exactly one posts the 3 parts; the other exits 0 without posting', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(30);
  const expected = await env.expectedParts();
  // Slow every POST a little so the runs overlap for real.
  env.fake.rest.script({ method: 'POST', path: arrivalTripwire(messagesPath(env), 1, () => {}, 3), status: 200, delayMs: 300, passThrough: true, times: 3 });
  const [a, b] = await Promise.all([env.run(['--now', ON_TIME]), env.run(['--now', ON_TIME])]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const posters = [a, b].filter((r) => eventsNamed(r, 'digest.done').length === 1);
  assert.equal(posters.length, 1);
  const other = posters[0] === a ? b : a;
  assert.equal(eventsNamed(other, 'digest.part_posting').length, 0);
  assert.equal(eventsNamed(other, 'digest.busy').length + eventsNamed(other, 'digest.already_posted').length, 1, other.stdout);
  assert.deepEqual(nonces(env.posts()), [`${p(1)}:200`, `${p(2)}:200`, `${p(3)}:200`]);
  assert.deepEqual(env.fake.botMessages(env.fake.channels.announcements).map((m) => m.content), expected);
});

test('a second run while the first holds the claim (held in the LLM call) says "another run is posting"; the first then posts once', async (t) => {
  const env = await digestEnv(t, db);
  await env.seed(30);
  const held: import('node:http').ServerResponse[] = [];
  const llm = await startFakeLlm(t, (res) => { held.push(res); });
  const llmEnv = { LLM_API_URL: llm.url, LLM_MODEL: 'test-model', LLM_API_KEY: 'sk-test-secret-key', LLM_TIMEOUT_MS: '60000' };
  const first = env.start(['--now', ON_TIME], llmEnv);
  if (held.length === 0) await within(once(llm.events, 'request'), 20_000, 'the LLM request');
  const second = await env.run(['--now', ON_TIME], llmEnv);
  assert.equal(second.code, 0);
  const busy = eventsNamed(second, 'digest.busy');
  assert.equal(busy.length, 1, second.stdout);
  assert.equal(busy[0]!.msg, 'another run is posting this window');
  assert.equal(env.posts().length, 0);
  assert.equal(llm.requests.length, 1, 'the busy run never asks the LLM');

  held[0]!.writeHead(200, { 'content-type': 'application/json' }).end(completion('Tools for tired developers'));
  const r = await within(first.done, 20_000, 'the first run to end');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(busy[0]!.claimed_by, eventsNamed(r, 'digest.start')[0]!.run);
  const expected = await env.expectedParts(WINDOW, { theme: 'Tools for tired developers' });
  assert.deepEqual(env.bodies().map((b) => b.content), expected);
  assert.match(expected[0]!, /\nTheme: Tools for tired developers\n/);
});
