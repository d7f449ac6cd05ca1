#!/usr/bin/env node
// `shiptrack doctor` / `npm run doctor`: checks the live installation (database, Discord, the web
// service, the digest timer) and says what to fix, one line per check or one JSON object; exit 0
// only when every check passed. Reads only: never migrates, registers or posts anything.
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config.js';
import { ExitCode, describeError } from '../errors.js';
import { createLogger, redact, silentLogger } from '../log.js';
import { allPassed, formatJson, formatText } from '../doctor/check.js';

const USAGE = `usage: shiptrack doctor [--json] [--timeout SECONDS]
  (no option)        check the installation: one line per check (ok, FAIL or skip), and what to fix
  --json             the same as one JSON object on stdout: {ok, checks: [{name, ok, skipped?, detail, fix?}]}
  --timeout SECONDS  give up on each database, Discord, web or systemctl call after this long (default 10)
  exit status: 0 every check passed, 1 a check failed or was skipped because of one, 64 a bad command line,
  78 a setting is missing or malformed`;
/** sysexits EX_USAGE. */
const EX_USAGE = 64;
/** What doctor needs besides DATABASE_URL (which the status role already requires). */
const NEEDED = ['DISCORD_BOT_TOKEN', 'DISCORD_PUBLIC_KEY', 'DISCORD_APPLICATION_ID', 'SHIPPED_CHANNEL_ID', 'ANNOUNCEMENTS_CHANNEL_ID'] as const;

function usageError(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(EX_USAGE);
}

function parseCommandLine(argv: string[]): { json: boolean; timeoutMs: number } {
  let values: { json?: boolean; help?: boolean; timeout?: string };
  try {
    ({ values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: {
      json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, timeout: { type: 'string' } } }));
  } catch (err) {
    usageError(describeError(err));
  }
  if (values.help) { process.stdout.write(`${USAGE}\n`); process.exit(0); }
  const seconds = values.timeout === undefined ? 10 : Number(values.timeout);
  if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 120) usageError(`--timeout must be a number of seconds from 0.1 to 120, got "${values.timeout}"`);
  return { json: values.json ?? false, timeoutMs: Math.round(seconds * 1000) };
}

const args = parseCommandLine(process.argv.slice(2));
// Every line goes to stderr: stdout carries only the report.
const log = (config?: Config) => createLogger({ level: config?.logLevel ?? 'info', secrets: config?.secrets ?? [], write: (l) => process.stderr.write(`${l}\n`) }, { proc: 'doctor' });

let config: Config;
try {
  // The status role requires DATABASE_URL and validates every other setting that is present.
  config = loadConfig('status');
  const fields: Record<(typeof NEEDED)[number], string> = {
    DISCORD_BOT_TOKEN: config.botToken, DISCORD_PUBLIC_KEY: config.publicKey, DISCORD_APPLICATION_ID: config.applicationId,
    SHIPPED_CHANNEL_ID: config.shippedChannelId, ANNOUNCEMENTS_CHANNEL_ID: config.announcementsChannelId,
  };
  const missing = NEEDED.filter((n) => !fields[n]);
  if (missing.length) throw new Error(`CONFIG_INVALID: invalid configuration for doctor: ${missing.map((n) => `${n} is missing`).join('; ')}`);
} catch (err) {
  const error = describeError(err);
  log().error('config.invalid', { role: 'doctor', error });
  if (args.json) process.stdout.write(`${JSON.stringify({ ok: false, checks: [], error })}\n`);
  process.exit(ExitCode.config);
}

// Loaded only once the command line and the settings are good: --help and a bad setting answer at once.
const [{ createPool, describeDatabase }, { RestClient }, { runDoctor }] = await Promise.all([
  import('../db/pool.js'), import('../discord/rest/client.js'), import('../doctor/run.js'),
]);
const timeoutMs = args.timeoutMs;
const logger = log(config);
const pool = createPool(config.databaseUrl, logger, { max: 2, applicationName: 'shiptrack-doctor', connectTimeoutMs: timeoutMs, statementTimeoutMs: timeoutMs, queryTimeoutMs: timeoutMs + 500 });
// One retry of a 5xx or a dropped connection at most; the per-call signal bounds rate-limit waits too.
const rest = new RestClient({ baseUrl: config.discordApiBase, token: config.botToken, timeoutMs, maxRetries: 1, maxRateLimitRetries: 1, retryBaseMs: 250,
  log: config.logLevel === 'debug' ? logger : silentLogger });
let code: number = ExitCode.failure;
try {
  const checks = await runDoctor({
    config, db: pool, dbWhere: describeDatabase(config.databaseUrl), rest, timeoutMs,
    // Test hooks (test/integration/doctor.test.ts): where systemd's run directory and systemctl are.
    systemdRunDir: process.env.SHIPTRACK_SYSTEMD_RUN_DIR ?? '/run/systemd/system', systemctl: process.env.SHIPTRACK_SYSTEMCTL ?? 'systemctl',
  });
  const out = args.json ? formatJson(checks) : formatText(checks);
  process.stdout.write(`${redact(out, config.secrets)}\n`);
  code = allPassed(checks) ? ExitCode.ok : ExitCode.failure;
} catch (err) {
  logger.error('process.fatal', { error: describeError(err) });
} finally {
  rest.destroy();
  // A connection stuck on a dead server must not keep doctor from exiting.
  await Promise.race([pool.end().catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
}
process.exit(code);
