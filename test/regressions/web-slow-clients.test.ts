// Issue 13 ("Nothing fails silently"), slow clients: a client that pipelined requests and never read
// the answers kept its connection open indefinitely, and 3,000 stalled 127 KB bodies grew the web
// process by 410 MB: nothing capped connections, bodies held in memory or unanswered pipelined
// requests. The server now bounds all of them (docs/interactions.md §1.5); these tests drive each
// bound over raw sockets and assert what the server reports (stats()) and what the client sees.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import type { Queryable } from '../../src/db/pool.js';
import { loadConfig } from '../../src/config.js';
import { ManualClock } from '../helpers/clock.js';
import { rawExchange, request, startWeb, destroyAgent, type Web } from '../integration/web-harness.js';

const noDb: Queryable = { query: async () => ({ rows: [] }) as never };
const open: Web[] = [];
async function web(options: Omit<Parameters<typeof startWeb>[0], 'db'> & { db?: Queryable }): Promise<Web> {
  const w = await startWeb({ db: noDb, ...options });
  open.push(w);
  return w;
}
after(async () => { for (const w of open) await w.close(); destroyAgent(); });

const port = (w: Web) => Number(new URL(w.base).port);

/** Resolves once `socket` is closed, or with 'open' after `ms` (the failure this file is about). */
function closedWithin(socket: net.Socket, ms: number): Promise<'closed' | 'open'> {
  return new Promise((resolve) => {
    if (socket.destroyed) { resolve('closed'); return; }
    const timer = setTimeout(() => resolve('open'), ms);
    socket.once('close', () => { clearTimeout(timer); resolve('closed'); });
  });
}

/**
 * Connects a client that never reads, pipelines `requests` requests for `path` in one write and
 * resolves with the server's side of that connection once it closes, or 'open' after `ms`.
 */
async function nonReader(w: Web, path: string, requests: number, ms: number): Promise<'closed' | 'open'> {
  const accepted = once(w.server.server, 'connection') as Promise<[net.Socket]>;
  const socket = net.connect(port(w), '127.0.0.1');
  socket.pause();
  socket.on('error', () => { /* reset by the server: that is the point */ });
  const [peer] = await accepted;
  socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(requests));
  const outcome = await closedWithin(peer, ms);
  socket.destroy();
  return outcome;
}

test('a client that pipelines and never reads the answers: closed for pipelining', async () => {
  const w = await web({});
  assert.equal(await nonReader(w, '/nope', 1000, 10_000), 'closed', 'the connection was left open');
  const stats = w.server.stats();
  assert.equal(stats.pipelineClosed, 1);
  assert.equal(stats.connections, 0);
});

test('with pipelining allowed, a client that never reads is closed once nothing moves for socketTimeoutMs', async () => {
  // 100 answers of 64 KB each fill the socket buffers many times over (a stand-in for thousands of
  // small ones). All 100 requests arrive in one read, so once the answers stop flowing Node has no
  // request half-read and neither the header nor the request timeout fires: before this bound,
  // the connection stayed open for as long as the client liked.
  const w = await web({ version: 'v'.repeat(64 * 1024), limits: { socketTimeoutMs: 500, maxPipelined: 1000 } });
  assert.equal(await nonReader(w, '/healthz', 100, 20_000), 'closed', 'the stalled connection was never closed');
  const stats = w.server.stats();
  assert.equal(stats.timedOut, 1);
  assert.equal(stats.pipelineClosed, 0);
  assert.equal(stats.connections, 0);
});

test('at maxConnections a new connection is closed at once; a freed slot serves again', async () => {
  const w = await web({ limits: { maxConnections: 4 } });
  const sockets: net.Socket[] = [];
  const serverSockets: net.Socket[] = [];
  const accepted = new Promise<void>((resolve) => {
    w.server.server.on('connection', (s: net.Socket) => { if (serverSockets.push(s) === 4) resolve(); });
  });
  for (let i = 0; i < 4; i++) {
    const s = net.connect(port(w), '127.0.0.1');
    s.on('error', () => {});
    sockets.push(s);
  }
  await accepted;
  assert.equal(w.server.stats().connections, 4);
  const fifth = await rawExchange(port(w), ['GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'], { waitMs: 3000 });
  assert.deepEqual(fifth, { text: '', closed: true }, 'the fifth connection must be refused, not served');
  assert.equal(w.server.stats().refusedConnections, 1);
  assert.equal(w.server.stats().connections, 4);
  assert.ok(w.logs.some((l) => /^<4>http\.limit_reached limit=connections max=4 refused=1 /.test(l)), w.logs.join('\n'));
  // One client leaves; once the server has seen it go, its slot serves the next one.
  const first = sockets[0]!;
  const peer = serverSockets.find((s) => s.remotePort === first.localPort)!;
  const seen = once(peer, 'close');
  first.destroy();
  await seen;
  assert.equal(w.server.stats().connections, 3);
  const r = await request(`${w.base}/healthz`, { method: 'GET', agent: false });
  assert.equal(r.status, 200);
  for (const s of sockets) s.destroy();
});

