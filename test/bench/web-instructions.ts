// On-demand benchmark (NOT part of npm test): CPU instructions per signed /ship, counted by
// valgrind's callgrind, for the web service as production runs it (`node dist/bin/web.js`) and for
// the floor of interactions.ts (bare node:http + crypto.verify + one INSERT), same database:
//   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench web-instructions
//
// Why next to interactions.ts: CPU time per request on 2 shared cores moves by ±15% between rounds
// (the load generator, PostgreSQL and the server share them), enough to hide a 5% change. An
// instruction count does not depend on what else the machine does (valgrind.org/docs/manual/cl-manual.html);
// it still moves by about 2% between runs, because V8 decides by itself when a function gets
// optimised and the same code then runs fewer instructions. It counts user-space
// instructions only, not the kernel's work for the sockets (the same for both programs), so its
// ratio is smaller than the CPU-time ratio; the target stays the CPU-time one of interactions.ts.
//
// How: each program runs under callgrind with instrumentation off; after a warm-up of the same size
// as the measured run (so V8 has compiled the hot code), `callgrind_control -i on` counts exactly
// the measured requests, sent over 10 keep-alive connections. Reported per request: all instructions,
// and without V8's optimising compilers (a one-off per function that a long-running process pays once
// and that still varies by ~5% between runs under valgrind). Rounds: BENCH_ROUNDS (1), size
// BENCH_REQUESTS (3000). BENCH_TOP=<n> also lists the n functions with the largest difference per
// request, JIT-compiled JavaScript named through `--perf-basic-prof`'s /tmp/perf-<pid>.map.
import http from 'node:http';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, createPrivateKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binArgs, REPO } from '../helpers/bin.js';
import { median } from './lib/proc.js';
import { APP_ID, makeRequests, type Signed } from './lib/signed-ship.js';
import { freePort } from '../helpers/net.js';

const PATH = '/api/discord/interact';
const CONNECTIONS = 10;

if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.log('!! valgrind is not installed (Debian package valgrind): nothing measured');
  process.exit(1);
}

/** Sends every request over CONNECTIONS keep-alive connections; resolves with how many were not 200. */
async function send(port: number, reqs: readonly Signed[]): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  let next = 0;
  let failed = 0;
  const one = (r: Signed) => new Promise<number>((resolve) => {
    const req = http.request({
      host: '127.0.0.1', port, path: PATH, method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(r.body), 'x-signature-ed25519': r.sig, 'x-signature-timestamp': r.ts },
    }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', () => resolve(0));
    req.end(r.body);
  });
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (next < reqs.length) if (await one(reqs[next++]!) !== 200) failed++;
  }));
  agent.destroy();
  return failed;
}

