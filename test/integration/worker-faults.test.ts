// Fault suite for the REAL worker process: for each fault, messages keep being posted while it is
// injected; afterwards every launch-shaped message must be stored exactly once and carry exactly
// one 🚀, and every other message must be stored never. A supervisor plays systemd (restart on
// any exit but 78/79). Prints one tally line per fault.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeDiscord, type FakeDiscord } from '../../src/fake-discord/index.js';
import { getCursor } from '../../src/db/gateway-state.js';
import { compareSnowflakes } from '../../src/discord/snowflake.js';
import { createTestDatabase, needsRealPostgres, type TestDatabase } from '../helpers/db.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { Supervisor, spawnWorker, waitFor } from './worker-harness.js';

interface Posted { id: string; launch: boolean }

/** Posts alternately a launch and a chat line every `everyMs` until stopped. */
function startPoster(fake: FakeDiscord, fault: string, everyMs = 300) {
  const posted: Posted[] = [];
  const authors = fake.members.map((m) => m.id);
  let i = 0;
  const post = () => {
    const launch = i % 2 === 0;
    const content = launch ? `shipped https://example.com/${fault}/${i} today` : `chatting during ${fault}, message ${i}`;
    posted.push({ id: fake.postMessage({ channelId: fake.channels.shipped, authorId: authors[i % authors.length]!, content }).id, launch });
    i++;
  };
  post();
  const timer = setInterval(post, everyMs);
  return {
    posted,
    /** Posts `extra` more (after recovery), then stops. */
    async stop(extra = 3): Promise<Posted[]> {
      const target = posted.length + extra;
      await waitFor('poster', () => posted.length >= target, 10_000, 10);
      clearInterval(timer);
      return posted;
    },
  };
}

interface Fixture { fake: FakeDiscord; db: TestDatabase; proxy: TcpProxy; sup: Supervisor; env: Record<string, string> }

async function fixture(t: import('node:test').TestContext): Promise<Fixture> {
  const fake = await startFakeDiscord({ heartbeatIntervalMs: 700 });
  t.after(() => fake.close());
  const db = await createTestDatabase();
  t.after(() => db.close());
  const u = new URL(db.url);
  const proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
  t.after(() => proxy.close());
  const env = {
    DATABASE_URL: proxy.rewrite(db.url), DISCORD_BOT_TOKEN: fake.botToken, SHIPPED_CHANNEL_ID: fake.channels.shipped,
    DISCORD_API_BASE: fake.apiBase, DISCORD_GUILD_ID: fake.guildId, WORKER_BACKFILL_HOURS: '0',
  };
  const sup = new Supervisor(env, 'w', 300);
  t.after(() => sup.stop('SIGKILL'));
  return { fake, db, proxy, sup, env };
}

/** Waits until everything posted is handled, then counts rows and reactions per message. */
async function tally(f: Fixture, fault: string, posted: Posted[], opts: { repeatPutsAllowed?: boolean } = {}) {
  const ch = f.fake.channels.shipped;
  const launches = posted.filter((p) => p.launch).map((p) => p.id);
  const all = posted.map((p) => p.id);
  const last = all.reduce((a, b) => (compareSnowflakes(a, b) >= 0 ? a : b));
  await waitFor(`${fault}: all handled`, async () => {
    const cursor = await getCursor(f.db.pool, ch);
    if (!cursor || compareSnowflakes(cursor, last) < 0) return false;
    const r = await f.db.pool.query('SELECT count(*)::int AS n FROM launches WHERE message_id = ANY($1::bigint[]) AND reacted_at IS NOT NULL', [launches]);
    return r.rows[0].n >= launches.length;
  }, 30_000, 50);
  const { rows } = await f.db.pool.query<{ id: string; n: number }>(
    'SELECT message_id::text AS id, count(*)::int AS n FROM launches WHERE message_id = ANY($1::bigint[]) GROUP BY message_id', [all]);
  const rowsById = new Map(rows.map((r) => [r.id, r.n]));
  const puts = f.fake.reactionPuts();
  const putsFor = (id: string) => puts.filter((p) => p.messageId === id).length;
  const stored = launches.filter((id) => rowsById.get(id) === 1).length;
  const reacted = launches.filter((id) => {
    const r = f.fake.reactions(ch, id);
    return r.length === 1 && r[0]!.emoji === '🚀' && r[0]!.userIds.length === 1 && r[0]!.userIds[0] === f.fake.botUserId;
  }).length;
  const doubles = [...rowsById.values()].filter((n) => n > 1).length;
  const repeatPuts = launches.filter((id) => putsFor(id) > 1).length;
  const wrong = all.filter((id) => !launches.includes(id) && rowsById.has(id)).length;
  console.log(`fault=${fault} posted=${posted.length} launches=${launches.length} stored=${stored} reacted=${reacted} doubles=${doubles} repeat_puts=${repeatPuts} non_launch_stored=${wrong}`);
  assert.equal(stored, launches.length, `${fault}: every launch stored exactly once`);
  assert.equal(reacted, launches.length, `${fault}: every launch carries exactly one 🚀 from the bot`);
  assert.equal(doubles, 0);
  assert.equal(wrong, 0, `${fault}: no chat message stored`);
  for (const id of launches) assert.ok(putsFor(id) >= 1, `${fault}: PUT for ${id}`);
  if (!opts.repeatPutsAllowed) assert.equal(repeatPuts, 0, `${fault}: one PUT per launch`);
}

