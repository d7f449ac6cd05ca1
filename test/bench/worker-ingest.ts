// On-demand benchmark (`npm run bench worker-ingest`; never part of npm test): a burst of
// MESSAGE_CREATE (half of them launches) from the fake gateway into the REAL worker process as
// production runs it (`node dist/bin/worker.js`), against a floor measured in the same run, rounds
// interleaved: a raw `ws` client that parses the frames, does one INSERT per launch and one PUT 🚀
// per launch (one at a time, apart from the INSERTs), nothing else (its 🚀 count when the fake
// Discord has them; the worker's when reacted_at is set).
// Reported per program, median of the rounds: CPU time per message (utime+stime of the child from
// /proc, robust on a loaded machine), time until every launch row is stored, time until every 🚀
// is confirmed, steady RSS; and each as a ratio to the floor.
// BENCH_N messages per burst (default 600), BENCH_ROUNDS (default 3). Database: TEST_DATABASE_URL,
// else embedded PGlite. CPU_PROF_DIR=<dir> runs the worker with --cpu-prof into that directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { startFakeDiscord, type FakeDiscord } from '../../src/fake-discord/index.js';
import { getCursor } from '../../src/db/gateway-state.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { binArgs, REPO } from '../helpers/bin.js';
import { waitFor } from '../integration/worker-harness.js';
import { cpuMs, median, steadyRss } from './lib/proc.js';

const N = Number(process.env.BENCH_N ?? 600);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LAUNCH_EVERY = 2;
const LAUNCHES = Math.ceil(N / LAUNCH_EVERY);

// The floor: parse frames; per launch one INSERT (ON CONFLICT DO NOTHING), then one PUT, paid one
// at a time apart from the INSERTs. No session, no cursor, no logging, no retries.
const FLOOR = `
import WebSocket from 'ws';
import pg from 'pg';
const [url, token, api, dbUrl] = process.argv.slice(1);
const db = new pg.Pool({ connectionString: dbUrl, max: 1 });
await db.query('SELECT 1');
let seq = null, beat, puts = Promise.resolve();
const ws = new WebSocket(url + '?v=10&encoding=json');
ws.on('message', (raw) => {
  const p = JSON.parse(raw.toString());
  if (p.s !== null && p.s !== undefined) seq = p.s;
  if (p.op === 10) {
    beat = setInterval(() => ws.send(JSON.stringify({ op: 1, d: seq })), p.d.heartbeat_interval);
    ws.send(JSON.stringify({ op: 2, d: { token, intents: 33281, properties: { os: 'linux', browser: 'bench', device: 'bench' } } }));
  } else if (p.op === 0 && p.t === 'READY') console.log('ready');
  else if (p.op === 0 && p.t === 'MESSAGE_CREATE') {
    const m = p.d;
    if (!/https?:\\/\\//.test(m.content) || !/\\bshipped\\b/i.test(m.content)) return;
    db.query(\`INSERT INTO launches (source, guild_id, channel_id, user_id, user_name, content, urls, message_id, created_at)
      VALUES ('channel', $1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING id::text\`,
      [m.guild_id ?? null, m.channel_id, m.author.id, m.author.username, m.content, m.content.match(/https?:\\/\\/\\S+/g), m.id, m.timestamp])
      .then((r) => {
        const id = r.rows[0]?.id;
        if (!id) return;
        const put = () => fetch(api + '/channels/' + m.channel_id + '/messages/' + m.id + '/reactions/' + encodeURIComponent('🚀') + '/@me',
          { method: 'PUT', headers: { authorization: 'Bot ' + token } })
          .then(async (res) => {
            await res.arrayBuffer();
            // Discord's global limit (the fake enforces 50/s): wait as told, then again.
            if (res.status === 429) { await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1))); return put(); }
          });
        puts = puts.then(put);
      });
  }
});
process.on('SIGTERM', () => { clearInterval(beat); ws.close(1000); setTimeout(() => process.exit(0), 100); });
`;

