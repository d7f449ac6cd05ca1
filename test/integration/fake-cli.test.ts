// The standalone fake Discord CLI: prints the KEY=value lines, serves the API, exits 0 on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';

test('fake-discord CLI prints KEY=value lines, serves them, and exits 0 on SIGTERM', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/fake-discord/cli.ts', '--interaction-url', 'http://127.0.0.1:9/i'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
