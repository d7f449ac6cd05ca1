// A well-formed but wrong DISCORD_PUBLIC_KEY: every command Discord sends gets 401 and, before this
// fix, the only trace was a debug line per request. Now the web service warns once that signature
// failures dominate and names the setting, and still stores nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import nacl from 'tweetnacl';
import { createTestDatabase } from '../helpers/db.js';
import { commandPayload, destroyAgent, launchCount, signedPost, startWeb } from '../integration/web-harness.js';

test('requests signed by the real application but verified against another key: 401 each, one interaction.signatures_failing warning, no rows', async (t) => {
  const db = await createTestDatabase();
  t.after(() => db.close());
  const configured = nacl.sign.keyPair(); // what the sysadmin pasted (another application's key)
  const web = await startWeb({ db: db.pool, keys: { publicKeyHex: Buffer.from(configured.publicKey).toString('hex') } });
  t.after(async () => { await web.close(); destroyAgent(); });
  const discord = nacl.sign.keyPair(); // the application's real key, which Discord signs with
  for (let i = 0; i < 12; i++) {
    const r = await signedPost({ ...web, secretKey: discord.secretKey }, JSON.stringify(commandPayload({ name: 'ship', options: [{ name: 'product', type: 3, value: `Launch ${i} https://x${i}.example` }] })));
    assert.equal(r.status, 401);
  }
  const warnings = web.logs.filter((l) => l.startsWith('<4>'));
  assert.equal(warnings.length, 1, web.logs.join('\n'));
  assert.match(warnings[0]!, /^<4>interaction\.signatures_failing reason=bad-signature failed=10 verified=0 window_s=600 likely_cause=".*DISCORD_PUBLIC_KEY/);
  assert.equal(await launchCount(db.pool), 0);
});
