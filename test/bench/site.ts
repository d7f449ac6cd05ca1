// On-demand benchmark of the public site (issue 17; NOT part of npm test):
//   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench site
// 10,000 launches in the database (test/helpers/site-seed.ts: 500 makers over 26 posted weeks,
// every tenth launch by one busy member, plus the demo-like week), the web process as production
// runs it (`node dist/bin/web.js`, PUBLIC_SITE=true), and `/` and the busy member's page under 50
// concurrent clients (autocannon), against a floor: a separate node:http process serving the
// very bytes and headers ShipTrack answered for that page, from memory (this file with --floor).
// Three ways of asking: without Accept-Encoding; as a browser does (`gzip, deflate, br`: the floor
// replays the compressed bytes); and without, while a launch by the busy member is stored every
// 100 ms (each one changes both pages, so ShipTrack re-renders them; the floor cannot tell).
// Rounds interleave floor and ShipTrack per page and way. Server CPU per request is each
// process's utime+stime from /proc over the round (test/bench/lib/proc.ts). Options via env:
// BENCH_SECONDS (5), BENCH_CONNECTIONS (50), BENCH_ROUNDS (2), BENCH_LAUNCHES (10000).
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binArgs, REPO } from '../helpers/bin.js';
import { freePort } from '../helpers/net.js';
import { cpuMs, median } from './lib/proc.js';
import type { Queryable } from '../../src/db/pool.js';

// autocannon ships no types (and @types/autocannon is not a dependency): the slice used here.
interface CannonResult { requests: { average: number; total: number }; latency: { p50: number; p99: number; max: number }; errors: number; timeouts: number; non2xx: number }
type Cannon = (opts: Record<string, unknown>) => Promise<CannonResult>;
const autocannon = ((await import('autocannon' as string)) as { default: Cannon }).default;

/** A page as ShipTrack answered it to one Accept-Encoding: what the floor replays. */
interface Page { path: string; accept: string; status: number; headers: Record<string, string>; body: string /* base64 */ }

/** How the clients ask; `writes` stores that many launches a second during the round. */
interface Way { name: string; accept: string; writes: number }
const WAYS: Way[] = [
  { name: 'plain', accept: '', writes: 0 },
  { name: 'br (browser)', accept: 'gzip, deflate, br', writes: 0 },
  { name: 'plain + 10 launches/s', accept: '', writes: 10 },
];
/** Per-connection headers node:http writes itself; everything else is replayed as ShipTrack sent it. */
const HOP = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

if (process.argv.includes('--floor')) floor();
else await main();

/** The floor: node:http answering each path and Accept-Encoding with bytes held in memory. No routing beyond a Map, no database. */
function floor(): void {
  const pages = new Map((JSON.parse(readFileSync(process.env.FLOOR_PAGES!, 'utf8')) as Page[])
    .map((p) => [`${p.path} ${p.accept}`, { ...p, bytes: Buffer.from(p.body, 'base64') }]));
  const server = http.createServer((req, res) => {
    const p = pages.get(`${req.url} ${req.headers['accept-encoding'] ?? ''}`);
    if (!p) { res.writeHead(404).end(); return; }
    res.writeHead(p.status, { ...p.headers, 'content-length': p.bytes.length }).end(p.bytes);
  });
  server.listen(Number(process.env.PORT), '127.0.0.1');
  process.on('SIGTERM', () => { server.close(); server.closeAllConnections(); });
}

/** GET `path` once with Accept-Encoding `accept` (none when ''): status, headers and body as sent. */
function fetchPage(port: number, path: string, accept: string): Promise<Page> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false, headers: accept ? { 'accept-encoding': accept } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (!HOP.has(k) && v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ path, accept, status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('base64') });
      }).on('error', reject);
    }).on('error', reject);
  });
}