interface Run { cpuPerMsgMs: number; rowsMs: number; reactedMs: number; rss: number }

function postBurst(fake: FakeDiscord, tag: string): string[] {
  const authors = fake.members.map((m) => m.id);
  const ids: string[] = [];
  for (let i = 0; i < N; i++) {
    const launch = i % LAUNCH_EVERY === 0;
    const content = launch ? `shipped https://example.com/bench/${tag}/${i} today` : `bench chat line ${i} nothing to see`;
    ids.push(fake.postMessage({ channelId: fake.channels.shipped, authorId: authors[i % authors.length]!, content }).id);
  }
  return ids;
}

async function count(db: TestDatabase, what: 'rows' | 'reacted'): Promise<number> {
  const r = await db.pool.query(`SELECT count(*)::int AS n FROM launches${what === 'reacted' ? ' WHERE reacted_at IS NOT NULL' : ''}`);
  return r.rows[0].n as number;
}

/** The floor's 🚀 as the fake Discord recorded them, from the `from`th PUT on. */
const putsSince = (fake: FakeDiscord, from: number) => async () => fake.reactionPuts().length - from;

/** Posts the burst and times rows and reactions; the child's CPU from just before the burst until both are done. */
async function burst(fake: FakeDiscord, db: TestDatabase, child: ChildProcess, tag: string, reacted: () => Promise<number>, settled: () => Promise<boolean>): Promise<Run> {
  const cpu0 = cpuMs(child.pid!);
  const t0 = performance.now();
  postBurst(fake, tag);
  const note = (what: string) => { if (process.env.BENCH_VERBOSE) process.stderr.write(`${new Date().toISOString().slice(11, 23)} ${tag} ${what}\n`); };
  note('burst posted');
  await waitFor('all rows', async () => (await count(db, 'rows')) >= LAUNCHES, 300_000, 10);
  const rowsMs = performance.now() - t0;
  note('rows stored');
  await waitFor('all reactions', async () => (await reacted()) >= LAUNCHES, 300_000, 10);
  const reactedMs = performance.now() - t0;
  note('reactions confirmed');
  await waitFor('settled', settled, 30_000, 10);
  const cpu = cpuMs(child.pid!) - cpu0;
  return { cpuPerMsgMs: cpu / N, rowsMs, reactedMs, rss: await steadyRss(child.pid!) };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function floor(fake: FakeDiscord, db: TestDatabase, tag: string): Promise<Run> {
  await db.pool.query('TRUNCATE launches, channel_cursors, gateway_sessions');
  const child = spawn(process.execPath, ['--input-type=module', '-e', FLOOR, fake.gatewayUrl, fake.botToken, fake.apiBase, db.url],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => createInterface({ input: child.stdout! }).on('line', (l) => { if (l === 'ready') resolve(); }));
  try {
    return await burst(fake, db, child, tag, putsSince(fake, fake.reactionPuts().length), async () => true);
  } finally { await stop(child); }
}

async function worker(fake: FakeDiscord, db: TestDatabase, tag: string): Promise<Run> {
  await db.pool.query('TRUNCATE launches, channel_cursors, gateway_sessions, worker_status');
  const prof = process.env.CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROF_DIR}`] : [];
  const child = spawn(process.execPath, [...prof, ...binArgs('worker')], {
    cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      PATH: process.env.PATH ?? '', NODE_ENV: 'production', DATABASE_URL: db.url, DISCORD_BOT_TOKEN: fake.botToken,
      SHIPPED_CHANNEL_ID: fake.channels.shipped, DISCORD_API_BASE: fake.apiBase, WORKER_BACKFILL_HOURS: '0', LOG_LEVEL: 'info',
    },
  });
  const logFile = process.env.BENCH_LOG_DIR ? createWriteStream(`${process.env.BENCH_LOG_DIR}/${tag}.log`) : undefined;
  // Ready for the burst once the backfill that READY starts is done: a burst posted before it
  // ends is read over REST by that backfill, which measures the backfill, not the ingest.
  const caughtUp = new Promise<void>((resolve, reject) => {
    let ready = false;
    createInterface({ input: child.stdout! }).on('line', (l) => {
      logFile?.write(`${l}\n`);
      if (l.startsWith('<6>gateway.ready ')) ready = true;
      else if (ready && l.startsWith('<6>backfill.done ')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited ${code} before it was ready`)));
  });
  try {
    await caughtUp;
    let last: string | undefined;
    const run = await burst(fake, db, child, tag, () => count(db, 'reacted'), async () => {
      // Settled: the cursor reached the burst's last message (it may be written a little later than the rows).
      last ??= fake.messages(fake.channels.shipped).at(-1)?.id;
      return (await getCursor(db.pool, fake.channels.shipped)) === last;
    });
    return run;
  } finally { await stop(child); }
}

