// Removals keep the digest's exactly-once guarantees (issue 16): a launch removed (/unship) before
// its week's digest is frozen is not in it; one removed after stays in the message already posted
// (nothing is edited or posted again) and is gone from /profile and /leaderboard. The digest's
// streak milestone line names members as <@id> and pings nobody. Through the fake Discord: its
// signed interactions into the in-process web server, the digest's run in-process (src/digest/main.ts).
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { insertLaunch } from '../../src/db/launches.js';
import { windowForIsoWeek, type DigestWindow } from '../../src/digest/window.js';
import type { FakeDiscord, InteractionResult } from '../../src/fake-discord/index.js';
import type { TestDatabase } from '../helpers/db.js';
import { ON_TIME, WINDOW, digestEnv, openDb, type DigestEnv } from './digest-harness.js';
import { destroyAgent, startWeb } from './web-harness.js';

let db: TestDatabase;
before(async () => { db = await openDb(); });
after(async () => { destroyAgent(); await db?.close(); });

let next = 0;
async function launch(env: DigestEnv, userId: string, text: string, at: Date): Promise<string> {
  const r = await insertLaunch(env.db.pool, { source: 'channel', guildId: env.fake.guildId, channelId: env.fake.channels.shipped, userId, userName: 'maker',
    content: text, urls: [], messageId: String(1_320_000_000_000_000_000n + BigInt(next++)), createdAt: at });
  return r.id;
}
const inWindow = (w: DigestWindow, hours: number) => new Date(w.start.getTime() + hours * 3600_000);

async function setup(t: TestContext): Promise<{ env: DigestEnv; fake: FakeDiscord; ada: string; grace: string }> {
  const env = await digestEnv(t, db);
  const web = await startWeb({ db: db.pool, keys: { publicKeyHex: env.fake.publicKeyHex }, applicationId: env.fake.applicationId, guildId: env.fake.guildId });
  t.after(() => web.close());
  env.fake.setInteractionUrl(web.url);
  return { env, fake: env.fake, ada: env.fake.members[0]!.id, grace: env.fake.members[1]!.id };
}
const said = (r: InteractionResult) => (r.body as { data: { content: string } }).data.content;
const posted = (fake: FakeDiscord) => fake.botMessages(fake.channels.announcements).map((m) => m.content).join('\n');

test('removed before the digest is frozen: not in it', async (t) => {
  const { env, fake, ada, grace } = await setup(t);
  const mistake = await launch(env, ada, 'Shipped the wrong thing https://wrong.example', inWindow(WINDOW, 10));
  await launch(env, ada, 'Shipped the right thing https://right.example', inWindow(WINDOW, 20));
  await launch(env, grace, 'Launched Tiny Forms https://forms.example', inWindow(WINDOW, 30));
  const r = await fake.runCommand({ userId: ada, name: 'unship', options: [{ name: 'launch', type: 3, value: mistake }] });
  assert.match(said(r), /^🗑️ Removed your launch/);
  // This web service has no bot token (startWeb without reactions): the launch goes, the 🚀 is left alone.
  assert.match(said(r), /Its 🚀 stays on the message \(this ShipTrack has no bot token for the web service\)\.$/);
  const run = await env.run(['--now', ON_TIME]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const text = posted(fake);
  assert.match(text, /2 launches by 2 founders/);
  assert.match(text, /right\.example/);
  assert.doesNotMatch(text, /wrong\.example/);
  const { rows } = await db.pool.query('SELECT digest_window_start FROM launches WHERE id = $1', [mistake]);
  assert.equal(rows[0].digest_window_start, null, 'the removed launch is carried by no digest');
});

test('removed after the digest was posted: stays in the posted message, nothing is posted again, gone from /profile and /leaderboard', async (t) => {
  const { env, fake, ada, grace } = await setup(t);
  const gone = await launch(env, ada, 'Launched Pocket Ledger https://ledger.example', inWindow(WINDOW, 10));
  await launch(env, ada, 'Shipped Pocket Ledger 1.1 https://ledger11.example', inWindow(WINDOW, 40));
  await launch(env, grace, 'Launched Tiny Forms https://forms.example', inWindow(WINDOW, 30));
  assert.equal((await env.run(['--now', ON_TIME])).code, 0);
  const before = posted(fake);
  assert.match(before, /ledger\.example/);
  const r = await fake.runCommand({ userId: ada, name: 'unship', options: [{ name: 'launch', type: 3, value: gone }] });
  assert.match(said(r), /^🗑️ Removed your launch/);
  assert.equal(posted(fake), before, 'the posted digest is left as it was');
  const again = await env.run(['--now', ON_TIME]);
  assert.equal(again.code, 0);
  assert.ok(again.events.some((e) => e.event === 'digest.already_posted'));
  assert.equal(fake.botMessages(fake.channels.announcements).length, 1, 'nothing posted again');
  const profile = said(await fake.runCommand({ userId: ada, name: 'profile' }));
  assert.match(profile, new RegExp(`^📦 <@${ada}>: 1 launch · `));
  assert.doesNotMatch(profile, /ledger\.example/);
  const board = said(await fake.runCommand({ userId: ada, name: 'leaderboard', options: [{ name: 'period', type: 3, value: 'all' }] }));
  // A tie shares rank 1; Grace reached one launch first (hour 30 against Ada's remaining one at 40).
  assert.equal(board, `🏆 Top shippers of all time\n1. <@${grace}> · 1 launch\n1. <@${ada}> · 1 launch`);
});

test('the digest celebrates a 4-week streak in one line, as a mention that pings nobody; /profile shows the streak', async (t) => {
  const { env, fake, ada, grace } = await setup(t);
  // Ada launched in each of the four digest weeks ending with WINDOW (2026-W46 … W49); Grace in the
  // last two only; a removed launch does not count (it would otherwise make Grace's run 3).
  for (const iso of ['2026-W46', '2026-W47', '2026-W48', '2026-W49']) await launch(env, ada, `Shipped in ${iso} https://a.example`, inWindow(windowForIsoWeek(iso), 50));
  const removed = await launch(env, grace, 'Shipped early https://g0.example', inWindow(windowForIsoWeek('2026-W47'), 5));
  await db.pool.query(`UPDATE launches SET deleted_at = now(), deleted_reason = 'unship' WHERE id = $1`, [removed]);
  for (const iso of ['2026-W48', '2026-W49']) await launch(env, grace, `Launched in ${iso} https://g.example`, inWindow(windowForIsoWeek(iso), 60));
  const run = await env.run(['--now', ON_TIME]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const parts = fake.botMessages(fake.channels.announcements);
  assert.equal(parts.length, 1);
  assert.equal(parts[0]!.content.split('\n')[1], `🔥 Streaks: <@${ada}> 4 weeks in a row`);
  assert.deepEqual(fake.messageMeta(parts[0]!.id)?.allowedMentions, { parse: [] });
  assert.deepEqual(parts[0]!.mentions, [], 'nobody pinged');
  const profile = said(await fake.runCommand({ userId: ada, name: 'profile' }));
  assert.match(profile.split('\n')[1]!, /^🔥 Weekly streak: .* · best 4 weeks$/);
});
