// `shiptrack doctor` (issue 15): the compiled bin against the fake Discord, a test database, a
// stand-in web service and a stand-in systemctl. Every check passes in one run and fails in another,
// each asserted by its exact line or JSON entry and the exit code; the failing cases are packed
// into a few runs (one process each). Hung peers are cut off by short timeouts, so nothing waits 10 s.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testDist } from '../helpers/bin.js';
import { startFakeDiscord, type FakeDiscord } from '../../src/fake-discord/index.js';
import { RestClient } from '../../src/discord/rest/client.js';
import { putCommands } from '../../src/discord/rest/api.js';
import { commandDefinitions } from '../../src/commands/definitions.js';
import { loadMigrations } from '../../src/db/migrate.js';
import { describeDatabase } from '../../src/db/pool.js';
import { Permission } from '../../src/discord/permissions.js';
import { commandDifferences } from '../../src/doctor/commands.js';
import { checkDatabaseSchema } from '../../src/doctor/database.js';
import { discordChecks } from '../../src/doctor/discord.js';
import { checkTimer } from '../../src/doctor/timer.js';
import type { Queryable } from '../../src/db/pool.js';
import { formatLine } from '../../src/doctor/check.js';

interface Run { code: number | null; out: string; err: string }

function runDoctor(env: Record<string, string>, args: string[] = [], cwd = tmpdir()): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(testDist(), 'bin', 'doctor.js'), ...args], { cwd, env: { PATH: process.env.PATH, ...env } });
    let out = '', err = '';
    p.stdout.on('data', (d) => (out += d)); p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

async function listen(t: TestContext, server: Server | ReturnType<typeof createNetServer>): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise<void>((r) => { (server as Server).closeAllConnections?.(); server.close(() => r()); }));
  return (server.address() as AddressInfo).port;
}

/** A stand-in /healthz answering `status` with the web service's body. */
async function healthServer(t: TestContext, status: number): Promise<number> {
  return listen(t, createHttpServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(status === 200 ? { ok: true, db: 'ok', version: '0.1.0' } : { ok: false, db: 'unreachable', version: '0.1.0' }));
  }));
}

