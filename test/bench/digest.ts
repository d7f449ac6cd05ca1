// On demand: `npx tsx test/bench/digest.ts` (or `npm run bench digest`); never part of npm test.
// A full digest process run (spawn → claim → build → post every part → exit) with 10,000 launches
// in the window, against baselines measured in the same run: a bare node process that connects to
// the DB and exits, and the digest bin posting 1 launch. Wall time is spawn-to-exit; peak RSS comes
// from /usr/bin/time -v when present (else the bin's own VmHWM log field).
// The fake's message bucket is widened so this measures ShipTrack, not Discord's 5-per-5 s limit.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '../helpers/db.js';
import { startFakeDiscord } from '../../src/fake-discord/index.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const N = Number(process.env.BENCH_LAUNCHES ?? 10_000);
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

interface Measure { label: string; ms: number; rssKb: number | undefined; code: number | null; note: string }

async function measure(label: string, args: string[], env: Record<string, string>, note = ''): Promise<Measure> {
  const argv = TIME ? [TIME, '-v', process.execPath, ...args] : [process.execPath, ...args];
  const t0 = process.hrtime.bigint();
  const child = spawn(argv[0]!, argv.slice(1), { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
  child.stderr.setEncoding('utf8').on('data', (c: string) => { err += c; });
  const code = await new Promise<number | null>((r) => child.on('close', r));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const fromTime = /Maximum resident set size \(kbytes\): (\d+)/.exec(err)?.[1];
  const fromLog = /peak_rss_kb=(\d+)/.exec(out)?.[1];
  if (code !== 0) process.stderr.write(`!! ${label} exited ${code}\n${out}\n${err}\n`);
  const parts = /digest\.done .*parts=(\d+)/.exec(out)?.[1];
  return { label, ms, rssKb: fromTime ? Number(fromTime) : fromLog ? Number(fromLog) : undefined, code, note: note || (parts ? `${parts} parts posted` : '') };
}

async function seed(pool: import('pg').Pool, n: number, start: Date, end: Date, guild: string, channel: string): Promise<void> {
  await pool.query('TRUNCATE digest_parts, digests, launches');
  // One statement: 10,000 rows by 500 makers, spread evenly over the window, realistic text lengths.
  await pool.query(
    `INSERT INTO launches (source, guild_id, channel_id, user_id, user_name, content, urls, message_id, created_at)
     SELECT 'channel', $1, $2, 100000000000000000 + (i % 500), 'maker' || (i % 500),
            'Launched v' || i || ' of my side project today: a small tool that does one thing well, now with dark mode **and** exports https://p' || i || '.example.com',
            ARRAY['https://p' || i || '.example.com'], 1300000000000000000 + i,
            $3::timestamptz + ((i + 0.5) / $5) * ($4::timestamptz - $3::timestamptz)
     FROM generate_series(0, $5 - 1) AS i`,
    [guild, channel, start, end, n]);
}

const db = await createTestDatabase();
const fake = await startFakeDiscord();
try {
  fake.rest.setBucket('POST /channels/:id/messages', 100_000, 1);
  const env = {
    NODE_ENV: 'production', DATABASE_URL: db.url, DISCORD_BOT_TOKEN: fake.botToken, DISCORD_API_BASE: fake.apiBase,
    ANNOUNCEMENTS_CHANNEL_ID: fake.channels.announcements, LLM_API_URL: '', LLM_MODEL: '', DIGEST_QUIET_WEEK: 'false', LOG_LEVEL: 'info',
  };
  const start = new Date('2026-11-23T09:00:00Z');
  const end = new Date('2026-11-30T09:00:00Z');
  const now = ['--now', '2026-11-30T09:00:30Z'];
  const rows: Measure[] = [];

  const bare = `import pg from 'pg'; const c = new pg.Client({ connectionString: process.env.DATABASE_URL }); await c.connect(); await c.query('SELECT 1'); await c.end();`;
  rows.push(await measure('baseline: bare node + pg connect, SELECT 1, exit', ['--input-type=module', '-e', bare], env, 'no tsx, no app code'));

  await seed(db.pool, 1, start, end, fake.guildId, fake.channels.shipped);
  rows.push(await measure('baseline: digest bin, 1 launch', ['--import', 'tsx', 'src/bin/digest.ts', ...now], env));

  await seed(db.pool, N, start, end, fake.guildId, fake.channels.shipped);
  const before = fake.requests.length;
  rows.push(await measure(`digest bin, ${N.toLocaleString('en')} launches`, ['--import', 'tsx', 'src/bin/digest.ts', ...now], env));
  const posted = fake.requests.length - before;
  rows.push(await measure('digest bin, same window again (already posted)', ['--import', 'tsx', 'src/bin/digest.ts', ...now], env, 'no request'));

  const base = rows[1]!;
  console.log(`database: ${db.backend}${db.backend === 'embedded' ? ' (PGlite in this bench process)' : ''}; node ${process.version}; rss via ${TIME ? '/usr/bin/time -v' : 'VmHWM log field'}`);
  console.log('| run | wall ms | peak RSS MiB | vs 1-launch run | note |');
  console.log('|---|---:|---:|---|---|');
  for (const r of rows) {
    const rss = r.rssKb === undefined ? 'n/a' : (r.rssKb / 1024).toFixed(1);
    const ratio = `${(r.ms / base.ms).toFixed(2)}× time, ${r.rssKb && base.rssKb ? (r.rssKb / base.rssKb).toFixed(2) : '?'}× RSS`;
    console.log(`| ${r.label} | ${r.ms.toFixed(0)} | ${rss} | ${ratio} | ${r.note}${r.code !== 0 ? ` EXIT ${r.code}` : ''} |`);
  }
  console.log(`POSTs for the ${N}-launch digest: ${posted}. At Discord's usual 5 messages / 5 s per channel that is ~${Math.ceil(posted / 5) * 5} s of posting.`);
  if (rows.some((r) => r.code !== 0)) process.exitCode = 1;
} finally {
  await fake.close();
  await db.close();
}
