// The bins as real child processes (`node <compiled tree>/bin/…`, compiled once per run): web start-up (bad key → exit 78,
// healthz, a signed PING and /ship, SIGTERM → exit 0 promptly) and register-commands against the fake
// Discord (one PUT of the docs/interactions.md §3.2 array; twice → identical bodies). Plus graceful close in-process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import nacl from 'tweetnacl';
import { commandDefinitions } from '../../src/commands/definitions.js';
import { startFakeDiscord, type FakeDiscord } from '../../src/fake-discord/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { APP_ID, GUILD_ID, commandPayload, destroyAgent, launchCount, request, signedPost, startWeb, gatedDb } from './web-harness.js';
import { binArgs } from '../helpers/bin.js';
import { freePort } from '../helpers/net.js';

interface Child { proc: ChildProcess; out: string[]; exited: Promise<number | null> }

function run(bin: 'web' | 'register-commands' | 'worker' | 'migrate', env: Record<string, string>): Child {
  const proc = spawn(process.execPath, binArgs(bin), {
    cwd: process.cwd(),
    // Only what the test sets: no inherited DISCORD_*/DATABASE_* from the developer's shell.
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  proc.stdout!.on('data', (d: Buffer) => out.push(d.toString()));
  proc.stderr!.on('data', (d: Buffer) => out.push(d.toString()));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return { proc, out, exited };
}

function waitForLine(child: Child, re: RegExp, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const line = child.out.join('').split('\n').find((l) => re.test(l));
      if (line) { clearInterval(poll); clearTimeout(timer); resolve(line); }
    };
    const poll = setInterval(check, 20);
    const timer = setTimeout(() => { clearInterval(poll); reject(new Error(`no line matching ${re} in:\n${child.out.join('')}`)); }, timeoutMs);
    void child.exited.then(() => setTimeout(() => { check(); }, 10));
  });
}

let db: TestDatabase;
before(async () => { db = await createTestDatabase(); });
after(async () => { destroyAgent(); await db?.close(); });

describe('web as a child process', () => {
  test('34: a malformed DISCORD_PUBLIC_KEY stops start-up with exit 78, naming the variable, before listening', async (t) => {
    for (const key of ['abc', 'zz'.repeat(32), 'ab'.repeat(33)]) {
      const child = run('web', { DATABASE_URL: db.url, DISCORD_PUBLIC_KEY: key, DISCORD_APPLICATION_ID: APP_ID, PORT: '1' });
      t.after(() => { child.proc.kill('SIGKILL'); });
      assert.equal(await child.exited, 78, child.out.join(''));
      assert.match(child.out.join(''), /DISCORD_PUBLIC_KEY/);
      assert.doesNotMatch(child.out.join(''), /web\.listening/);
    }
  });

  test('starts, reports healthz with the package version, answers signed requests, exits 0 promptly on SIGTERM', async (t) => {
    const keys = nacl.sign.keyPair();
    const port = await freePort();
    const child = run('web', {
      DATABASE_URL: db.url, DISCORD_PUBLIC_KEY: Buffer.from(keys.publicKey).toString('hex'), DISCORD_APPLICATION_ID: APP_ID,
      HOST: '127.0.0.1', PORT: String(port), DISCORD_API_BASE: 'http://127.0.0.1:9/api/v10', DISCORD_GUILD_ID: GUILD_ID,
      WEB_MAX_CONNECTIONS: '64',
    });
    t.after(() => { child.proc.kill('SIGKILL'); });
    const listening = await waitForLine(child, /web\.listening/);
    // The bounds on clients reach the server (docs/interactions.md §1.5): the setting, and the default.
    assert.match(listening, / max_connections=64 body_memory_bytes=8388608(\s|$)/);
    const base = `http://127.0.0.1:${port}`;
    const health = await request(`${base}/healthz`, { method: 'GET', agent: false });
    assert.equal(health.status, 200);
    assert.deepEqual(health.json, { ok: true, db: 'ok', version: '0.1.0' });
    const web = { url: `${base}/api/discord/interact`, secretKey: keys.secretKey, clock: { now: () => Date.now() } as never };
    const pong = await signedPost(web, JSON.stringify({ id: '1311111111111111111', application_id: APP_ID, type: 1, token: 't', version: 1 }));
    assert.deepEqual(pong.json, { type: 1 });
    const before = await launchCount(db.pool);
    const shipped = await signedPost(web, JSON.stringify(commandPayload({ name: 'ship', options: [{ name: 'product', type: 3, value: 'From the child' }] })));
    assert.equal((shipped.json as { type: number }).type, 4);
    assert.equal(await launchCount(db.pool), before + 1);
    // DISCORD_GUILD_ID reaches the commands: /ship from another server is answered privately, nothing stored.
    const foreign = { ...commandPayload({ name: 'ship', options: [{ name: 'product', type: 3, value: 'From elsewhere' }] }), guild_id: '1200000000000000099' };
    const refused = await signedPost(web, JSON.stringify(foreign));
    assert.equal((refused.json as { type: number }).type, 4);
    assert.equal((refused.json as { data: { flags: number } }).data.flags, 64);
    assert.equal(await launchCount(db.pool), before + 1);
    destroyAgent();
    const t0 = performance.now();
    child.proc.kill('SIGTERM');
    assert.equal(await child.exited, 0, child.out.join(''));
    const ms = performance.now() - t0;
    assert.ok(ms < 10_000, `took ${ms} ms to stop (systemd's TimeoutStopSec is 10 s)`);
    const text = child.out.join('');
    assert.match(text, /web\.stopping proc=web signal=SIGTERM/);
    assert.match(text, /web\.stopped/);
    assert.doesNotMatch(text, /aW50ZXJhY3Rpb246/, 'no interaction token in the logs');
  });
});