async function waitHttp(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before listening`);
    const ok = await new Promise<boolean>((r) => http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => { res.resume(); r(true); }).on('error', () => r(false)));
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`nothing listening on ${port}`);
}

interface Counted { total: number; compile: number; pid: number; file: string }

/** One program under callgrind: warm-up, then the measured requests counted; instructions per request. */
async function measure(which: 'floor' | 'web', dir: string, env: Record<string, string>, secret: KeyObject, n: number, round: number): Promise<Counted> {
  const port = await freePort();
  const out = join(dir, `${which}-${round}.%p.out`);
  const program = which === 'web' ? binArgs('web') : ['--import', 'tsx', 'test/bench/interactions.ts', '--floor'];
  const perf = process.env.BENCH_TOP ? ['--perf-basic-prof'] : [];
  const child = spawn('valgrind', ['--tool=callgrind', '--instr-atstart=no', '--smc-check=all-non-file', `--callgrind-out-file=${out}`, process.execPath, ...perf, ...program], {
    cwd: REPO, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  try {
    await waitHttp(port, child);
    const warmFailed = await send(port, makeRequests(n, secret, `warm-${which}-${round}`));
    // callgrind_control finds the process through files named after USER and the host: same env.
    execFileSync('callgrind_control', ['-i', 'on', String(child.pid)], { env, stdio: 'ignore' });
    const failed = await send(port, makeRequests(n, secret, `${which}-${round}`));
    execFileSync('callgrind_control', ['-i', 'off', String(child.pid)], { env, stdio: 'ignore' });
    if (warmFailed + failed > 0) throw new Error(`${which}: ${warmFailed + failed} requests were not answered 200`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
  }
  const file = join(dir, readdirSync(dir).find((f) => f.startsWith(`${which}-${round}.`))!);
  const totals = /^totals: (\d+)/m.exec(readFileSync(file, 'utf8'));
  if (!totals) throw new Error(`${which}: no totals in ${file}\n${stderr}`);
  const fns = selfCosts(file);
  let compile = 0;
  for (const [name, ir] of fns) if (isCompiler(name)) compile += ir;
  return { total: Number(totals[1]) / n, compile: compile / n, pid: child.pid!, file };
}

/** V8's optimising compilers (TurboFan, Maglev, Turboshaft) and their register allocator. */
function isCompiler(name: string): boolean {
  return /compiler::|[Mm]aglev|[Tt]urboshaft|RegisterAllocat|InstructionSelector/.test(name);
}

/** Self instructions per function (callgrind_annotate's listing), JIT code named through a perf map when given. */
function selfCosts(file: string, perfMap?: string): Map<string, number> {
  const text = execFileSync('callgrind_annotate', ['--auto=no', '--threshold=100', file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const names = perfMap ? readPerfMap(perfMap) : undefined;
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*?)(?:\s+\[.*\])?$/.exec(line);
    if (!m || m[2] === 'PROGRAM TOTALS') continue;
    let name = m[2]!;
    const jit = /^\?\?\?:0x([0-9a-f]+)$/.exec(name);
    if (jit && names) name = names(parseInt(jit[1]!, 16)) ?? name;
    out.set(name, (out.get(name) ?? 0) + Number(m[1]!.replace(/,/g, '')));
  }
  return out;
}

/** Address → name lookup over a V8 perf map (`start size name` per line, hex). */
function readPerfMap(path: string): (addr: number) => string | undefined {
  const entries = readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => {
    const [a, s, ...rest] = l.split(' ');
    return { start: parseInt(a!, 16), size: parseInt(s!, 16), name: `JIT ${rest.join(' ').replace(REPO + '/', '')}` };
  }).sort((x, y) => x.start - y.start);
  return (addr) => {
    let lo = 0;
    let hi = entries.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (entries[mid]!.start <= addr) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    const e = entries[best];
    return e && addr < e.start + e.size ? e.name : undefined;
  };
}

async function main(): Promise<void> {
  const n = Number(process.env.BENCH_REQUESTS ?? 3000);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
  const { createTestDatabase } = await import('../helpers/db.js');
  const db = await createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'shiptrack-callgrind-'));
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pubHex = publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('hex');
  const secret = createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', USER: process.env.USER ?? 'shiptrack', LOGNAME: process.env.LOGNAME ?? process.env.USER ?? 'shiptrack',
    NODE_ENV: 'production', DATABASE_URL: db.url, DISCORD_PUBLIC_KEY: pubHex, FLOOR_PUBLIC_KEY: pubHex, DISCORD_APPLICATION_ID: APP_ID, HOST: '127.0.0.1',
    DISCORD_API_BASE: 'http://127.0.0.1:9/api/v10', LOG_LEVEL: 'info',
  };
  console.log(`# database: ${db.backend}; ${n} requests warm-up, then ${n} counted, ${CONNECTIONS} connections; ${rounds} round(s), floor and web side by side`);
  const results: { floor: Counted; web: Counted }[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      // Side by side: instruction counts do not depend on what else runs.
      const [floor, web] = await Promise.all([measure('floor', dir, env, secret, n, round), measure('web', dir, env, secret, n, round)]);
      results.push({ floor, web });
      const k = (x: number) => `${(x / 1000).toFixed(0)}k`.padStart(7);
      console.log(`round ${round}: floor ${k(floor.total)} (${k(floor.total - floor.compile)} without compiling)   web ${k(web.total)} (${k(web.total - web.compile)})   ratio ${(web.total / floor.total).toFixed(3)} (${((web.total - web.compile) / (floor.total - floor.compile)).toFixed(3)})`);
    }
    const ratio = median(results.map((r) => r.web.total / r.floor.total));
    const steady = median(results.map((r) => (r.web.total - r.web.compile) / (r.floor.total - r.floor.compile)));
    const perReq = (pick: (r: { floor: Counted; web: Counted }) => number) => Math.round(median(results.map(pick)));
    console.log(`\nprogram     instructions/request   without V8's optimising compilers`);
    console.log(`floor       ${String(perReq((r) => r.floor.total)).padEnd(22)} ${perReq((r) => r.floor.total - r.floor.compile)}`);
    console.log(`web         ${String(perReq((r) => r.web.total)).padEnd(22)} ${perReq((r) => r.web.total - r.web.compile)}`);
    console.log(`web ÷ floor ${ratio.toFixed(3).padEnd(22)} ${steady.toFixed(3)}   (medians of ${rounds} round(s); user-space instructions only)`);
    const top = Number(process.env.BENCH_TOP ?? 0);
    if (top > 0) {
      const last = results.at(-1)!;
      const a = selfCosts(last.floor.file, `/tmp/perf-${last.floor.pid}.map`);
      const b = selfCosts(last.web.file, `/tmp/perf-${last.web.pid}.map`);
      const rows = [...new Set([...a.keys(), ...b.keys()])].filter((f) => !isCompiler(f))
        .map((f) => ({ f, floor: (a.get(f) ?? 0) / n, web: (b.get(f) ?? 0) / n })).sort((x, y) => (y.web - y.floor) - (x.web - x.floor)).slice(0, top);
      console.log(`\nlargest differences per request (self instructions; last round): floor, web, web - floor, function`);
      for (const r of rows) console.log(`${r.floor.toFixed(0).padStart(8)} ${r.web.toFixed(0).padStart(8)} ${(r.web - r.floor).toFixed(0).padStart(8)}  ${r.f.slice(0, 120)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db.close();
  }
}

await main();
