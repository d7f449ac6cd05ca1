// Issue 14: the web service scales by running several instances against one database (each its own
// PORT; the reverse proxy spreads requests over them). Discord may deliver the same interaction
// again (docs/interactions.md: a retried delivery never logs twice), and with two instances the
// retry can land on the other one at the same moment: the UNIQUE interaction id makes that one
// row. Two real web processes (`node <compiled>/bin/web.js`), one database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import nacl from 'tweetnacl';
import { createTestDatabase } from '../helpers/db.js';
import { binArgs } from '../helpers/bin.js';
import { freePort } from '../helpers/net.js';
import { APP_ID, GUILD_ID, commandPayload, destroyAgent, launchCount, signedPost } from './web-harness.js';

interface Instance { proc: ChildProcess; url: string; exited: Promise<number | null> }

/** One web process on its own port; resolves once it logs web.listening. */
async function startInstance(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const proc = spawn(process.execPath, binArgs('web'), {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((r) => proc.on('close', r));
  const out: string[] = [];
  createInterface({ input: proc.stderr! }).on('line', (l) => out.push(l));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (l) => { out.push(l); if (/web\.listening/.test(l)) resolve(); });
    void exited.then((code) => reject(new Error(`web exited ${code} before listening:\n${out.join('\n')}`)));
  });
  return { proc, url: `http://127.0.0.1:${port}/api/discord/interact`, exited };
}

test('two web instances on one database: the same interaction delivered to both at once is stored once; each serves its own', { timeout: 60_000 }, async (t) => {
  const cleanup: (() => unknown)[] = [];
  t.after(async () => { for (const f of cleanup.reverse()) await f(); });
  const db = await createTestDatabase();
  cleanup.push(() => db.close());
  // Stands in for Discord's webhook route, should a slow machine make an instance defer.
  const sink = createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}')); });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise<void>((r) => { sink.closeAllConnections(); sink.close(() => r()); }));
  const keys = nacl.sign.keyPair();
  const env = {
    DATABASE_URL: db.url, DISCORD_PUBLIC_KEY: Buffer.from(keys.publicKey).toString('hex'), DISCORD_APPLICATION_ID: APP_ID,
    DISCORD_GUILD_ID: GUILD_ID, DISCORD_API_BASE: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/api/v10`,
  };
  const [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
  for (const i of [a!, b!]) cleanup.push(() => { i.proc.kill('SIGKILL'); });
  cleanup.push(destroyAgent);
  const clock = { now: () => Date.now() } as never;
  const at = (i: Instance) => ({ url: i.url, secretKey: keys.secretKey, clock });

  // One interaction, delivered to both instances at the same moment.
  const body = JSON.stringify(commandPayload({ name: 'ship', options: [{ name: 'product', type: 3, value: 'Shipped on two instances https://two.example' }] }));
  const answers = await Promise.all([signedPost(at(a!), body), signedPost(at(b!), body)]);
  assert.deepEqual(answers.map((r) => r.status), [200, 200], answers.map((r) => r.text).join('\n'));
  assert.equal(await launchCount(db.pool), 1, 'one row for one interaction id');

  // Different interactions: each instance stores its own.
  for (const i of [a!, b!]) {
    const r = await signedPost(at(i), JSON.stringify(commandPayload({ name: 'ship', options: [{ name: 'product', type: 3, value: 'Shipped once more https://more.example' }] })));
    assert.equal(r.status, 200, r.text);
  }
  assert.equal(await launchCount(db.pool), 3);

  destroyAgent();
  a!.proc.kill('SIGTERM');
  b!.proc.kill('SIGTERM');
  assert.deepEqual(await Promise.all([a!.exited, b!.exited]), [0, 0]);
});