test('request bodies held across connections are bounded: over maxBodyMemoryBytes → 503 with Retry-After, 413 unchanged', async () => {
  const w = await web({ limits: { maxBodyMemoryBytes: 200 * 1024 } });
  const head = (length: number) => `POST /api/discord/interact HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
  // A sends its headers and the first KiB of a 120 KiB body, then stalls: the server holds room for it.
  const a = net.connect(port(w), '127.0.0.1');
  a.on('error', () => {});
  const requested = once(w.server.server, 'request');
  a.write(head(120 * 1024) + 'x'.repeat(1024));
  await requested;
  assert.equal(w.server.stats().bodyMemoryBytes, 120 * 1024);
  // B's 100 KiB would pass the bound: refused before its body is read.
  const b = await rawExchange(port(w), [head(100 * 1024), 'y'.repeat(100 * 1024)], { waitMs: 3000, endAfter: true });
  assert.match(b.text, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
  assert.match(b.text, /\r\nRetry-After: 1\r\n/i);
  assert.match(b.text, /\r\nConnection: close\r\n/i);
  assert.equal(w.server.stats().refusedBodies, 1);
  assert.ok(w.logs.some((l) => /^<4>http\.limit_reached limit=body_memory max=204800 refused=1 /.test(l)));
  // 60 KiB still fits next to A's 120: it reaches verification (401, unsigned).
  const c = await rawExchange(port(w), [head(60 * 1024), 'z'.repeat(60 * 1024)], { waitMs: 3000, endAfter: true });
  assert.match(c.text, /^HTTP\/1\.1 401 /);
  // One body over the per-request cap is still 413, whatever the memory bound says.
  const big = await rawExchange(port(w), [head(129 * 1024)], { waitMs: 3000, endAfter: true });
  assert.match(big.text, /^HTTP\/1\.1 413 /);
  // A goes away: its room is given back.
  a.destroy();
  await once(a, 'close');
  const freed = await request(`${w.base}/healthz`, { method: 'GET', agent: false });
  assert.equal(freed.status, 200);
  assert.equal(w.server.stats().bodyMemoryBytes, 0);
  assert.equal(w.server.stats().refusedBodies, 1);
});

test('more than maxPipelined unanswered requests on one connection close it', async () => {
  // /healthz waits for a database that never answers, on a clock that never moves: every request stays unanswered.
  const clock = new ManualClock(Date.now());
  const w = await web({ clock, db: { query: () => new Promise(() => {}) }, limits: { maxPipelined: 4 } });
  const got = await rawExchange(port(w), ['GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(10)], { waitMs: 3000 });
  assert.deepEqual(got, { text: '', closed: true }, 'the connection must be closed, not left holding 10 requests');
  assert.equal(w.server.stats().pipelineClosed, 1);
  assert.ok(w.logs.some((l) => /^<4>http\.limit_reached limit=pipelined max=4 refused=1 /.test(l)));
  // The four accepted health checks time out (1 s on the manual clock) into a closed connection.
  await clock.tick(1000);
  assert.equal(w.server.stats().connections, 0);
});

test('WEB_MAX_CONNECTIONS and WEB_BODY_MEMORY_MB: defaults 256 and 8 MiB, checked like every setting', () => {
  const env = { DATABASE_URL: 'postgres://u:p@127.0.0.1/db', DISCORD_PUBLIC_KEY: 'a'.repeat(64), DISCORD_APPLICATION_ID: '1300000000000000001' };
  const defaults = loadConfig('web', env, { dotenvPath: false });
  assert.equal(defaults.webMaxConnections, 256);
  assert.equal(defaults.webBodyMemoryBytes, 8 * 1024 * 1024);
  const set = loadConfig('web', { ...env, WEB_MAX_CONNECTIONS: '32', WEB_BODY_MEMORY_MB: '2' }, { dotenvPath: false });
  assert.equal(set.webMaxConnections, 32);
  assert.equal(set.webBodyMemoryBytes, 2 * 1024 * 1024);
  assert.throws(() => loadConfig('web', { ...env, WEB_MAX_CONNECTIONS: '0', WEB_BODY_MEMORY_MB: 'lots' }, { dotenvPath: false }),
    (e: Error & { code?: string }) => e.code === 'CONFIG_INVALID' && /WEB_MAX_CONNECTIONS must be an integer in 1\.\.65536, got "0"/.test(e.message) && /WEB_BODY_MEMORY_MB must be an integer in 1\.\.1024/.test(e.message));
});
