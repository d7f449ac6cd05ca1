// On demand: `npm run bench digest`; never part of npm test. The digest process as production runs
// it (`node dist/bin/digest.js`: spawn → claim → build → post every part → exit) with 10,000 launches
// in the window, with the default parts cap (DIGEST_MAX_PARTS=10) and with the largest one allowed
// (100), against a floor measured in the same run, rounds interleaved: a bare node + pg process
// that reads the same rows and formats them into 2,000-character parts, and posts nothing. Wall
// time is spawn-to-exit; peak RSS and CPU (user+sys) come from /usr/bin/time -v.
// The fake's message bucket is widened so this measures ShipTrack, not Discord's 5-per-5 s limit
// (the REST client's global 50 requests/s cap still applies: with 100 parts it is the bound).
// BENCH_LAUNCHES (default 10000), BENCH_ROUNDS (default 3); CPU_PROF_DIR=<dir> runs the digest with --cpu-prof.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createTestDatabase } from '../helpers/db.js';
import { binArgs, REPO } from '../helpers/bin.js';
import { startFakeDiscord } from '../../src/fake-discord/index.js';
import { median } from './lib/proc.js';

const N = Number(process.env.BENCH_LAUNCHES ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
if (!existsSync('/usr/bin/time')) throw new Error('this bench needs /usr/bin/time (GNU time) for peak RSS and CPU');

interface Measure { ms: number; rssMb: number; cpuMs: number; parts: number; readyMs: number }

const FLOOR = `
import pg from 'pg';
const [start, end] = process.argv.slice(1);
const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
await c.connect();
const { rows } = await c.query(\`SELECT id::text, user_id::text AS "userId", content, urls, created_at AS "createdAt"
  FROM launches WHERE deleted_at IS NULL AND created_at >= $1 AND created_at < $2 ORDER BY created_at, id\`, [start, end]);
const parts = [];
let cur = '';
for (const r of rows) {
  const line = '• <@' + r.userId + '> — ' + r.content.split('\\n')[0].slice(0, 140) + (r.urls[0] ? ' · <' + r.urls[0] + '>' : '');
  if (cur.length + 1 + line.length > 2000) { parts.push(cur); cur = line; } else cur = cur ? cur + '\\n' + line : line;
}
if (cur) parts.push(cur);
console.log('parts=' + parts.length);
await c.end();
`;

async function measure(args: string[], env: Record<string, string>): Promise<Measure> {
  const t0 = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-v', process.execPath, ...args], { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let readyMs = NaN;
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    out += c;
    // Built and frozen, about to post: the part of the run Discord's rate limit does not bound.
    if (Number.isNaN(readyMs) && /digest\.posting |^parts=/m.test(out)) readyMs = Number(process.hrtime.bigint() - t0) / 1e6;
    if (process.env.BENCH_VERBOSE) process.stderr.write(c.replace(/^/gm, `${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0).padStart(6)} ms `));
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    err += c;
    if (process.env.BENCH_VERBOSE) process.stderr.write(c.split('\n').filter((l) => /^<\d>/.test(l)).map((l) => `${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0).padStart(6)} ms ${l}\n`).join(''));
  });
  const code = await new Promise<number | null>((r) => child.on('close', r));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (code !== 0) throw new Error(`${args.join(' ').slice(0, 80)} exited ${code}\n${out}\n${err}`);
  const num = (re: RegExp) => Number(re.exec(err)?.[1] ?? NaN);
  const parts = Number(/parts=(\d+)/.exec(out)?.[1] ?? NaN);
  return {
    ms, rssMb: num(/Maximum resident set size \(kbytes\): (\d+)/) / 1024,
    cpuMs: 1000 * (num(/User time \(seconds\): ([\d.]+)/) + num(/System time \(seconds\): ([\d.]+)/)), parts, readyMs,
  };
}