/** Stand-in systemctl scripts; each refuses any other command line than doctor's. */
function fakeSystemctl(t: TestContext): Record<'enabled' | 'disabled' | 'missing' | 'notFound' | 'masked' | 'hung', string> {
  const dir = mkdtempSync(join(tmpdir(), 'doctor-systemctl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = (name: string, body: string) => {
    const p = join(dir, name);
    writeFileSync(p, `#!/bin/sh\n[ "$*" = "is-enabled shiptrack-digest.timer" ] || { echo "unexpected: $*" >&2; exit 99; }\n${body}\n`);
    chmodSync(p, 0o755);
    return p;
  };
  return {
    enabled: script('enabled', 'echo enabled; exit 0'),
    disabled: script('disabled', 'echo disabled; exit 1'),
    // systemd before v256 prints only this on stderr for a unit file that does not exist.
    missing: script('missing', 'echo "Failed to get unit file state for shiptrack-digest.timer: No such file or directory" >&2; exit 1'),
    // Later ones print the state `not-found` on stdout.
    notFound: script('not-found', 'echo not-found; exit 4'),
    masked: script('masked', 'echo masked; exit 1'),
    hung: script('hung', 'exec sleep 5'),
  };
}

async function startFake(t: TestContext, opts: Parameters<typeof startFakeDiscord>[0] = {}): Promise<FakeDiscord> {
  const fake = await startFakeDiscord(opts);
  t.after(() => fake.close());
  return fake;
}

async function register(fake: FakeDiscord, commands: unknown[], guildId: string | undefined = fake.guildId): Promise<void> {
  const rest = new RestClient({ baseUrl: fake.apiBase, token: fake.botToken });
  try { await putCommands(rest, fake.applicationId, guildId, commands as never); } finally { rest.destroy(); }
}

function discordEnv(fake: FakeDiscord): Record<string, string> {
  return {
    DISCORD_API_BASE: fake.apiBase, DISCORD_BOT_TOKEN: fake.botToken, DISCORD_PUBLIC_KEY: fake.publicKeyHex,
    DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_GUILD_ID: fake.guildId,
    SHIPPED_CHANNEL_ID: fake.channels.shipped, ANNOUNCEMENTS_CHANNEL_ID: fake.channels.announcements, HOST: '127.0.0.1',
  };
}

const latest = loadMigrations().at(-1)!.file.replace(/\.sql$/, '');
const pad = (name: string) => name.padEnd(26);
const GUILD = 'ShipTrack Test Guild';
const NOT_RUNNING = '/nonexistent/run/systemd/system';

// One migrated database for the whole file (an embedded one costs seconds of CPU to start).
let db: TestDatabase;
before(async () => { db = await createTestDatabase(); });
after(() => db.close());

test('doctor: every check passes against a healthy installation (text), exit 0', async (t) => {
  const fake = await startFake(t);
  await register(fake, commandDefinitions());
  const port = await healthServer(t, 200);
  const systemctl = fakeSystemctl(t);
  const r = await runDoctor({ ...discordEnv(fake), DATABASE_URL: db.url, PORT: String(port), SHIPTRACK_SYSTEMD_RUN_DIR: tmpdir(), SHIPTRACK_SYSTEMCTL: systemctl.enabled });
  const where = describeDatabase(db.url);
  const { shipped, announcements } = fake.channels;
  assert.equal(r.out, [
    `ok   ${pad('database')} ${where} answers and is migrated to ${latest}, this release's schema`,
    `ok   ${pad('bot-token')} valid: bot ShipTrack (${fake.botUserId}) of application ShipTrack (${fake.applicationId})`,
    `ok   ${pad('public-key')} DISCORD_PUBLIC_KEY is the application's verify_key (${fake.publicKeyHex.slice(0, 8)}…)`,
    `ok   ${pad('message-content-intent')} enabled (application flags include GATEWAY_MESSAGE_CONTENT_LIMITED)`,
    `ok   ${pad('guild')} ${GUILD} (${fake.guildId}); the bot is a member with 1 role(s)`,
    `ok   ${pad('shipped-channel')} #i-shipped (${shipped}) is a text channel of ${GUILD}`,
    `ok   ${pad('announcements-channel')} #announcements (${announcements}) is a text channel of ${GUILD}`,
    `ok   ${pad('shipped-permissions')} the bot may View Channel, Read Message History, Add Reactions in #i-shipped`,
    `ok   ${pad('announcements-permissions')} the bot may View Channel, Send Messages, Read Message History in #announcements`,
    `ok   ${pad('slash-commands')} /ship, /unship, /profile, /leaderboard, /site, "Log as launch" (message command), "Not a launch" (message command) registered in guild ${fake.guildId}, identical to this release's`,
    `ok   ${pad('web-health')} http://127.0.0.1:${port}/healthz → 200 (version 0.1.0)`,
    `ok   ${pad('digest-timer')} shiptrack-digest.timer is enabled`,
    'doctor: all 12 checks passed',
    '',
  ].join('\n'));
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  assert.ok(!r.out.includes(fake.botToken));
});

test('doctor --json: a migration pending, wrong public key, no Message Content, a voice channel, a denied permission, stale commands, web 503, timer disabled', async (t) => {
  const fake = await startFake(t, { messageContentIntentEnabled: false });
  // This release's last migration "not yet applied": its row is taken out for this run and put back.
  const files = loadMigrations();
  const [last, before] = [files.at(-1)!, files.at(-2)!];
  const { rows: [row] } = await db.pool.query('DELETE FROM schema_migrations WHERE id = $1 RETURNING *', [last.id]);
  t.after(() => db.pool.query('INSERT INTO schema_migrations (id, name, sha256, applied_at) VALUES ($1, $2, $3, $4)', [row.id, row.name, row.sha256, row.applied_at]));
  const w = fake.world;
  const voice = w.addChannel('voice-chat', 2);
  // The bot's role is denied Add Reactions in #i-shipped; @everyone still grants the rest.
  w.setPermissionOverwrites(fake.channels.shipped, [{ id: w.botRoleId, type: 0, allow: '0', deny: String(Permission.ADD_REACTIONS) }]);
  const [ship, , profile] = commandDefinitions();
  await register(fake, [{ ...ship!, options: [{ ...ship!.options![0]!, max_length: 50 }] }, profile!, { name: 'old', type: 1, description: 'gone' }]);
  const port = await healthServer(t, 503);
  const systemctl = fakeSystemctl(t);
  const r = await runDoctor({
    ...discordEnv(fake), DISCORD_PUBLIC_KEY: 'ab'.repeat(32), ANNOUNCEMENTS_CHANNEL_ID: voice.id,
    DATABASE_URL: db.url, PORT: String(port), SHIPTRACK_SYSTEMD_RUN_DIR: tmpdir(), SHIPTRACK_SYSTEMCTL: systemctl.disabled,
  }, ['--json']);
  assert.equal(r.code, 1, r.err);
  assert.equal(r.out.split('\n').length, 2, 'one line of JSON');
  const j = JSON.parse(r.out) as { ok: boolean; checks: { name: string; ok: boolean; skipped?: boolean; detail: string; fix?: string }[] };
  assert.equal(j.ok, false);
  const by = Object.fromEntries(j.checks.map((c) => [c.name, c]));
  assert.deepEqual(j.checks.map((c) => c.name), ['database', 'bot-token', 'public-key', 'message-content-intent', 'guild', 'shipped-channel',
    'announcements-channel', 'shipped-permissions', 'announcements-permissions', 'slash-commands', 'web-health', 'digest-timer']);
  const migrate = 'run `shiptrack migrate` (or restart shiptrack-web, whose start runs shiptrack-migrate.service)';
  assert.deepEqual(by.database, { name: 'database', ok: false,
    detail: `${describeDatabase(db.url)} is at ${before.file.replace(/\.sql$/, '')}; this release needs ${latest} (1 pending: ${last.file})`, fix: migrate });
  assert.equal(by['bot-token']!.ok, true);
  assert.deepEqual(by['public-key'], { name: 'public-key', ok: false,
    detail: `DISCORD_PUBLIC_KEY (abababab…) is not the application's verify_key (${fake.publicKeyHex.slice(0, 8)}…): Discord's signed interactions would all fail with 401`,
    fix: 'copy the Public Key from the Developer Portal → General Information into DISCORD_PUBLIC_KEY in /etc/shiptrack/env, then restart shiptrack-web' });
  assert.deepEqual(by['message-content-intent'], { name: 'message-content-intent', ok: false,
    detail: 'not enabled for the application (flags 0 have neither GATEWAY_MESSAGE_CONTENT nor GATEWAY_MESSAGE_CONTENT_LIMITED): the worker cannot read posts in #i-shipped',
    fix: 'enable the Message Content intent in the Developer Portal → Bot → Privileged Gateway Intents, then restart shiptrack-worker' });
  assert.equal(by.guild!.ok, true);
  assert.equal(by['shipped-channel']!.ok, true);
  assert.deepEqual(by['announcements-channel'], { name: 'announcements-channel', ok: false,
    detail: `#voice-chat (ANNOUNCEMENTS_CHANNEL_ID=${voice.id}) is a voice channel, not a text or announcement channel`,
    fix: 'point ANNOUNCEMENTS_CHANNEL_ID at a text channel in /etc/shiptrack/env; the next digest run uses it' });
  assert.deepEqual(by['shipped-permissions'], { name: 'shipped-permissions', ok: false,
    detail: 'the bot lacks Add Reactions in #i-shipped (from its roles and the channel\'s overwrites)',
    fix: 'allow Add Reactions for the bot (or its role) in #i-shipped: Edit Channel → Permissions, or the role in Server Settings → Roles' });
  assert.deepEqual(by['announcements-permissions'], { name: 'announcements-permissions', ok: false, skipped: true, detail: 'skipped (because announcements-channel failed)' });
  assert.deepEqual(by['slash-commands'], { name: 'slash-commands', ok: false,
    detail: `registered in guild ${fake.guildId} differ from this release's: /ship differs in options[0].max_length (registered 50, this release 100); `
      + '/unship is not registered; /leaderboard is not registered; /site is not registered; "Log as launch" (message command) is not registered; "Not a launch" (message command) is not registered; '
      + '/old is registered but not part of this release',
    fix: 'run `shiptrack register-commands`' });
  assert.deepEqual(by['web-health'], { name: 'web-health', ok: false, detail: `http://127.0.0.1:${port}/healthz → 503 (version 0.1.0, db unreachable)`,
    fix: 'start the web service (systemctl start shiptrack-web) and see `journalctl -u shiptrack-web`; HOST and PORT must be what it listens on' });
  assert.deepEqual(by['digest-timer'], { name: 'digest-timer', ok: false, detail: 'shiptrack-digest.timer is disabled: no weekly digest will be posted',
    fix: 'systemctl enable --now shiptrack-digest.timer' });
});

test('doctor: without DISCORD_GUILD_ID the guild is #i-shipped\'s and commands are global; a hung database, web and Discord time out; timer not installed', async (t) => {
  const fake = await startFake(t);
  const w = fake.world;
  const stage = w.addChannel('stage', 13);
  // Without Read Message History the digest cannot adopt a part that reached Discord before a crash.
  w.setPermissionOverwrites(fake.channels.announcements, [{ id: w.guildId, type: 0, allow: '0', deny: String(Permission.SEND_MESSAGES | Permission.READ_MESSAGE_HISTORY) }]);
  // Discord accepts the request for the global commands and does not answer.
  // (--timeout 2 below: a timeout much shorter would also cut off the checks that must pass when
  // this machine is busy; the delay outlasts it and ends soon after, so nothing is left pending.)
  fake.rest.script({ path: /\/applications\/\d+\/commands$/, status: 200, delayMs: 2500, passThrough: true });
  // A database and a web service that accept connections and never answer.
  const sockets: Socket[] = [];
  t.after(() => { for (const s of sockets) s.destroy(); });
  const dbPort = await listen(t, createNetServer((s) => sockets.push(s)));
  const webPort = await listen(t, createHttpServer(() => {}));
  const systemctl = fakeSystemctl(t);
  const env = { ...discordEnv(fake), SHIPPED_CHANNEL_ID: stage.id, DATABASE_URL: `postgres://u:hunter2secret@127.0.0.1:${dbPort}/shiptrack`, PORT: String(webPort),
    SHIPTRACK_SYSTEMD_RUN_DIR: tmpdir(), SHIPTRACK_SYSTEMCTL: systemctl.missing };
  delete (env as Record<string, string | undefined>).DISCORD_GUILD_ID;
  const started = Date.now();
  const r = await runDoctor(env, ['--timeout', '2']);
  assert.ok(Date.now() - started < 8000, 'bounded by the timeout, not hung');
  assert.equal(r.code, 1, r.err);
  const lines = r.out.split('\n');
  assert.match(lines[0]!, new RegExp(`^FAIL ${pad('database')} 127\\.0\\.0\\.1:${dbPort}/shiptrack is unreachable: .*(timeout|Connection terminated).*; fix: check DATABASE_URL in /etc/shiptrack/env `));
  assert.ok(!r.out.includes('hunter2secret'));
  assert.deepEqual(lines.slice(4, 10), [
    `ok   ${pad('guild')} ${GUILD} (${fake.guildId}); the bot is a member with 1 role(s)`,
    `FAIL ${pad('shipped-channel')} #stage (SHIPPED_CHANNEL_ID=${stage.id}) is a stage channel, not a text or announcement channel; fix: point SHIPPED_CHANNEL_ID at a text channel in /etc/shiptrack/env; restart shiptrack-worker`,
    `ok   ${pad('announcements-channel')} #announcements (${fake.channels.announcements}) is a text channel of ${GUILD}`,
    `skip ${pad('shipped-permissions')} skipped (because shipped-channel failed)`,
    `FAIL ${pad('announcements-permissions')} the bot lacks Send Messages, Read Message History in #announcements (from its roles and the channel's overwrites); fix: allow Send Messages, Read Message History for the bot (or its role) in #announcements: Edit Channel → Permissions, or the role in Server Settings → Roles`,
    `FAIL ${pad('slash-commands')} could not read the commands registered globally: no answer within 2 s; fix: check DISCORD_GUILD_ID and that the bot was invited with the applications.commands scope, then run \`shiptrack register-commands\``,
  ]);
  assert.deepEqual(lines.slice(10), [
    `FAIL ${pad('web-health')} http://127.0.0.1:${webPort}/healthz → no answer within 2 s; fix: start the web service (systemctl start shiptrack-web) and see \`journalctl -u shiptrack-web\`; HOST and PORT must be what it listens on`,
    `FAIL ${pad('digest-timer')} shiptrack-digest.timer is not installed; fix: install the units: \`sudo systemd/install.sh\` (README, Operations → Install)`,
    'doctor: 6 failed, 1 skipped because of them, of 12 checks',
    '',
  ]);
});

test('doctor: a rejected token skips every check that needs it; database and web refused; the timer does not apply without systemd', async (t) => {
  const fake = await startFake(t);
  // Port 1 (tcpmux) has no listener here: the database and the web service refuse the connection.
  const r = await runDoctor({ ...discordEnv(fake), DISCORD_BOT_TOKEN: 'MTIz.bad.token-that-is-not-the-bots-xxxxxxxxxx', DATABASE_URL: 'postgres://u@127.0.0.1:1/shiptrack',
    PORT: '1', SHIPTRACK_SYSTEMD_RUN_DIR: NOT_RUNNING });
  assert.equal(r.code, 1, r.err);
  const skipped = (n: string) => `skip ${pad(n)} skipped (because bot-token failed)`;
  const lines = r.out.split('\n');
  assert.match(lines[0]!, new RegExp(`^FAIL ${pad('database')} 127\\.0\\.0\\.1:1/shiptrack is unreachable: .*ECONNREFUSED.*; fix: `));
  assert.deepEqual(lines.slice(1), [
    `FAIL ${pad('bot-token')} Discord rejected DISCORD_BOT_TOKEN (401 Unauthorized); fix: copy the token from the Developer Portal → your application → Bot → Reset Token into DISCORD_BOT_TOKEN in /etc/shiptrack/env, then restart shiptrack-worker`,
    ...['public-key', 'message-content-intent', 'guild', 'shipped-channel', 'announcements-channel', 'shipped-permissions', 'announcements-permissions', 'slash-commands'].map(skipped),
    `FAIL ${pad('web-health')} http://127.0.0.1:1/healthz → ECONNREFUSED; fix: start the web service (systemctl start shiptrack-web) and see \`journalctl -u shiptrack-web\`; HOST and PORT must be what it listens on`,
    `skip ${pad('digest-timer')} skipped (systemd is not running here)`,
    'doctor: 3 failed, 8 skipped because of them, of 12 checks',
    '',
  ]);
  assert.ok(!r.out.includes('token-that-is-not') && !r.err.includes('token-that-is-not'), 'the token is never printed');
});

test('doctor --json: a guild the bot is not in', async (t) => {
  const fake = await startFake(t);
  await register(fake, commandDefinitions());
  const port = await healthServer(t, 200);
  const systemctl = fakeSystemctl(t);
  const unknownGuild = '1234567890123456780';
  const r = await runDoctor({ ...discordEnv(fake), DISCORD_GUILD_ID: unknownGuild, DATABASE_URL: db.url, PORT: String(port),
    SHIPTRACK_SYSTEMD_RUN_DIR: NOT_RUNNING, SHIPTRACK_SYSTEMCTL: systemctl.enabled }, ['--json']);
  assert.equal(r.code, 1, r.err);
  const j = JSON.parse(r.out) as { ok: boolean; checks: { name: string; ok: boolean; skipped?: boolean; detail: string; fix?: string }[] };
  assert.equal(j.ok, false);
  assert.deepEqual(j.checks.filter((c) => c.ok).map((c) => c.name), ['database', 'bot-token', 'public-key', 'message-content-intent', 'web-health', 'digest-timer']);
  assert.deepEqual(j.checks.find((c) => c.name === 'digest-timer'), { name: 'digest-timer', ok: true, skipped: true, detail: 'skipped (systemd is not running here)' });
  assert.deepEqual(j.checks.filter((c) => !c.ok).map((c) => formatLine(c)), [
    `FAIL ${pad('guild')} the bot is not a member of guild ${unknownGuild}, or there is no such guild: REST_HTTP_ERROR: GET /guilds/:guild_id failed with HTTP 404 (Discord code 10004: Unknown Guild); fix: invite the bot to your server (Developer Portal → OAuth2 → URL Generator, scopes bot and applications.commands), or correct DISCORD_GUILD_ID`,
    ...['shipped-channel', 'announcements-channel', 'shipped-permissions', 'announcements-permissions'].map((n) => `skip ${pad(n)} skipped (because guild failed)`),
    `FAIL ${pad('slash-commands')} could not read the commands registered in guild ${unknownGuild}: REST_HTTP_ERROR: GET /applications/:application_id/guilds/:guild_id/commands failed with HTTP 404 (Discord code 10004: Unknown Guild); fix: check DISCORD_GUILD_ID and that the bot was invited with the applications.commands scope, then run \`shiptrack register-commands\``,
  ]);
});

test('doctor: --help, a bad option (64), a missing setting (78)', async () => {
  const help = await runDoctor({}, ['--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /^usage: shiptrack doctor \[--json\] \[--timeout SECONDS\]\n/);
  const bad = await runDoctor({}, ['--jsn']);
  assert.equal(bad.code, 64);
  assert.equal(bad.out, '');
  assert.match(bad.err, /--jsn[\s\S]*usage: shiptrack doctor/);
  const missing = await runDoctor({ DATABASE_URL: 'postgres://u@127.0.0.1:1/x', DISCORD_PUBLIC_KEY: 'ab'.repeat(32) }, ['--json']);
  assert.equal(missing.code, 78);
  const error = 'CONFIG_INVALID: invalid configuration for doctor: DISCORD_BOT_TOKEN is missing; DISCORD_APPLICATION_ID is missing; SHIPPED_CHANNEL_ID is missing; ANNOUNCEMENTS_CHANNEL_ID is missing';
  assert.deepEqual(JSON.parse(missing.out), { ok: false, checks: [], error });
  assert.equal(missing.err, `<3>config.invalid proc=doctor role=doctor error="${error}"\n`);
});

test('doctor (in-process): the token of another application, a hung Discord, the guild of #i-shipped when DISCORD_GUILD_ID is unset, a channel of another guild; systemctl states', async (t) => {
  const fake = await startFake(t);
  const rest = new RestClient({ baseUrl: fake.apiBase, token: fake.botToken, maxRetries: 0 });
  t.after(() => rest.destroy());
  const o = { rest, applicationId: fake.applicationId, publicKey: fake.publicKeyHex, guildId: fake.guildId as string | undefined,
    shippedChannelId: fake.channels.shipped, announcementsChannelId: fake.channels.announcements, timeoutMs: 2000 };
  const elsewhere = '1234567890123456789';
  const hidden = '1234567890123456788';
  // Discord answers 403 Missing Access for a channel the bot may not see (or in a server it is not in).
  fake.rest.script({ path: new RegExp(`/channels/${hidden}$`), status: 403, code: 50001, body: { message: 'Missing Access', code: 50001 } });
  const foreign = '1234567890123456787';
  fake.rest.script({ path: new RegExp(`/channels/${foreign}$`), status: 200, body: { id: foreign, type: 0, guild_id: '1234567890123456786', name: 'launches', permission_overwrites: [] } });
  const [noGuild, otherChannel, otherApp, hiddenChannel, foreignChannel] = await Promise.all([
    discordChecks({ ...o, guildId: undefined, shippedChannelId: elsewhere }),
    discordChecks({ ...o, announcementsChannelId: elsewhere }),
    discordChecks({ ...o, applicationId: elsewhere }),
    discordChecks({ ...o, shippedChannelId: hidden }),
    discordChecks({ ...o, announcementsChannelId: foreign }),
  ]);
  assert.equal(formatLine(foreignChannel[5]!), `FAIL ${pad('announcements-channel')} ANNOUNCEMENTS_CHANNEL_ID=${foreign} is #launches of another server `
    + `(1234567890123456786), not of ${GUILD} (${fake.guildId}); fix: copy the channel's id (Developer Mode, right-click the channel, Copy Channel ID) into `
    + 'ANNOUNCEMENTS_CHANNEL_ID in /etc/shiptrack/env; the next digest run uses it');
  assert.equal(formatLine(hiddenChannel[4]!), `FAIL ${pad('shipped-channel')} SHIPPED_CHANNEL_ID=${hidden} exists but the bot may not see it `
    + '(REST_HTTP_ERROR: GET /channels/:channel_id failed with HTTP 403 (Discord code 50001: Missing Access)); fix: allow View Channel for the bot (or its role) in that channel, '
    + 'or copy the channel\'s id (Developer Mode, right-click the channel, Copy Channel ID) into SHIPPED_CHANNEL_ID in /etc/shiptrack/env; restart shiptrack-worker');
  const skippedAfterToken = ['public-key', 'message-content-intent', 'guild', 'shipped-channel', 'announcements-channel', 'shipped-permissions',
    'announcements-permissions', 'slash-commands'].map((n) => `skip ${pad(n)} skipped (because bot-token failed)`);
  assert.deepEqual(otherApp.map(formatLine), [
    `FAIL ${pad('bot-token')} the token is the bot of application ${fake.applicationId}, but DISCORD_APPLICATION_ID=${elsewhere}; fix: set DISCORD_APPLICATION_ID=${fake.applicationId} (Developer Portal → General Information → Application ID), or use the bot token of application ${elsewhere}`,
    ...skippedAfterToken,
  ]);
  assert.deepEqual(noGuild.slice(3, 8).map(formatLine), [
    `FAIL ${pad('guild')} DISCORD_GUILD_ID is not set and the guild of SHIPPED_CHANNEL_ID=${elsewhere} could not be read: REST_HTTP_ERROR: GET /channels/:channel_id failed with HTTP 404 (Discord code 10003: Unknown Channel); fix: set DISCORD_GUILD_ID to your server's id (Developer Mode, right-click the server icon, Copy Server ID) and check SHIPPED_CHANNEL_ID`,
    ...['shipped-channel', 'announcements-channel', 'shipped-permissions', 'announcements-permissions'].map((n) => `skip ${pad(n)} skipped (because guild failed)`),
  ]);
  assert.deepEqual([otherChannel[5], otherChannel[7]].map((c) => formatLine(c!)), [
    `FAIL ${pad('announcements-channel')} ANNOUNCEMENTS_CHANNEL_ID=${elsewhere} is not a channel Discord knows (deleted, or a typo); fix: copy the channel's id (Developer Mode, right-click the channel, Copy Channel ID) into ANNOUNCEMENTS_CHANNEL_ID in /etc/shiptrack/env; the next digest run uses it`,
    `skip ${pad('announcements-permissions')} skipped (because announcements-channel failed)`,
  ]);

  // Discord accepts the connection and does not answer: bounded by the timeout, named as such.
  fake.rest.script({ path: /\/users\/@me$/, status: 200, delayMs: 1500, passThrough: true });
  assert.deepEqual((await discordChecks({ ...o, timeoutMs: 300 })).map(formatLine), [
    `FAIL ${pad('bot-token')} could not ask Discord about the token: no answer within 0.3 s; fix: check DISCORD_API_BASE and that this machine reaches Discord (DNS, firewall, proxy), then run doctor again`,
    ...skippedAfterToken,
  ]);

  const systemctl = fakeSystemctl(t);
  // Only the hung systemctl gets the short timeout: a script that answers may take longer than
  // 0.3 s to start on a busy machine, and must not then read as "no answer".
  const timer = (path: string, timeoutMs = 10_000) => checkTimer({ systemdRunDir: tmpdir(), systemctl: path, timeoutMs }).then(formatLine);
  assert.deepEqual(await Promise.all([timer(systemctl.notFound), timer(systemctl.masked), timer(systemctl.hung, 300), timer('/nonexistent/systemctl')]), [
    `FAIL ${pad('digest-timer')} shiptrack-digest.timer is not installed; fix: install the units: \`sudo systemd/install.sh\` (README, Operations → Install)`,
    `FAIL ${pad('digest-timer')} shiptrack-digest.timer is masked; fix: systemctl unmask shiptrack-digest.timer && systemctl enable --now shiptrack-digest.timer`,
    `FAIL ${pad('digest-timer')} \`systemctl is-enabled shiptrack-digest.timer\` gave no answer within 0.3 s; fix: check \`systemctl status\`, then run doctor again`,
    `FAIL ${pad('digest-timer')} systemd runs here but /nonexistent/systemctl was not found; fix: run doctor where systemctl is on PATH`,
  ]);
});

test('doctor: the database check reads schema_migrations: no tables, a migration from a newer release, an edited file', async () => {
  const files = loadMigrations();
  const stub = (t: string | null, rows: { id: number; name: string; sha256: string }[]) => ({
    query: async (sql: string) => ({ rows: sql.includes('to_regclass') ? [{ t }] : rows }),
  }) as unknown as Queryable;
  const applied = files.map((f) => ({ id: f.id, name: f.name, sha256: f.sha256 }));
  const where = 'db:5432/shiptrack';
  assert.deepEqual(await checkDatabaseSchema(stub(null, []), where, files), { name: 'database', ok: false,
    detail: 'db:5432/shiptrack answers but has no ShipTrack tables (no migration applied)',
    fix: 'run `shiptrack migrate` (or restart shiptrack-web, whose start runs shiptrack-migrate.service)' });
  assert.deepEqual(await checkDatabaseSchema(stub('schema_migrations', [...applied, { id: 99, name: 'future', sha256: 'x' }]), where, files), { name: 'database', ok: false,
    detail: 'db:5432/shiptrack has migration 0099_future that this release does not have (a newer ShipTrack migrated it)',
    fix: 'install the release that migrated it again, or restore the backup taken before the upgrade' });
  assert.deepEqual(await checkDatabaseSchema(stub('schema_migrations', applied.map((r) => (r.id === 2 ? { ...r, sha256: 'edited' } : r))), where, files), { name: 'database', ok: false,
    detail: `migration ${files[1]!.file} was changed after it was applied to db:5432/shiptrack (sha256 differs)`,
    fix: 'restore the original sql/ file of this release (reinstall it); never edit an applied migration' });
});

test('doctor: what "identical" means for slash commands (ids, versions and Discord\'s defaults are not differences)', () => {
  const defs = commandDefinitions();
  // What Discord returns for a guild registration: ids and versions added, `required: false` left out.
  const returned = defs.map((d, i) => ({ ...d, id: String(100 + i), application_id: '1', guild_id: '2', version: '3', default_member_permissions: null, nsfw: false,
    options: d.options?.map((o) => (o.required ? o : { type: o.type, name: o.name, description: o.description, ...(o.choices ? { choices: o.choices } : {}) })) }));
  assert.deepEqual(commandDifferences(returned, defs, 'guild'), []);
  assert.deepEqual(commandDifferences([...returned].reverse(), defs, 'guild'), [], 'order does not matter');
  assert.deepEqual(commandDifferences([], defs, 'global'), ['/ship is not registered', '/unship is not registered', '/profile is not registered',
    '/leaderboard is not registered', '/site is not registered', '"Log as launch" (message command) is not registered', '"Not a launch" (message command) is not registered']);
  assert.deepEqual(commandDifferences(returned.map((c) => ({ ...c, contexts: null, integration_types: null })), defs, 'guild'), [], 'contexts apply to global commands only');
  assert.deepEqual(commandDifferences(returned.map((c) => ({ ...c, contexts: [0, 1, 2] })), defs, 'global'), [
    '/ship differs in contexts[1] (registered 1, this release absent)', '/unship differs in contexts[1] (registered 1, this release absent)',
    '/profile differs in contexts[1] (registered 1, this release absent)', '/leaderboard differs in contexts[1] (registered 1, this release absent)',
    '/site differs in contexts[1] (registered 1, this release absent)',
    '"Log as launch" (message command) differs in contexts[1] (registered 1, this release absent)', '"Not a launch" (message command) differs in contexts[1] (registered 1, this release absent)']);
  assert.deepEqual(commandDifferences(returned.map((c) => (c.name === 'leaderboard' ? { ...c, default_member_permissions: '8' } : c)), defs, 'guild'),
    ['/leaderboard differs in default_member_permissions (registered "8", this release null)']);
  assert.deepEqual(commandDifferences(returned.map((c) => (c.name === 'profile' ? { ...c, description: 'Old words' } : c)), defs, 'guild'),
    ['/profile differs in description (registered "Old words", this release "Show a maker\'s launches")']);
});

test('fake Discord: GET /guilds/{id}/channels and /roles, and application flags changed at run time', async (t) => {
  const fake = await startFake(t);
  const get = async (path: string) => (await fetch(fake.apiBase + path, { headers: { authorization: `Bot ${fake.botToken}` } })).json() as Promise<unknown>;
  const channels = await get(`/guilds/${fake.guildId}/channels`) as { id: string; name: string; type: number; permission_overwrites: unknown[] }[];
  assert.deepEqual(channels.map((c) => [c.name, c.type]), [['i-shipped', 0], ['announcements', 0], ['general', 0]]);
  const roles = await get(`/guilds/${fake.guildId}/roles`) as { id: string; name: string; managed: boolean }[];
  assert.deepEqual(roles.map((r) => [r.id, r.name, r.managed]), [[fake.guildId, '@everyone', false], [fake.world.botRoleId, 'ShipTrack', true]]);
  assert.deepEqual(await get('/guilds/1234567890123456789/channels'), { message: 'Unknown Guild', code: 10004 });
  fake.world.setApplicationFlags(1 << 18);
  assert.equal((await get('/applications/@me') as { flags: number }).flags, 1 << 18);
  const res = await fetch(`${fake.controlUrl}/application-flags`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ flags: 0 }) });
  assert.deepEqual(await res.json(), { applicationFlags: 0 });
  assert.equal((await get('/applications/@me') as { flags: number }).flags, 0);
});
