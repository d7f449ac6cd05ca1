// On-demand benchmark of the interactions endpoint (NOT part of npm test):
//   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench interactions
// Runs signed /ship (a real INSERT each) against the web service as production runs it (`node
// dist/bin/web.js`), one instance and two instances on one database (the load split over both),
// and against a floor program (bare node:http + node:crypto verify + one INSERT, this file with
// --floor), rounds interleaved, all under the same load; then ShipTrack again with
// the launches table locked for 5 s (real Postgres only). Server CPU per request is the servers'
// utime+stime from /proc over the run. Each request has its own interaction id and signature,
// generated before the run. Options via env: BENCH_SECONDS (10), BENCH_CONNECTIONS (100), BENCH_ROUNDS (2);
// CPU_PROF_DIR=<dir> runs the floor and the web instances with --cpu-prof into that directory (written at SIGTERM).
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync, verify as edVerify } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import { binArgs, REPO } from '../helpers/bin.js';
import { cpuMs, median } from './lib/proc.js';
import { APP_ID, makeRequests, type Signed } from './lib/signed-ship.js';
import { freePort } from '../helpers/net.js';

// autocannon ships no types (and @types/autocannon is not a dependency): the slice used here.
interface CannonResult { requests: { average: number; total: number }; latency: { p50: number; p99: number; max: number }; errors: number; timeouts: number }
type Cannon = ((opts: Record<string, unknown>) => Promise<CannonResult> & { on(event: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void): void });
const autocannon = ((await import('autocannon' as string)) as { default: Cannon }).default;

const PATH = '/api/discord/interact';

if (process.argv.includes('--floor')) await floor();
else await main();

/** The floor: what any endpoint must do at least. No routing, no timeouts, no deferral, no escaping. */
async function floor(): Promise<void> {
  const raw = Buffer.from(process.env.FLOOR_PUBLIC_KEY!, 'hex');
  const key = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]), format: 'der', type: 'spki' });
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const ts = String(req.headers['x-signature-timestamp']);
      const ok = edVerify(null, Buffer.concat([Buffer.from(ts), body]), key, Buffer.from(String(req.headers['x-signature-ed25519']), 'hex'));
      if (!ok) { res.writeHead(401).end(); return; }
      const i = JSON.parse(body.toString());
      pool.query(`INSERT INTO launches (source, guild_id, channel_id, user_id, user_name, content, urls, interaction_id, created_at)
        VALUES ('slash', $1, $2, $3, $4, $5, '{}', $6, now()) ON CONFLICT DO NOTHING`,
      [i.guild_id, i.channel_id, i.member.user.id, i.member.user.username, i.data.options[0].value, i.id])
        .then(() => {
          const out = JSON.stringify({ type: 4, data: { content: `Logged: ${i.data.options[0].value}`, allowed_mentions: { parse: [] } } });
          res.writeHead(200, { 'content-type': 'application/json' }).end(out);
        }, () => { res.writeHead(500).end(); });
    });
  });
  server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('floor listening'));
  process.on('SIGTERM', () => { server.close(); void pool.end().then(() => process.exit(0)); });
}

interface RunResult { name: string; rps: number; p50: number; p99: number; max: number; total: number; statuses: Record<string, number>; types: Record<string, number>; over3s: number; reused: number }

async function load(name: string, port: number, reqs: Signed[], seconds: number, connections: number): Promise<RunResult> {
  let next = 0;
  let reused = 0;
  const statuses: Record<string, number> = {};
  const types: Record<string, number> = {};
  let over3s = 0;
  const instance = autocannon({
    url: `http://127.0.0.1:${port}`,
    connections, duration: seconds, pipelining: 1, timeout: 10,
    requests: [{
      method: 'POST', path: PATH,
      setupRequest: (req: Record<string, unknown>) => {
        if (next >= reqs.length) reused++;
        const r = reqs[next++ % reqs.length]!;
        return { ...req, body: r.body, headers: { 'content-type': 'application/json', 'x-signature-ed25519': r.sig, 'x-signature-timestamp': r.ts } };
      },
      onResponse: (status: number, body: string) => {
        statuses[status] = (statuses[status] ?? 0) + 1;
        try { const t = String((JSON.parse(body) as { type: number }).type); types[t] = (types[t] ?? 0) + 1; } catch { types['?'] = (types['?'] ?? 0) + 1; }
      },
    }],
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => { if (ms > 3000) over3s++; });
  const result = await instance;
  return {
    name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max,
    total: result.requests.total, statuses: { ...statuses, ...(result.errors ? { errors: result.errors } : {}), ...(result.timeouts ? { timeouts: result.timeouts } : {}) },
    types, over3s, reused,
  };
}

function sumCounts(xs: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) for (const [k, n] of Object.entries(x)) out[k] = (out[k] ?? 0) + n;
  return out;
}