test('gateway, REST, database and process faults: every launch stored once and reacted once', { timeout: 240_000 }, async (t) => {
  const f = await fixture(t);
  const { fake, sup } = f;
  sup.start();
  await sup.waitForLine('gateway.ready', { timeoutMs: 20_000 });

  const run = async (fault: string, inject: (from: number) => Promise<void>, opts: { repeatPutsAllowed?: boolean } = {}) => {
    await t.test(fault, async () => {
      const from = sup.lines.length;
      const poster = startPoster(fake, fault);
      await waitFor('a few posts before the fault', () => poster.posted.length >= 3, 5000, 10);
      await inject(from);
      await tally(f, fault, await poster.stop(), opts);
    });
  };
  const resumed = (from: number) => sup.waitForLine('gateway.resumed', { from, timeoutMs: 20_000 });
  const readyAgain = (from: number) => sup.waitForLine('gateway.ready', { from, timeoutMs: 20_000 });

  await run('tcp-drop', async (from) => { fake.gateway.dropAll(); await resumed(from); });
  await run('zombie', async (from) => {
    fake.gateway.stopAcking();
    await sup.waitForLine('gateway.zombie', { from, timeoutMs: 10_000 });
    fake.gateway.stopAcking(false);
    await resumed(from);
  });
  await run('op7-reconnect', async (from) => { fake.gateway.sendReconnect(); await resumed(from); });
  await run('op9-true', async (from) => { fake.gateway.invalidateSessions(true); await resumed(from); });
  await run('op9-false', async (from) => {
    fake.gateway.invalidateSessions(false);
    await readyAgain(from);
    await sup.waitForLine('backfill.done', { from });
  });
  await run('close-4000', async (from) => { fake.gateway.closeAll(4000, 'Unknown error'); await resumed(from); });
  await run('close-4007', async (from) => { fake.gateway.closeAll(4007, 'Invalid seq'); await readyAgain(from); });
  await run('close-4009', async (from) => { fake.gateway.closeAll(4009, 'Session timed out'); await readyAgain(from); });
  // A server 1001 ("going away") keeps the session: the worker RESUMEs.
  await run('close-1001', async (from) => { fake.gateway.closeAll(1001, 'Going away'); await resumed(from); });
  // A server 1000 is modelled as ending the session: RESUME gets op 9 d:false, then IDENTIFY + backfill.
  await run('close-1000', async (from) => { fake.gateway.closeAll(1000, 'Normal closure'); await readyAgain(from); });
  await run('reactions-429-5xx', async () => {
    fake.rest.script({ method: 'PUT', path: /reactions/, status: 429, retryAfterSec: 0.2, times: 3 });
    fake.rest.script({ method: 'PUT', path: /reactions/, status: 503, times: 5 });
    await sup.waitForLine('worker.retry', { match: (l) => l.includes('what=reaction.put'), timeoutMs: 20_000 });
  });
  // SIGKILL can land after Discord applied a PUT but before reacted_at was written; the restarted
  // worker then PUTs again. PUT …/@me is a set operation, so the message still shows one 🚀 from
  // the bot (reaction user set of size 1, asserted) — a repeated PUT is allowed here, a second row is not.
  await run('worker-sigkill', async (from) => {
    const gen = sup.generation;
    await sup.current!.kill('SIGKILL');
    await waitFor('restart', () => sup.generation > gen, 5000, 10);
    await resumed(from);
  }, { repeatPutsAllowed: true });
  await run('postgres-outage', async (from) => {
    const gen = sup.generation;
    f.proxy.cut(); // every DB connection reset (the lock's too), new ones refused: a Postgres restart
    await sup.waitForLine('lock.lost', { from, timeoutMs: 15_000 });
    await waitFor('worker restarted at least once while the DB is down', () => sup.generation > gen, 10_000, 10);
    f.proxy.restore();
    await sup.waitForLine('lock.acquired', { from, timeoutMs: 20_000 });
    await Promise.race([resumed(from), readyAgain(from)]);
    assert.ok(sup.exits.slice(-1)[0] === 1, `lock loss exits 1 (exits: ${sup.exits.join(',')})`);
  }, { repeatPutsAllowed: true });

  await t.test('fatal close 4004: exits 79, names the code, is not restarted', async () => {
    const from = sup.lines.length;
    const exited = sup.waitForExit(15_000);
    fake.gateway.closeAll(4004, 'Authentication failed.');
    assert.equal(await exited, 79);
    const line = await sup.waitForLine('gateway.fatal', { from });
    assert.match(line, /code=4004/);
    assert.match(line, /authentication failed/i);
    const gen = sup.generation;
    assert.equal(sup.generation, gen, 'not restarted');
  });
});

