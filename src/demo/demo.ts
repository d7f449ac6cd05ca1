// `npm run demo`: the whole of ShipTrack on one machine with nothing but Node. Starts an embedded
// Postgres (kept under .demo-data/), the fake Discord, and the three real processes from dist/
// exactly as systemd runs them, plays a scripted week, prints a transcript and a summary, and
// exits 0 only if the week came out as expected. `--keep-running` leaves it all up until Ctrl-C.

import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createServer } from 'node:net';
import type { EmbeddedPostgres } from '../dev/embedded-postgres.js';
import { startFakeDiscord, type FakeDiscord } from '../fake-discord/index.js';
import { createPool } from '../db/pool.js';
import { silentLogger } from '../log.js';
import { runOnce, stopAll } from './processes.js';
import { Transcript, bold, dim } from './transcript.js';
import { playWeek, type DemoContext } from './week.js';
import { visitSite } from './site.js';

const { values: args } = parseArgs({ options: {
  'keep-running': { type: 'boolean', default: false },
  'data-dir': { type: 'string', default: '.demo-data' },
  'no-build': { type: 'boolean', default: false },
  /** Run an already compiled tree (the test suite's, compiled once per run) instead of dist/; implies --no-build. */
  dist: { type: 'string' },
  /** Use this PostgreSQL database instead of the embedded one (its tables are created by migrate). */
  'database-url': { type: 'string' },
} });
const distDir = resolve(args.dist ?? 'dist');

const dataDir = resolve(args['data-dir']!);
const logDir = join(dataDir, 'logs');
mkdirSync(logDir, { recursive: true });
const t = new Transcript();
let pg: EmbeddedPostgres | undefined;
let fake: FakeDiscord | undefined;
let shuttingDown = false;

async function shutdown(code: number): Promise<never> {
  if (!shuttingDown) {
    shuttingDown = true;
    await stopAll();
    await fake?.close().catch(() => {});
    await pg?.stop().catch(() => {});
  }
  process.exit(code);
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => { process.stdout.write(`\n${dim(`${sig}: stopping every process…`)}\n`); void shutdown(130); });
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => res(p)); });
  });
}

async function main(): Promise<number> {
  t.scene('Setting up (nothing here touches the internet)');
  if (!args['no-build'] && !args.dist) {
    const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
    const build = await runOnce('build', tsc, ['-p', 'tsconfig.json'], process.env, join(logDir, 'build.log'), 180_000);
    if (build.code !== 0) { t.expect(false, `npm run build failed (see ${join(logDir, 'build.log')})`); return 1; }
    t.system('compiled src/ → dist/ (the processes below run plain node on dist/, as in production)');
  }
  let databaseUrl = args['database-url'];
  if (databaseUrl) {
    t.system(`PostgreSQL at ${databaseUrl.replace(/^postgres(ql)?:\/\/[^@]*@/, '')} (--database-url)`);
  } else {
    // Loaded only here: PGlite's module is large, and --database-url runs never need it.
    const { startEmbeddedPostgres } = await import('../dev/embedded-postgres.js');
    pg = await startEmbeddedPostgres({ dataDir: join(dataDir, 'pg') });
    databaseUrl = pg.url;
    t.system(`embedded Postgres (PGlite) on ${pg.url.replace(/^postgres:\/\/[^@]*@/, '')}, data in ${join(dataDir, 'pg')}`);
  }
  fake = await startFakeDiscord({ heartbeatIntervalMs: 5000 });
  t.system(`fake Discord on ${fake.apiBase.replace('/api/v10', '')} (REST, gateway, interactions; control API ${fake.controlUrl})`);

  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, NODE_ENV: 'production', LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl, DISCORD_API_BASE: fake.apiBase, DISCORD_BOT_TOKEN: fake.botToken,
    DISCORD_PUBLIC_KEY: fake.publicKeyHex, DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_GUILD_ID: fake.guildId,
    SHIPPED_CHANNEL_ID: fake.channels.shipped, ANNOUNCEMENTS_CHANNEL_ID: fake.channels.announcements,
    HOST: '127.0.0.1', PORT: String(port),
    // The public launch log on the same port (docs/site.md).
    PUBLIC_SITE: 'true', PUBLIC_SITE_URL: `http://127.0.0.1:${port}`,
  };
  // The same settings a production install keeps in /etc/shiptrack/env, for poking around.
  writeFileSync(join(dataDir, 'env'), Object.entries(env).filter(([k]) => k !== 'PATH' && k !== 'NODE_ENV').map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 });
  t.note(`settings written to ${join(dataDir, 'env')}; process logs in ${logDir}/`);

  const db = createPool(databaseUrl, silentLogger, { max: 2 });
  const ctx: DemoContext = { t, fake, env, db, logDir, port, dist: join(distDir, 'bin') };
  try {
    await playWeek(ctx);
    await visitSite(ctx);
  } finally {
    if (!args['keep-running']) {
      await Promise.all([ctx.children?.worker.stop(), ctx.children?.web.stop()]);
      await db.end();
    }
  }

  t.scene('Summary');
  const s = ctx.summary!;
  t.note(`launches logged this run: ${s.launchesLogged} (all-time in this demo database: ${s.launchesAllTime})`);
  t.note(`🚀 reactions: ${s.reactions} on ${s.reactedMessages} messages (PUTs sent: ${s.reactionPuts})`);
  t.note(`digest: ${s.digest}`);
  t.note(`gateway sessions: ${s.identifies} IDENTIFY, ${s.resumes} RESUME`);
  t.note(`checks: ${t.checked - t.failures.length}/${t.checked} as expected`);
  const ok = t.failures.length === 0;
  process.stdout.write(`\n${bold(ok ? 'The week came out as expected.' : `Something went wrong (${t.failures.length}):`)}\n`);
  for (const f of t.failures) process.stdout.write(`  - ${f}\n`);
  process.stdout.write(`DEMO_RESULT ok=${ok} launches=${s.launchesLogged} reactions=${s.reactions} digest_parts=${s.digestParts} failures=${t.failures.length}\n`);

  if (args['keep-running']) {
    t.scene('Still running (Ctrl-C stops everything)');
    t.note(`Public launch log: http://127.0.0.1:${port}/ (open it in a browser; feeds /feed.atom and /weeks.atom)`);
    t.note(`web pid ${ctx.children?.web.proc.pid} on http://127.0.0.1:${port}, worker pid ${ctx.children?.worker.proc.pid}`);
    const c = fake.controlUrl;
    t.note('Post a message in #i-shipped as a member:');
    t.block(`curl -s -XPOST ${c}/messages -H 'content-type: application/json' \\\n  -d '{"channel":"i-shipped","author":"ada","content":"Just shipped v3 https://example.com"}'`);
    t.note('Run a slash command:');
    t.block(`curl -s -XPOST ${c}/commands -H 'content-type: application/json' \\\n  -d '{"user":"ada","name":"ship","options":[{"name":"product","type":3,"value":"My app https://example.com"}]}'`);
    t.note('See what the bot posted and reacted:');
    t.block(`curl -s '${c}/bot-messages?channel=announcements'\ncurl -s '${c}/reactions?channel=i-shipped'`);
    t.note(`Everything the fake offers: docs/fake-discord.md. Database: DATABASE_URL=${databaseUrl}`);
    t.note(`Status: (set -a; . ${join(dataDir, 'env')}; node ${join(distDir, 'bin', 'status.js')})`);
    await new Promise(() => {});
  }
  return ok ? 0 : 1;
}

main().then((code) => shutdown(code), async (err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  await shutdown(1);
});
