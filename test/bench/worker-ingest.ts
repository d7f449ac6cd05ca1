// On-demand benchmark (`npx tsx test/bench/worker-ingest.ts`, not part of npm test): MESSAGE_CREATE
// throughput from the fake gateway into the REAL worker process (decide → row → 🚀 → cursor, plus
// the shard's per-event session save), and its steady-state RSS, each against a baseline measured
// in the same run: a raw `ws` client that only parses the frames (HELLO, IDENTIFY, heartbeats).
// BENCH_N=messages per scenario (default 1000). Database: TEST_DATABASE_URL, else embedded PGlite.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { startFakeDiscord, type FakeDiscord } from '../../src/fake-discord/index.js';
import { getCursor } from '../../src/db/gateway-state.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { spawnWorker, waitFor } from '../integration/worker-harness.js';

const N = Number(process.env.BENCH_N ?? 1000);

const BASELINE = `
import WebSocket from 'ws';
const [url, token, n] = process.argv.slice(1);
let seq = null, creates = 0, beat;
const ws = new WebSocket(url + '?v=10&encoding=json');
ws.on('message', (raw) => {
  const p = JSON.parse(raw.toString());
  if (p.s !== null && p.s !== undefined) seq = p.s;
  if (p.op === 10) {
    beat = setInterval(() => ws.send(JSON.stringify({ op: 1, d: seq })), p.d.heartbeat_interval);
    ws.send(JSON.stringify({ op: 2, d: { token, intents: 33281, properties: { os: 'linux', browser: 'bench', device: 'bench' } } }));
  } else if (p.op === 0 && p.t === 'READY') console.log('ready');
  else if (p.op === 0 && p.t === 'MESSAGE_CREATE' && ++creates === Number(n)) console.log('done');
});
process.on('SIGTERM', () => { clearInterval(beat); ws.close(1000); setTimeout(() => process.exit(0), 100); });
`;

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Median of a few samples 200 ms apart, after the work is done (steady state). */
async function steadyRss(pid: number): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < 5; i++) { await new Promise((r) => setTimeout(r, 200)); xs.push(rssMb(pid)); }
  return xs.sort((a, b) => a - b)[2]!;
}

function postBurst(fake: FakeDiscord, n: number, launchEvery: number): string[] {
  const authors = fake.members.map((m) => m.id);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const launch = launchEvery > 0 && i % launchEvery === 0;
    const content = launch ? `shipped https://example.com/bench/${i} today` : `bench chat line ${i} nothing to see`;
    ids.push(fake.postMessage({ channelId: fake.channels.shipped, authorId: authors[i % authors.length]!, content }).id);
  }
  return ids;
}

async function baseline(fake: FakeDiscord): Promise<{ ms: number; rss: number }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', BASELINE, fake.gatewayUrl, fake.botToken, String(N)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const next = (want: string) => new Promise<void>((resolve) => lines.on('line', (l) => { if (l === want) resolve(); }));
  await next('ready');
  const t0 = performance.now();
  const done = next('done');
  postBurst(fake, N, 2);
  await done;
  const ms = performance.now() - t0;
  const rss = await steadyRss(child.pid!);
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  return { ms, rss };
}

async function worker(fake: FakeDiscord, db: TestDatabase, launchEvery: number): Promise<{ ms: number; rss: number; launches: number }> {
  await db.pool.query('TRUNCATE launches, channel_cursors, gateway_sessions');
  const w = spawnWorker({
    DATABASE_URL: db.url, DISCORD_BOT_TOKEN: fake.botToken, SHIPPED_CHANNEL_ID: fake.channels.shipped,
    DISCORD_API_BASE: fake.apiBase, WORKER_BACKFILL_HOURS: '0', LOG_LEVEL: 'warn',
  }, 'bench');
  await waitFor('worker connected', () => fake.gateway.sessions().some((s) => s.connected && s.identified && !s.invalid), 30_000);
  await waitFor('start-up backfill', async () => (await getCursor(db.pool, fake.channels.shipped)) !== undefined, 30_000);
  const t0 = performance.now();
  const ids = postBurst(fake, N, launchEvery);
  const launches = launchEvery > 0 ? Math.ceil(N / launchEvery) : 0;
  await waitFor('all handled', async () => {
    if ((await getCursor(db.pool, fake.channels.shipped)) !== ids.at(-1)) return false;
    const r = await db.pool.query('SELECT count(*)::int AS n FROM launches WHERE reacted_at IS NOT NULL');
    return r.rows[0].n === launches;
  }, 300_000, 20);
  const ms = performance.now() - t0;
  const rss = await steadyRss(w.child.pid!);
  await w.kill('SIGTERM');
  const puts = fake.reactionPuts().length;
  return { ms, rss, launches: puts };
}

const fake = await startFakeDiscord();
// Lift the fake's per-channel reaction bucket (1 per 250 ms, like Discord) so the table shows the
// worker's own cost; the REST client's global 50 requests/s cap still applies, as in production.
fake.rest.setBucket('PUT /channels/:id/messages/:id/reactions/:reaction/@me', 100_000, 1);
const db = await createTestDatabase();
try {
  const base = await baseline(fake);
  const chat = await worker(fake, db, 0);
  const before = fake.reactionPuts().length;
  const mixed = await worker(fake, db, 2);
  const rate = (ms: number) => N / (ms / 1000);
  const row = (name: string, ms: number, rss: number, note: string) =>
    `| ${name.padEnd(34)} | ${rate(ms).toFixed(0).padStart(8)} | ${(rate(ms) / rate(base.ms)).toFixed(3).padStart(9)} | ${rss.toFixed(1).padStart(8)} | ${(rss / base.rss).toFixed(2).padStart(8)} | ${note}`;
  console.log(`\nworker ingest, N=${N} MESSAGE_CREATE per scenario, database=${db.backend}, node ${process.version}; the worker runs under tsx (its RSS includes the loader)\n`);
  console.log('| scenario                           |    msg/s | vs. base  |  RSS MB  | vs. base | note');
  console.log('|------------------------------------|----------|-----------|----------|----------|-----');
  console.log(row('baseline: raw ws, parse only', base.ms, base.rss, 'no DB, no REST'));
  console.log(row('worker: all chat (decide+cursor)', chat.ms, chat.rss, 'no rows, no REST'));
  console.log(row('worker: 50% launches (row + 🚀)', mixed.ms, mixed.rss, `${mixed.launches - before} PUTs; REST client caps at 50 req/s`));
} finally {
  await db.close();
  await fake.close();
}