async function waitHttp(port: number, path: string, proc: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`the process for port ${port} exited (${proc.exitCode ?? proc.signalCode}); its stderr is above`);
    const ok = await new Promise<boolean>((r) => http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => { res.resume(); r(res.statusCode === 200); }).on('error', () => r(false)));
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing answered 200 on ${port}${path}`);
}

function child(name: string, args: string[], env: Record<string, string>): ChildProcess {
  const p = spawn(process.execPath, args, { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  p.stderr!.on('data', (d: Buffer) => process.stderr.write(`[${name}] ${d}`));
  return p;
}

interface Run { page: string; way: string; server: 'floor' | 'ShipTrack'; rps: number; p50: number; p99: number; cpu: number; dbCpu: number; total: number; bad: number }

/**
 * What the site's queries cost the database, which the server's own CPU does not show: CPU used
 * so far (proc(5)) by each PostgreSQL backend connected to the bench's database (the web's pool
 * and this process's writer), by pid. PostgreSQL runs here, so /proc has them; empty on the
 * embedded backend, which runs in this process.
 */
async function backendCpu(db: Queryable, embedded: boolean): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (embedded) return out;
  const { rows } = await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
  for (const { pid } of rows) {
    try { out.set(pid, cpuMs(pid)); } catch { /* ended meanwhile */ }
  }
  return out;
}

/** CPU the backends used between two backendCpu() readings (one that started meanwhile counts whole; one that ended is lost). */
function backendCpuUsed(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, ms] of after) sum += ms - (before.get(pid) ?? 0);
  return sum;
}

/** `connections` clients on `path` for `seconds`, asking as `way` says; the server's CPU per request from /proc. */
async function measure(server: Run['server'], proc: ChildProcess, port: number, page: string, path: string, way: Way, seconds: number, connections: number, write: () => Promise<unknown>, db: Queryable, embedded: boolean): Promise<Run> {
  const dbBefore = await backendCpu(db, embedded);
  const before = cpuMs(proc.pid!);
  const writer = way.writes ? setInterval(() => { write().catch((err: Error) => console.error(`launch insert failed: ${err.message}`)); }, 1000 / way.writes) : undefined;
  let r: CannonResult;
  try {
    r = await autocannon({
      url: `http://127.0.0.1:${port}${path}`, connections, duration: seconds, pipelining: 1, timeout: 10,
      headers: way.accept ? { 'accept-encoding': way.accept } : {},
    });
  } finally {
    clearInterval(writer);
  }
  const used = cpuMs(proc.pid!) - before;
  const dbUsed = backendCpuUsed(dbBefore, await backendCpu(db, embedded));
  return {
    page, way: way.name, server, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99,
    cpu: used / r.requests.total, dbCpu: dbUsed / r.requests.total, total: r.requests.total, bad: r.non2xx + r.errors + r.timeouts,
  };
}

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
  const launches = Number(process.env.BENCH_LAUNCHES ?? 10_000);
  const { createTestDatabase } = await import('../helpers/db.js');
  const { seedSite, seedBulk, BUSY, GUILD, SHIPPED } = await import('../helpers/site-seed.js');
  const db = await createTestDatabase();
  const tmp = mkdtempSync(join(tmpdir(), 'shiptrack-bench-site-'));
  const procs: ChildProcess[] = [];
  try {
    const now = new Date();
    await seedSite(db.pool, now);
    await seedBulk(db.pool, launches, now);
    const { rows } = await db.pool.query<{ n: string; busy: string }>(
      'SELECT count(*)::text AS n, count(*) FILTER (WHERE user_id = $1)::text AS busy FROM launches WHERE deleted_at IS NULL', [BUSY.id]);

    const embedded = db.backend === 'embedded';
    const webPort = await freePort();
    const floorPort = await freePort();
    const web = child('web', binArgs('web'), {
      NODE_ENV: 'production', DATABASE_URL: db.url, HOST: '127.0.0.1', PORT: String(webPort), LOG_LEVEL: 'warn',
      DISCORD_PUBLIC_KEY: 'ab'.repeat(32), DISCORD_APPLICATION_ID: '1300000000000000001',
      PUBLIC_SITE: 'true', PUBLIC_SITE_URL: `http://127.0.0.1:${webPort}`,
    });
    procs.push(web);
    await waitHttp(webPort, '/healthz', web);
    const pages = { home: '/', member: `/members/${BUSY.id}` };
    const accepts = [...new Set(WAYS.map((w) => w.accept))];
    const captured = await Promise.all(Object.values(pages).flatMap((p) => accepts.map((a) => fetchPage(webPort, p, a))));
    for (const p of captured) if (p.status !== 200) throw new Error(`ShipTrack answered ${p.status} for ${p.path}`);
    writeFileSync(join(tmp, 'pages.json'), JSON.stringify(captured));
    // The floor is this file's floor() under tsx: the loader costs CPU at start-up only, before anything is measured.
    const fl = child('floor', ['--import', 'tsx', 'test/bench/site.ts', '--floor'], { FLOOR_PAGES: join(tmp, 'pages.json'), PORT: String(floorPort) });
    procs.push(fl);
    await waitHttp(floorPort, '/', fl);

    console.log(`# ${rows[0]!.n} live launches (${rows[0]!.busy} by ${BUSY.name}); database: ${db.backend}; ${connections} connections × ${seconds} s × ${rounds} rounds; node ${process.version}`);
    for (const p of captured) console.log(`#   ${p.path}${p.accept ? ` (Accept-Encoding: ${p.accept})` : ''}: ${Buffer.from(p.body, 'base64').length} bytes, ${p.headers['content-type']}${p.headers['content-encoding'] ? `, ${p.headers['content-encoding']}` : ''}`);
    // A launch by the busy member, now: it changes `/` (this week) and the member page alike.
    let written = 0;
    const write = () => db.pool.query(
      `INSERT INTO launches (source, guild_id, channel_id, user_id, user_name, content, urls, message_id, created_at)
       VALUES ('channel', $1, $2, $3, $4, $5, $6, $7, now())`,
      [GUILD, SHIPPED, BUSY.id, BUSY.name, `Shipped patch ${written} https://patch${written}.example`, [`https://patch${written}.example`], String(1400000000000000000n + BigInt(written++))]);
    // Warm-up under the measured load, so the rounds measure steady state, not V8 compiling code.
    for (const path of Object.values(pages)) {
      for (const way of WAYS.slice(0, 2)) {
        await measure('floor', fl, floorPort, '', path, way, 2, connections, write, db.pool, embedded);
        await measure('ShipTrack', web, webPort, '', path, way, 2, connections, write, db.pool, embedded);
      }
    }
    const runs: Run[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const way of WAYS) {
        for (const [page, path] of Object.entries(pages)) {
          runs.push(await measure('floor', fl, floorPort, page, path, way, seconds, connections, write, db.pool, embedded));
          runs.push(await measure('ShipTrack', web, webPort, page, path, way, seconds, connections, write, db.pool, embedded));
        }
      }
    }

    const med = (page: string, way: string, server: Run['server'], k: 'rps' | 'p50' | 'p99' | 'cpu' | 'dbCpu') =>
      median(runs.filter((r) => r.page === page && r.way === way && r.server === server).map((r) => r[k]));
    const bad = runs.reduce((a, r) => a + r.bad, 0);
    console.log('\n| page | clients ask | server | req/s | p50 ms | p99 ms | CPU ms/req | PostgreSQL CPU ms/req | req/s ÷ floor | p99 ÷ floor | CPU ÷ floor |');
    console.log('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const [page, path] of Object.entries(pages)) {
      for (const way of WAYS) {
        for (const server of ['floor', 'ShipTrack'] as const) {
          const ratio = (k: 'rps' | 'p99' | 'cpu') => (server === 'floor' ? '1' : (med(page, way.name, server, k) / med(page, way.name, 'floor', k)).toFixed(2));
          console.log(`| \`${page === 'member' ? '/members/{busy}' : path}\` | ${way.name} | ${server} | ${med(page, way.name, server, 'rps').toFixed(0)} | ${med(page, way.name, server, 'p50')} | ${med(page, way.name, server, 'p99')} | ${med(page, way.name, server, 'cpu').toFixed(3)} | ${embedded ? '-' : med(page, way.name, server, 'dbCpu').toFixed(3)} | ${ratio('rps')} | ${ratio('p99')} | ${ratio('cpu')} |`);
        }
      }
    }
    console.log(`\nlaunches stored during the "+ 10 launches/s" rounds: ${written}`);
    console.log(`\nmedians of ${rounds} interleaved rounds; CPU is the server process's utime+stime per request (autocannon runs in this process, on the same cores); PostgreSQL CPU is that of the backends connected to the bench's database (the web's pool, and the writer's INSERTs). Non-2xx, errors or timeouts: ${bad}`);
    if (bad) process.exitCode = 1;
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r(null) : p.on('exit', r)))));
    rmSync(tmp, { recursive: true, force: true });
    await db.close();
  }
}
