// Regression (issue 13, "No silent stall"), docs/interactions.md §7 item 41: the web process's
// pool had no statement timeout. With `launches` locked by another session, a /ship was deferred
// and then its INSERT waited for ever: no follow-up, no log line, and every such request held one
// of the pool's connections until the lock went away. The web bin now bounds every query
// (WEB_DB_GUARD in src/bin/web.ts): db.slow_query after 1 s, the statement cancelled after 3 s,
// two retries by the router, then the deferred apology. The real bin runs as a child process;
// the lock needs a separate PostgreSQL session, so on embedded PGlite the test is skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import nacl from 'tweetnacl';
import { createTestDatabase, needsRealPostgres } from '../helpers/db.js';
import { binArgs } from '../helpers/bin.js';
import { freePort } from '../helpers/net.js';
import { APP_ID, GUILD_ID, commandPayload, destroyAgent, launchCount, signedPost } from '../integration/web-harness.js';

/** The web bin as a child; `changed` listeners run on every chunk of output and at exit. */
interface Child { proc: ChildProcess; out: string[]; exited: Promise<number | null>; ended: boolean; changed: Set<() => void> }

function startWebChild(env: Record<string, string>): Child {
  const proc = spawn(process.execPath, binArgs('web'), {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  const changed = new Set<() => void>();
  const push = (d: Buffer) => { out.push(d.toString()); for (const l of changed) l(); };
  proc.stdout!.on('data', push);
  proc.stderr!.on('data', push);
  const child: Child = { proc, out, exited: new Promise((r) => proc.on('close', (code) => {
    child.ended = true;
    r(code);
    for (const l of changed) l();
  })), ended: false, changed };
  return child;
}

/** The first complete line matching `re`, as soon as the child prints it (or rejects once it exited without). */
function lineMatching(child: Child, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const line = child.out.join('').split('\n').slice(0, -1).find((l) => re.test(l));
      if (line !== undefined) { child.changed.delete(check); resolve(line); return; }
      if (child.ended) { child.changed.delete(check); reject(new Error(`web exited without a line matching ${re}:\n${child.out.join('')}`)); }
    };
    child.changed.add(check);
    check();
  });
}

/** A stand-in for Discord's webhook route: records each PATCH of @original and answers 200. */
async function startFollowupSink() {
  const patches: { path: string; body: { content?: string } }[] = [];
  const waiting: ((p: (typeof patches)[number]) => void)[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) as { content?: string } : {};
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: '1300000000000000999', channel_id: '1210000000000000003', content: body.content ?? '' }));
      if (req.method !== 'PATCH') return;
      const p = { path: req.url ?? '', body };
      patches.push(p);
      waiting.splice(0).forEach((w) => w(p));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    apiBase: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v10`,
    patches,
    nextPatch: () => new Promise<(typeof patches)[number]>((r) => waiting.push(r)),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

test('41: with launches locked by another session, a deferred /ship ends with the apology within seconds; the web logs db.slow_query and the timeout; afterwards /ship works again',
  { skip: needsRealPostgres, timeout: 90_000 }, async (t) => {
    // after() hooks run in the order they were added: the database goes last.
    const cleanup: (() => unknown)[] = [];
    t.after(async () => { for (const f of cleanup.reverse()) await f(); });
    const db = await createTestDatabase();
    cleanup.push(() => db.close());
    const sink = await startFollowupSink();
    cleanup.push(() => sink.close());
    const keys = nacl.sign.keyPair();
    const port = await freePort();
    const child = startWebChild({
      DATABASE_URL: db.url, DISCORD_PUBLIC_KEY: Buffer.from(keys.publicKey).toString('hex'), DISCORD_APPLICATION_ID: APP_ID,
      HOST: '127.0.0.1', PORT: String(port), DISCORD_API_BASE: sink.apiBase, DISCORD_GUILD_ID: GUILD_ID,
    });
    cleanup.push(() => { child.proc.kill('SIGKILL'); });
    await lineMatching(child, /web\.listening/);
    const web = { url: `http://127.0.0.1:${port}/api/discord/interact`, secretKey: keys.secretKey, clock: { now: () => Date.now() } as never };
    cleanup.push(destroyAgent);

    const locker = new pg.Client({ connectionString: db.url });
    locker.on('error', () => {});
    await locker.connect();
    cleanup.push(() => locker.end().catch(() => {}));
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE launches IN ACCESS EXCLUSIVE MODE');

    const followup = sink.nextPatch();
    const t0 = performance.now();
    const answer = await signedPost(web, JSON.stringify(commandPayload({ name: 'ship', options: [{ name: 'product', type: 3, value: 'Shipped behind a lock' }] })));
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json, { type: 5 }, 'deferred: the INSERT is waiting on the lock');
    assert.ok(answer.ms < 3000, `initial answer took ${answer.ms} ms (Discord's deadline is 3 s)`);

    // Logged while the INSERT is still blocked, not when (if ever) it ends.
    const slow = await lineMatching(child, /db\.slow_query proc=web /);
    assert.match(slow, /statement="INSERT INTO launches .*" waited_ms=1000 statement_timeout_ms=3000/);

    // Three attempts of at most 3 s each plus the router's 0.25 s and 1 s pauses; today it never came.
    const patch = await followup;
    const ms = performance.now() - t0;
    assert.ok(ms < 20_000, `the apology took ${Math.round(ms)} ms`);
    assert.match(patch.path, new RegExp(`^/api/v10/webhooks/${APP_ID}/[^/]+/messages/@original$`));
    assert.match(patch.body.content ?? '', /could not save your launch just now .*Please run \/ship again/);
    assert.match(await lineMatching(child, /interaction\.retrying proc=web /), /statement timeout/);
    assert.match(await lineMatching(child, /interaction\.handler_failed proc=web /), /command=ship .*statement timeout/);
    assert.equal(sink.patches.length, 1, 'exactly one follow-up');

    // The lock goes away: the pool's connections were given back, so the next /ship is stored at once.
    await locker.query('ROLLBACK');
    const again = await signedPost(web, JSON.stringify(commandPayload({ name: 'ship', options: [{ name: 'product', type: 3, value: 'Shipped after the lock' }] })));
    assert.equal((again.json as { type: number }).type, 4, JSON.stringify(again.json));
    assert.equal(await launchCount(db.pool), 1);

    destroyAgent();
    child.proc.kill('SIGTERM');
    assert.equal(await child.exited, 0, child.out.join(''));
  });