test('a bad token at start-up: exits 79 naming the 401, no IDENTIFY loop', { timeout: 60_000 }, async (t) => {
  const f = await fixture(t);
  const w = spawnWorker({ ...f.env, DISCORD_BOT_TOKEN: 'MTIzNDU2Nzg5MDEyMzQ1Njc4.bad.not-the-real-token-at-all' }, 'bad-token');
  t.after(() => w.kill('SIGKILL'));
  assert.equal(await w.exited, 79);
  assert.ok(w.lines.some((l) => l.startsWith('worker.stopping') && l.includes('401')), w.lines.join('\n'));
  assert.equal(f.fake.gateway.identifyCount, 0);
});

test('a second worker waits as hot standby and takes over when the first dies; never both', { timeout: 90_000, skip: needsRealPostgres }, async (t) => {
  const f = await fixture(t);
  const { fake, sup } = f;
  sup.start();
  await sup.waitForLine('gateway.ready', { timeoutMs: 20_000 });
  const standby = new Supervisor(f.env, 'standby', 300);
  t.after(() => standby.stop('SIGKILL'));
  standby.start();
  await standby.waitForLine('worker.standby');
  const poster = startPoster(fake, 'standby-takeover');
  await waitFor('posts while both run', () => poster.posted.length >= 6, 5000, 10);
  assert.equal(fake.gateway.connections(), 1, 'only the lock holder connects to the gateway');
  assert.ok(!standby.lines.some((l) => l.startsWith('launch.') || l.startsWith('gateway.')), 'standby processes nothing');
  const killedAt = standby.lines.length;
  await sup.stop('SIGKILL'); // no restart: the standby must take over
  const took = await standby.waitForLine('lock.acquired', { from: killedAt, timeoutMs: 15_000 });
  assert.match(took, /after_standby=true/);
  await standby.waitForLine('gateway.resumed', { timeoutMs: 20_000 });
  const posted = await poster.stop();
  await tally(f, 'standby-takeover', posted, { repeatPutsAllowed: true });
  assert.equal(standby.lines.filter((l) => l.startsWith('worker.standby')).length, 1, "'worker.standby' logged once");

  // Lock loss while the pool is fine: the holder's lock session is killed server-side. It must stop
  // processing at once (nothing logged after lock.lost), exit 1, and the other worker takes over.
  const from = sup.lines.length;
  sup.start(); // the old worker comes back and waits as standby now
  await sup.waitForLine('worker.standby', { from });
  const poster2 = startPoster(fake, 'lock-loss');
  await waitFor('posts before the lock loss', () => poster2.posted.length >= 4, 5000, 10);
  const holderFrom = standby.lines.length;
  const holder = standby.current!;
  standby.noRestart(); // so the takeover is by the other worker, not by this one's restart
  const killed = await f.db.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_locks
    WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
  assert.equal(killed.rowCount, 1);
  await standby.waitForLine('lock.lost', { from: holderFrom });
  assert.equal(await holder.exited, 1);
  const after = standby.lines.slice(standby.lines.findIndex((l, i) => i >= holderFrom && l.startsWith('lock.lost')));
  assert.ok(!after.some((l) => l.startsWith('launch.logged') || l.startsWith('reaction.added')), after.join('\n'));
  await sup.waitForLine('lock.acquired', { from, match: (l) => l.includes('after_standby=true'), timeoutMs: 15_000 });
  await standby.stop('SIGKILL');
  await tally(f, 'lock-loss', await poster2.stop(), { repeatPutsAllowed: true });

  // SIGTERM while waiting in standby: leaves at once with 0 (nothing to close but the pool).
  const third = spawnWorker(f.env, 'third');
  t.after(() => third.kill('SIGKILL'));
  await third.waitForLine('worker.standby');
  const t0 = Date.now();
  assert.equal(await third.kill('SIGTERM'), 0);
  assert.ok(Date.now() - t0 < 5000);
});
