// Regression (issue 13, "Nothing fails silently"): a key given as a query parameter of
// LLM_API_URL (`?key=…`, the way some providers take it) was logged in clear: node-fetch names the
// URL in its network errors, which became `digest.theme_skipped detail=…`, and the URL sat in
// plain sight in the loaded config. Every query value of a configured URL is now a secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { loadConfig } from '../../src/config.js';
import { fetchTheme } from '../../src/digest/theme.js';
import { createLogger } from '../../src/log.js';

const KEY = 'AIzaSyD-query-key-0123456789abcdef';
const env = {
  DATABASE_URL: 'postgres://ship:s3cretpw@localhost:5432/shiptrack',
  DISCORD_BOT_TOKEN: 'MTAxMjM0NTY3ODkwMTIzNDU2.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB',
  ANNOUNCEMENTS_CHANNEL_ID: '1210000000000000003',
  LLM_API_URL: `https://llm.example/v1beta/openai/chat/completions?key=${KEY}&alt=json`,
  LLM_MODEL: 'small',
};

test('a key in LLM_API_URL is in no serialisation of the config, and the logger masks it', () => {
  const c = loadConfig('digest', env, { dotenvPath: false });
  assert.equal(c.llm?.url, env.LLM_API_URL, 'still there for the request');
  assert.ok(!JSON.stringify(c).includes(KEY), JSON.stringify(c));
  assert.ok(!inspect(c, { depth: Infinity }).includes(KEY));
  assert.ok(c.secrets.includes(KEY));
  const lines: string[] = [];
  const log = createLogger({ secrets: c.secrets, write: (l) => lines.push(l) });
  log.warn('x.y', { url: c.llm!.url, encoded: new URL(c.llm!.url).href });
  assert.deepEqual(lines, ['<4>x.y url="https://llm.example/v1beta/openai/chat/completions?key=[redacted]&alt=json" encoded="https://llm.example/v1beta/openai/chat/completions?key=[redacted]&alt=json"']);
});

test('a network error naming the URL logs no key, even through a logger without the secrets', async () => {
  const c = loadConfig('digest', env, { dotenvPath: false });
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l) });
  // node-fetch's FetchError message: `request to ${url} failed, reason: …`
  const fetch = async (url: string) => { throw Object.assign(new Error(`request to ${new URL(url).href} failed, reason: connect ECONNREFUSED 127.0.0.1:9`), { code: 'ECONNREFUSED' }); };
  const r = await fetchTheme(c.llm, ['Shipped a thing https://a.example'], { log, fetch: fetch as never });
  assert.equal(r.ok, false);
  assert.equal(lines.length, 1);
  assert.ok(!lines[0]!.includes(KEY), lines[0]);
  assert.match(lines[0]!, /^<5>digest\.theme_skipped reason=network detail="ECONNREFUSED: request to https:\/\/llm\.example\/v1beta\/openai\/chat\/completions\?key=\[redacted\]&alt=\[redacted\] failed/);
});

test('DISCORD_API_BASE with a query string is refused: the token goes in DISCORD_BOT_TOKEN', () => {
  assert.throws(() => loadConfig('digest', { ...env, DISCORD_API_BASE: `https://discord.example/api/v10?token=${KEY}` }, { dotenvPath: false }),
    (e: Error & { code: string }) => e.code === 'CONFIG_INVALID' && /DISCORD_API_BASE must not have a query string/.test(e.message) && !e.message.includes(KEY));
});
