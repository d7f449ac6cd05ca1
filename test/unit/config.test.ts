import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { inspect } from 'node:util';
import { loadConfig } from '../../src/config.js';
import { binArgs } from '../helpers/bin.js';

const KEY = 'a'.repeat(64);
const full = {
  DATABASE_URL: 'postgres://shiptrack:s3cretpw@db.example:5432/shiptrack',
  DISCORD_BOT_TOKEN: 'MTAxMjM0NTY3ODkwMTIzNDU2.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB',
  DISCORD_PUBLIC_KEY: KEY, DISCORD_APPLICATION_ID: '100000000000000001',
  SHIPPED_CHANNEL_ID: '100000000000000002', ANNOUNCEMENTS_CHANNEL_ID: '100000000000000003',
};

test('reports every missing variable for the role in one message', () => {
  assert.throws(() => loadConfig('worker', {}), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'CONFIG_INVALID');
    assert.match(err.message, /DATABASE_URL is missing/);
    assert.match(err.message, /DISCORD_BOT_TOKEN is missing/);
    assert.match(err.message, /SHIPPED_CHANNEL_ID is missing/);
    assert.doesNotMatch(err.message, /DISCORD_PUBLIC_KEY/, 'the worker does not need the public key');
    assert.doesNotMatch(err.message, /ANNOUNCEMENTS_CHANNEL_ID/);
    return true;
  });
});

test('each process asks only for what it needs', () => {
  const only = (keys: (keyof typeof full)[]) => Object.fromEntries(keys.map((k) => [k, full[k]]));
  assert.doesNotThrow(() => loadConfig('web', only(['DATABASE_URL', 'DISCORD_PUBLIC_KEY', 'DISCORD_APPLICATION_ID'])));
  assert.doesNotThrow(() => loadConfig('digest', only(['DATABASE_URL', 'DISCORD_BOT_TOKEN', 'ANNOUNCEMENTS_CHANNEL_ID'])));
  assert.doesNotThrow(() => loadConfig('migrate', only(['DATABASE_URL'])));
  assert.throws(() => loadConfig('digest', only(['DATABASE_URL', 'DISCORD_BOT_TOKEN'])), /ANNOUNCEMENTS_CHANNEL_ID is missing/);
});

test('malformed values are named with what was expected', () => {
  assert.throws(() => loadConfig('web', { ...full, DISCORD_PUBLIC_KEY: 'xyz', PORT: '99999', LOG_LEVEL: 'loud', DISCORD_APPLICATION_ID: '12' }), (err: Error) => {
    for (const name of ['DISCORD_PUBLIC_KEY', 'PORT', 'LOG_LEVEL', 'DISCORD_APPLICATION_ID']) assert.match(err.message, new RegExp(name));
    return true;
  });
  assert.throws(() => loadConfig('migrate', { DATABASE_URL: 'mysql://x' }), /DATABASE_URL must be a postgres/);
});

test('defaults, and the token is invisible to serialisation', () => {
  const c = loadConfig('worker', full);
  assert.equal(c.discordApiBase, 'https://discord.com/api/v10');
  assert.equal(c.port, 3000);
  assert.equal(c.botToken, full.DISCORD_BOT_TOKEN);
  assert.ok(!JSON.stringify(c).includes(full.DISCORD_BOT_TOKEN));
  assert.ok(!inspect(c).includes(full.DISCORD_BOT_TOKEN));
  assert.deepEqual([...c.secrets].sort(), [full.DISCORD_BOT_TOKEN, 's3cretpw'].sort());
  assert.ok(Object.isFrozen(c));
});

test('no secret shows in JSON.stringify, util.inspect or the enumerable keys of a loaded config', () => {
  const env = { ...full, LLM_API_URL: 'https://llm.example/v1/chat/completions', LLM_MODEL: 'small', LLM_API_KEY: 'sk-llm-0123456789abcdef' };
  const secrets = [full.DISCORD_BOT_TOKEN, 's3cretpw', env.LLM_API_KEY];
  for (const role of ['web', 'worker', 'digest', 'migrate', 'status'] as const) {
    const c = loadConfig(role, env);
    const keys: string[] = [];
    const walk = (o: object, at: string) => {
      for (const k of Object.keys(o)) {
        keys.push(`${at}${k}`);
        const v = (o as Record<string, unknown>)[k];
        if (typeof v === 'object' && v !== null) walk(v, `${at}${k}.`);
        else keys.push(`${at}${k}=${String(v)}`);
      }
    };
    walk(c, '');
    const views = { json: JSON.stringify(c), inspect: inspect(c, { depth: Infinity }), keys: keys.join('\n') };
    for (const [how, text] of Object.entries(views)) {
      for (const s of secrets) assert.ok(!text.includes(s), `${role}: ${how} shows the secret ${s}`);
    }
    // Still there for the code that needs them, and still masked by the logger.
    assert.equal(c.databaseUrl, full.DATABASE_URL);
    assert.equal(c.llm?.key, env.LLM_API_KEY);
    assert.deepEqual([...c.secrets].sort(), [...secrets].sort());
    // The public key is not a secret.
    assert.ok(views.json.includes(KEY));
  }
});

test('a process with bad config exits 78 naming every missing variable, and no secret', () => {
  const r = spawnSync(process.execPath, binArgs('migrate'), {
    env: { PATH: process.env.PATH, DATABASE_URL: '' }, encoding: 'utf8', cwd: process.cwd(), timeout: 30_000,
  });
  assert.equal(r.status, 78);
  assert.match(r.stderr, /^<3>config\.invalid .*DATABASE_URL is missing/m);
});
