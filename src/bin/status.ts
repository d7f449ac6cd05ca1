#!/usr/bin/env node
// `shiptrack status` / `npm run status`: one screen for the sysadmin (or, with --json, one JSON
// object for monitoring scripts); exit 1 when something is wrong.
import { parseArgs } from 'node:util';
import fetch from 'node-fetch';
import { fatal, startProcess } from './bootstrap.js';
import { createPool, checkDatabase } from '../db/pool.js';
import { describeError } from '../errors.js';
import { redact } from '../log.js';
import { assess, collectStatus, formatStatus } from '../status/report.js';
import { statusJson } from '../status/json.js';
import { healthUrl as healthUrlFor } from '../status/health-url.js';

const USAGE = `usage: shiptrack status [--json]
  (no option)  one screen of health: worker, web, digest, launches; what is wrong, if anything
  --json       the same report as one JSON object on stdout (shape: README, "shiptrack status --json")
  exit status: 0 healthy, 1 a problem (or the database unreachable), 64 a bad command line`;
/** sysexits EX_USAGE. */
const EX_USAGE = 64;

function parseCommandLine(argv: string[]): { json: boolean } {
  let values: { json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    process.stderr.write(`${describeError(err)}\n${USAGE}\n`);
    process.exit(EX_USAGE);
  }
  if (values.help) { process.stdout.write(`${USAGE}\n`); process.exit(0); }
  return { json: values.json ?? false };
}

const args = parseCommandLine(process.argv.slice(2));
const rt = startProcess('status');
// A table another session holds locked must not hang the health check: it fails naming the timeout.
// The read timeout covers a database that stopped answering altogether (no statement timeout fires).
const pool = createPool(rt.config.databaseUrl, rt.log, { max: 2, applicationName: 'shiptrack-status', statementTimeoutMs: 10_000, queryTimeoutMs: 15_000 });
try {
  await checkDatabase(pool, rt.config.databaseUrl);
  const healthUrl = healthUrlFor(rt.config.host, rt.config.port);
  const web = async () => {
    const res = await fetch(healthUrl, { signal: AbortSignal.timeout(3000) });
    const body = (await res.json().catch(() => ({}))) as { version?: string; db?: string; reason?: string };
    // What /healthz says is wrong (src/discord/interactions/server.ts): the database, or its schema.
    const about = [body.version ? `version ${body.version}` : '', body.db && body.db !== 'ok' ? `db ${body.db}` : '', body.reason ?? '']
      .filter(Boolean).join('; ');
    return { ok: res.ok, detail: `${healthUrl} → ${res.status}${about ? ` (${about})` : ''}` };
  };
  const report = await collectStatus(pool, new Date(), () => web().catch((e: Error) => ({ ok: false, detail: `${healthUrl} → ${e.message}` })),
    { catchUpWeeks: rt.config.digestCatchUpWeeks });
  const verdict = assess(report);
  process.stdout.write((args.json ? JSON.stringify(statusJson(report)) : formatStatus(report, verdict)) + '\n');
  await pool.end();
  process.exitCode = verdict.ok ? 0 : 1;
} catch (err) {
  await pool.end().catch(() => {});
  // A monitoring script still gets one object to parse; the exit code is the text form's.
  if (args.json) {
    const error = redact(describeError(err), rt.config.secrets);
    process.stdout.write(JSON.stringify({ ok: false, problems: [`status could not be collected: ${error}`], error }) + '\n');
  }
  fatal(rt.log, err);
}