const fake = await startFakeDiscord();
// Lift the fake's per-channel reaction bucket (1 per 250 ms, like Discord) so the table shows the
// programs' own cost; the worker's REST client keeps its global 50 requests/s cap, as in production.
fake.rest.setBucket('PUT /channels/:id/messages/:id/reactions/:reaction/@me', 100_000, 1);
const db = await createTestDatabase();
try {
  const floors: Run[] = [];
  const workers: Run[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Interleaved, alternating which goes first, so drift in the machine's load hits both alike.
    if (r % 2 === 0) { floors.push(await floor(fake, db, `f${r}`)); workers.push(await worker(fake, db, `w${r}`)); }
    else { workers.push(await worker(fake, db, `w${r}`)); floors.push(await floor(fake, db, `f${r}`)); }
  }
  const med = (xs: Run[], k: keyof Run) => median(xs.map((x) => x[k]));
  const f = { cpu: med(floors, 'cpuPerMsgMs'), rows: med(floors, 'rowsMs'), react: med(floors, 'reactedMs'), rss: med(floors, 'rss') };
  const w = { cpu: med(workers, 'cpuPerMsgMs'), rows: med(workers, 'rowsMs'), react: med(workers, 'reactedMs'), rss: med(workers, 'rss') };
  console.log(`\nworker ingest: ${N} MESSAGE_CREATE per burst (${LAUNCHES} launches), ${ROUNDS} interleaved rounds (median), database=${db.backend}, node ${process.version}, worker = node dist/bin/worker.js\n`);
  console.log('| figure                       |    floor |   worker | worker/floor | target');
  console.log('|------------------------------|----------|----------|--------------|-------');
  const row = (name: string, a: number, b: number, digits: number, target: string) =>
    console.log(`| ${name.padEnd(28)} | ${a.toFixed(digits).padStart(8)} | ${b.toFixed(digits).padStart(8)} | ${(b / a).toFixed(2).padStart(12)} | ${target}`);
  row('CPU per message, ms', f.cpu, w.cpu, 3, '≤ 1.2');
  row('all launch rows stored, ms', f.rows, w.rows, 0, '≤ 1.2');
  row('all 🚀 confirmed, ms', f.react, w.react, 0, '(worker: REST cap 50/s)');
  row('steady RSS, MiB', f.rss, w.rss, 1, '≤ 1.05');
  console.log(`\nrounds (cpu ms/msg, rows ms, reacted ms): floor ${floors.map((x) => `${x.cpuPerMsgMs.toFixed(3)}/${x.rowsMs.toFixed(0)}/${x.reactedMs.toFixed(0)}`).join(' ')}; worker ${workers.map((x) => `${x.cpuPerMsgMs.toFixed(3)}/${x.rowsMs.toFixed(0)}/${x.reactedMs.toFixed(0)}`).join(' ')}`);
} finally {
  await db.close();
  await fake.close();
}