describe('register-commands as a child process', () => {
  let fake: FakeDiscord;
  before(async () => { fake = await startFakeDiscord(); });
  after(async () => { await fake?.close(); });

  const env = (guildId: string) => ({ DISCORD_BOT_TOKEN: fake.botToken, DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_API_BASE: fake.apiBase, DISCORD_GUILD_ID: guildId });

  test('33: one PUT of the full command set to the guild; a second run sends the identical body; no POST or DELETE', async () => {
    for (let i = 0; i < 2; i++) {
      const child = run('register-commands', env(fake.guildId));
      assert.equal(await child.exited, 0, child.out.join(''));
      assert.match(child.out.join(''), /commands\.registered proc=register-commands scope="guild \d+" commands="ship,unship,profile,leaderboard,site,Log as launch,Not a launch" returned=7/);
    }
    const sent = fake.requests.filter((r) => r.path.startsWith(`/applications/${fake.applicationId}/`));
    assert.deepEqual(sent.map((r) => `${r.method} ${r.path} ${r.status}`), [
      `PUT /applications/${fake.applicationId}/guilds/${fake.guildId}/commands 200`,
      `PUT /applications/${fake.applicationId}/guilds/${fake.guildId}/commands 200`,
    ]);
    assert.equal(sent[0]!.rawBody, sent[1]!.rawBody);
    assert.deepEqual(sent[0]!.body, commandDefinitions());
    assert.equal(sent[0]!.headers.authorization, `Bot ${fake.botToken}`);
    assert.deepEqual((fake.registeredCommands(fake.guildId) as { name: string }[]).map((c) => c.name), ['ship', 'unship', 'profile', 'leaderboard', 'site', 'Log as launch', 'Not a launch']);
  });

  test('without DISCORD_GUILD_ID the PUT goes to the global list', async () => {
    const before = fake.requests.length;
    const child = run('register-commands', env(''));
    assert.equal(await child.exited, 0, child.out.join(''));
    const sent = fake.requests.slice(before);
    assert.deepEqual(sent.map((r) => `${r.method} ${r.path}`), [`PUT /applications/${fake.applicationId}/commands`]);
    assert.ok(!child.out.join('').includes(fake.botToken), 'the bot token is never logged');
  });
});

describe('graceful close (in-process)', () => {
  test('close() stops accepting, lets the in-flight /ship finish, then resolves', async () => {
    const { db: gated, blocked, release } = gatedDb(db.pool);
    const web = await startWeb({ db: gated, deferMs: 2000 });
    const inFlight = signedPost(web, JSON.stringify(commandPayload({ name: 'ship', options: [{ name: 'product', type: 3, value: 'During shutdown' }] })));
    await blocked;
    const closing = web.server.close(5000);
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(request(web.base + '/healthz', { method: 'GET', agent: false }), /ECONNREFUSED/);
    release();
    const r = await inFlight;
    assert.equal(r.status, 200);
    assert.equal((r.json as { type: number }).type, 4);
    await closing;
  });
});