const db = await createTestDatabase();
const fake = await startFakeDiscord();
try {
  fake.rest.setBucket('POST /channels/:id/messages', 100_000, 1);
  const start = new Date('2026-11-23T09:00:00Z');
  const end = new Date('2026-11-30T09:00:00Z');
  const env = {
    NODE_ENV: 'production', DATABASE_URL: db.url, DISCORD_BOT_TOKEN: fake.botToken, DISCORD_API_BASE: fake.apiBase,
    ANNOUNCEMENTS_CHANNEL_ID: fake.channels.announcements, DIGEST_QUIET_WEEK: 'false', DIGEST_CATCHUP_WEEKS: '0', LOG_LEVEL: 'info',
  };
  await db.pool.query('TRUNCATE digest_parts, digests, launches');
  // One statement: N rows by 500 makers, spread evenly over the window, realistic text lengths.
  await db.pool.query(
    `INSERT INTO launches (source, guild_id, channel_id, user_id, user_name, content, urls, message_id, created_at)
     SELECT 'channel', $1, $2, 100000000000000000 + (i % 500), 'maker' || (i % 500),
            'Launched v' || i || ' of my side project today: a small tool that does one thing well, now with dark mode **and** exports https://p' || i || '.example.com',
            ARRAY['https://p' || i || '.example.com'], 1300000000000000000 + i,
            $3::timestamptz + ((i + 0.5) / $5) * ($4::timestamptz - $3::timestamptz)
     FROM generate_series(0, $5 - 1) AS i`,
    [fake.guildId, fake.channels.shipped, start, end, N]);
  // A production table that filled up over a week has planner statistics (autovacuum analyzes it
  // as it grows); a table loaded in one statement a moment ago has none, and the planner then
  // picks nested loops that make the streak query quadratic (300 ms for 10,000 rows).
  await db.pool.query('ANALYZE launches');
  // Each digest run starts from an unposted window.
  const reset = () => db.pool.query('TRUNCATE digest_parts, digests; UPDATE launches SET digest_window_start = NULL WHERE digest_window_start IS NOT NULL');
  // The fake counts Discord's global 50 requests/s per bot over a sliding second (as Discord does);
  // a run that starts within a second of the 100-part run's last POSTs would wait out that run's
  // 429 (~1 s). Weekly runs are never back to back, so each run starts with the window clear.
  let lastDigestEnd = 0;
  const digest = async (maxParts: number) => {
    await reset();
    const wait = lastDigestEnd + 1100 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const prof = process.env.CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROF_DIR}`] : [];
    try {
      return await measure([...prof, ...binArgs('digest', '--now', '2026-11-30T09:00:30Z')], { ...env, DIGEST_MAX_PARTS: String(maxParts) });
    } finally {
      lastDigestEnd = Date.now();
    }
  };
  const floor = () => measure(['--input-type=module', '-e', FLOOR, start.toISOString(), end.toISOString()], env);

  const runs: Record<'floor' | 'cap10' | 'cap100', Measure[]> = { floor: [], cap10: [], cap100: [] };
  for (let r = 0; r < ROUNDS; r++) {
    runs.floor.push(await floor());
    runs.cap10.push(await digest(10));
    runs.cap100.push(await digest(100));
  }
  const med = (xs: Measure[], k: keyof Measure) => median(xs.map((x) => x[k]));
  const f = { ms: med(runs.floor, 'ms'), rss: med(runs.floor, 'rssMb'), cpu: med(runs.floor, 'cpuMs') };
  console.log(`\ndigest: ${N.toLocaleString('en')} launches in the window, ${ROUNDS} interleaved rounds (median), database=${db.backend}, node ${process.version}, digest = node dist/bin/digest.js\n`);
  console.log('| run                                   |  wall ms | vs floor | to posting ms | vs floor | peak RSS MiB | vs floor |  CPU ms | parts | wall ms, each round');
  console.log('|---------------------------------------|----------|----------|---------------|----------|--------------|----------|---------|-------|--------------------');
  const row = (name: string, xs: Measure[]) => {
    const ms = med(xs, 'ms'), rss = med(xs, 'rssMb'), cpu = med(xs, 'cpuMs'), ready = med(xs, 'readyMs');
    console.log(`| ${name.padEnd(37)} | ${ms.toFixed(0).padStart(8)} | ${(ms / f.ms).toFixed(2).padStart(8)} | ${ready.toFixed(0).padStart(13)} | ${(ready / f.ms).toFixed(2).padStart(8)} | ${rss.toFixed(1).padStart(12)} | ${(rss / f.rss).toFixed(2).padStart(8)} | ${cpu.toFixed(0).padStart(7)} | ${String(med(xs, 'parts')).padStart(5)} | ${xs.map((x) => x.ms.toFixed(0)).join(' ')} (RSS ${xs.map((x) => x.rssMb.toFixed(0)).join(' ')})`);
  };
  row('floor: node + pg, read + format', runs.floor);
  row('digest, DIGEST_MAX_PARTS=10 (default)', runs.cap10);
  row('digest, DIGEST_MAX_PARTS=100 (max)', runs.cap100);
  // On a shared machine a load spike can hit one program of a round: the ratio within each round
  // (the floor and the digest ran back to back) is steadier than the ratio of the medians.
  for (const [name, xs] of [['cap 10', runs.cap10], ['cap 100', runs.cap100]] as const) {
    const ratios = xs.map((x, i) => x.ms / runs.floor[i]!.ms);
    const ready = xs.map((x, i) => x.readyMs / runs.floor[i]!.ms);
    console.log(`${name}: wall / floor wall in each round ${ratios.map((r) => r.toFixed(2)).join(' ')} (median ${median(ratios).toFixed(2)}); to posting / floor wall ${ready.map((r) => r.toFixed(2)).join(' ')} (median ${median(ready).toFixed(2)})`);
  }
  console.log('\ntargets (cap 10): peak RSS ≤ 1.2× floor; wall ≤ 2× floor. With 100 parts the REST client\'s 50 requests/s cap (Discord\'s global');
  console.log('rate limit) is the bound; "to posting" is spawn until the parts are frozen and the first POST starts (the floor: until it printed).');
} finally {
  await fake.close();
  await db.close();
}