async function waitHttp(port: number, path: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((r) => http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => { res.resume(); r(true); }).on('error', () => r(false)));
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listening on ${port}`);
}

function child(args: string[], env: Record<string, string>): ChildProcess {
  const p = spawn(process.execPath, args, { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  p.stderr!.on('data', (d: Buffer) => process.stderr.write(`[${args.at(-1)}] ${d}`));
  return p;
}

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 10);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 100);
  const { createTestDatabase } = await import('../helpers/db.js');
  const db = await createTestDatabase();
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pubHex = publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('hex');
  const secret = createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' }));

  // Where deferred replies are PATCHed: a sink that counts them (stands in for Discord).
  const patches: string[] = [];
  const sink = http.createServer((req, res) => {
    let b = '';
    req.on('data', (c) => { b += c; });
    req.on('end', () => { if (req.method === 'PATCH') patches.push(b); res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"1"}'); });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
  const sinkPort = (sink.address() as net.AddressInfo).port;

  const floorPort = await freePort();
  const webPort = await freePort();
  const web2Port = await freePort();
  // The floor is this file's floor() under tsx: the loader costs CPU at start-up only, before the runs measure anything.
  const prof = process.env.CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROF_DIR}`] : [];
  const floorProc = child([...prof, '--import', 'tsx', 'test/bench/interactions.ts', '--floor'], { DATABASE_URL: db.url, FLOOR_PUBLIC_KEY: pubHex, PORT: String(floorPort) });
  const webEnv = (port: number) => ({
    NODE_ENV: 'production', DATABASE_URL: db.url, DISCORD_PUBLIC_KEY: pubHex, DISCORD_APPLICATION_ID: APP_ID, HOST: '127.0.0.1', PORT: String(port),
    DISCORD_API_BASE: `http://127.0.0.1:${sinkPort}/api/v10`, LOG_LEVEL: 'info',
  });
  const webProc = child([...prof, ...binArgs('web')], webEnv(webPort));
  const web2Proc = child([...prof, ...binArgs('web')], webEnv(web2Port));
  try {
    await Promise.all([waitHttp(floorPort, '/'), waitHttp(webPort, '/healthz'), waitHttp(web2Port, '/healthz')]);
    // Enough that no request is sent twice: a replay hits ON CONFLICT and is cheaper than a launch, which
    // flattered whichever program ran out (the floor, at up to 5,600 req/s on an idle machine).
    const perRun = Math.max(20_000, seconds * 7000);
    console.log(`# database: ${db.backend}; ${connections} connections × ${seconds} s; pre-signing ${perRun} requests per run`);
    // Warm-up under the measured load, so the rounds measure steady state, not V8 compiling each
    // program's code (a one-off that costs the larger program more; a web process runs for days).
    const warm = Math.max(8000, 3 * 4000);
    await load('warm-up floor', floorPort, makeRequests(warm, secret, 'warm'), 3, connections);
    await load('warm-up web', webPort, makeRequests(warm, secret, 'warm'), 3, connections);
    await load('warm-up web 2', web2Port, makeRequests(warm, secret, 'warm2'), 3, connections);

    // One run against `procs` on `ports` (connections split evenly); server CPU per request from /proc.
    const cpu: Record<string, number> = {};
    const measured = async (name: string, procs: ChildProcess[], ports: number[], tag: string): Promise<RunResult> => {
      const before = procs.map((p) => cpuMs(p.pid!));
      const parts = await Promise.all(ports.map((port, i) => load(name, port, makeRequests(Math.ceil(perRun / ports.length), secret, `${tag}-${i}`), seconds, Math.ceil(connections / ports.length))));
      const used = procs.reduce((a, p, i) => a + cpuMs(p.pid!) - before[i]!, 0);
      const r: RunResult = parts.length === 1 ? parts[0]! : {
        name, rps: parts.reduce((a, p) => a + p.rps, 0), p50: Math.max(...parts.map((p) => p.p50)), p99: Math.max(...parts.map((p) => p.p99)),
        max: Math.max(...parts.map((p) => p.max)), total: parts.reduce((a, p) => a + p.total, 0),
        statuses: sumCounts(parts.map((p) => p.statuses)), types: sumCounts(parts.map((p) => p.types)),
        over3s: parts.reduce((a, p) => a + p.over3s, 0), reused: parts.reduce((a, p) => a + p.reused, 0),
      };
      cpu[name] = used / r.total;
      return r;
    };
    // Interleaved (floor, web, 2 webs; then again) so drift in machine load hits all alike.
    const results: RunResult[] = [];
    const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
    for (let round = 1; round <= rounds; round++) {
      results.push(await measured(`floor (http+verify+INSERT) #${round}`, [floorProc], [floorPort], `floor${round}`));
      results.push(await measured(`ShipTrack web #${round}`, [webProc], [webPort], `web${round}`));
      results.push(await measured(`ShipTrack web ×2 instances #${round}`, [webProc, web2Proc], [webPort, web2Port], `webs${round}`));
    }

    let stallNote = '';
    if (db.backend === 'postgres') {
      const lockReqs = makeRequests(perRun, secret, 'stall');
      const locker = new pg.Client({ connectionString: db.url });
      await locker.connect();
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE launches IN ACCESS EXCLUSIVE MODE');
      const unlock = setTimeout(() => { void locker.query('COMMIT'); }, 5000);
      const patchesBefore = patches.length;
      results.push(await load('ShipTrack web, DB locked 5 s', webPort, lockReqs, seconds, connections));
      clearTimeout(unlock);
      await locker.end();
      await new Promise((r) => setTimeout(r, 3000)); // let the deferred PATCHes land
      const sent = patches.slice(patchesBefore);
      const apologies = sent.filter((b) => b.includes('could not save')).length;
      stallNote = `deferred PATCHes received: ${sent.length} (${sent.length - apologies} confirmations, ${apologies} apologies)`;
    } else {
      stallNote = 'DB-stall run skipped: needs real Postgres (set TEST_DATABASE_URL) for LOCK TABLE from a second session';
    }

    const floors = results.filter((r) => r.name.startsWith('floor'));
    const base = { rps: median(floors.map((r) => r.rps)), p99: median(floors.map((r) => r.p99)), cpu: median(floors.map((r) => cpu[r.name]!)) };
    const pad = (s: string, n: number) => s.padEnd(n);
    console.log(`\n${pad('run', 36)} ${pad('req/s', 8)} ${pad('vs floor*', 9)} ${pad('CPU ms/req', 10)} ${pad('vs floor*', 9)} ${pad('p50 ms', 7)} ${pad('p99 ms', 7)} ${pad('vs floor*', 9)} ${pad('max ms', 7)} ${pad('>3 s', 5)} ${pad('total', 7)} responses`);
    for (const r of results) {
      const c = cpu[r.name];
      console.log(`${pad(r.name, 36)} ${pad(r.rps.toFixed(0), 8)} ${pad((r.rps / base.rps).toFixed(2), 9)} ${pad(c === undefined ? '-' : c.toFixed(3), 10)} ${pad(c === undefined ? '-' : (c / base.cpu).toFixed(2), 9)} ${pad(String(r.p50), 7)} ${pad(String(r.p99), 7)} ${pad((r.p99 / base.p99).toFixed(2), 9)} ${pad(String(r.max), 7)} ${pad(String(r.over3s), 5)} ${pad(String(r.total), 7)} status ${JSON.stringify(r.statuses)} type ${JSON.stringify(r.types)}${r.reused ? ` (${r.reused} replays: pre-signed set exhausted)` : ''}`);
    }
    console.log(`* ratio to the median floor run (req/s ${base.rps.toFixed(0)}, CPU ${base.cpu.toFixed(3)} ms/req, p99 ${base.p99} ms); targets: CPU ≤ 1.25, req/s ≥ 0.85, p99 ≤ 1.3 (one instance)`);
    console.log(stallNote);
    const rows = await db.pool.query<{ source: string; n: string }>('SELECT count(*)::text AS n FROM launches');
    console.log(`rows in launches: ${rows.rows[0]!.n}`);
  } finally {
    floorProc.kill('SIGTERM');
    webProc.kill('SIGTERM');
    web2Proc.kill('SIGTERM');
    await Promise.all([floorProc, webProc, web2Proc].map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.on('exit', r)))));
    sink.close();
    await db.close();
  }
}
