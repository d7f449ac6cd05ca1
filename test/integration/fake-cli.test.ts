// The standalone fake Discord CLI: prints the KEY=value lines, serves the API, exits 0 on SIGTERM; the
// README's "Try it" curls work against it as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { devArgs } from '../helpers/bin.js';

test('fake-discord CLI prints KEY=value lines, serves them, and exits 0 on SIGTERM', async (t) => {
  const child = spawn(process.execPath, devArgs('fake-discord/cli', '--interaction-url', 'http://127.0.0.1:9/i'), { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  let out = '';
  const keys = ['DISCORD_API_BASE', 'DISCORD_BOT_TOKEN', 'DISCORD_APPLICATION_ID', 'DISCORD_PUBLIC_KEY', 'DISCORD_GUILD_ID', 'SHIPPED_CHANNEL_ID', 'ANNOUNCEMENTS_CHANNEL_ID', 'FAKE_DISCORD_CONTROL_URL'];
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); if (out.includes('FAKE_DISCORD_CONTROL_URL=') && out.endsWith('\n')) resolve(); });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
  });
  const env = Object.fromEntries(out.trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
  for (const k of keys) assert.ok(env[k], `missing ${k}`);
  assert.match(env.DISCORD_API_BASE!, /^http:\/\/127\.0\.0\.1:\d+\/api\/v10$/);
  assert.match(env.DISCORD_PUBLIC_KEY!, /^[0-9a-f]{64}$/);
  const res = await fetch(`${env.DISCORD_API_BASE}/channels/${env.SHIPPED_CHANNEL_ID}`, { headers: { authorization: `Bot ${env.DISCORD_BOT_TOKEN}` } });
  assert.equal((await res.json() as { name: string }).name, 'i-shipped');
  const state = await (await fetch(`${env.FAKE_DISCORD_CONTROL_URL}/state`)).json() as { guildId: string };
  assert.equal(state.guildId, env.DISCORD_GUILD_ID);
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code, signal] = await exited;
  assert.deepEqual([code, signal], [0, null]);
});

test('README "Try it": the documented control-API curls work against a standalone fake and a web service at its default address', async (t) => {
  // The web service's address comes from PORT/HOST, as the README's configuration table says; the test
  // stands in for it on a free port instead of 3000.
  const received: { path: string; headers: http.IncomingHttpHeaders; body: any }[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  const web = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => { raw += c.toString(); });
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(raw) });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 4, data: { content: 'logged', allowed_mentions: { parse: [] } } }));
    });
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  t.after(() => { web.closeAllConnections(); web.close(); });
  const port = (web.address() as AddressInfo).port;

  const child = spawn(process.execPath, devArgs('fake-discord/cli'), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' } });
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); if (out.includes('FAKE_DISCORD_CONTROL_URL=') && out.endsWith('\n')) resolve(); });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
  });
  const controlUrl = /^FAKE_DISCORD_CONTROL_URL=(.*)$/m.exec(out)![1]!;

  // Replay the README's curl lines exactly as documented: `curl -XPOST $FAKE_DISCORD_CONTROL_URL/<path> -H … -d '<json>'`.
  const readme = readFileSync('README.md', 'utf8');
  const block = /### The fake Discord[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1]!.replace(/\\\n\s*/g, ' ');
  const curls = block.split('\n').filter((l) => l.startsWith('curl '));
  assert.equal(curls.length, 2);
  const results: { path: string; status: number; body: any }[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  for (const line of curls) {
    const path = /\$FAKE_DISCORD_CONTROL_URL(\/\S+)/.exec(line)![1]!;
    const body = /-d '([^']*)'/.exec(line)![1]!;
    const res = await fetch(controlUrl + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    results.push({ path, status: res.status, body: await res.json() });
  }
  assert.deepEqual(results.map((r) => [r.path, r.status]), [['/messages', 200], ['/commands', 200]]);
  assert.equal(results[0]!.body.content, 'I shipped v1 https://example.com');
  const cmd = results[1]!.body;
  assert.equal(cmd.error, undefined);
  assert.deepEqual([cmd.status, cmd.outcome, cmd.original.content], [200, 'ok', 'logged']);
  assert.equal(received.length, 1);
  assert.equal(received[0]!.path, '/api/discord/interact');
  assert.deepEqual(received[0]!.body.data.options, [{ name: 'product', type: 3, value: 'v1 https://example.com' }]);
  assert.match(String(received[0]!.headers['x-signature-ed25519']), /^[0-9a-f]{128}$/);

  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  assert.deepEqual(await exited, [0, null]);
});
