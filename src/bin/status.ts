#!/usr/bin/env node
// `shiptrack status` / `npm run status`: one screen for the sysadmin; exit 1 when something is wrong.
import fetch from 'node-fetch';
import { fatal, startProcess } from './bootstrap.js';
import { createPool, checkDatabase } from '../db/pool.js';
import { assess, collectStatus, formatStatus } from '../status/report.js';
import { healthUrl as healthUrlFor } from '../status/health-url.js';

const rt = startProcess('status');
// A table another session holds locked must not hang the health check: it fails naming the timeout.
// The read timeout covers a database that stopped answering altogether (no statement timeout fires).
const pool = createPool(rt.config.databaseUrl, rt.log, { max: 2, applicationName: 'shiptrack-status', statementTimeoutMs: 10_000, queryTimeoutMs: 15_000 });
try {
  await checkDatabase(pool, rt.config.databaseUrl);
  const healthUrl = healthUrlFor(rt.config.host, rt.config.port);
  const web = async () => {
    const res = await fetch(healthUrl, { signal: AbortSignal.timeout(3000) });
    const body = (await res.json().catch(() => ({}))) as { version?: string };
    return { ok: res.ok, detail: `${healthUrl} → ${res.status}${body.version ? ` (version ${body.version})` : ''}` };
  };
  const report = await collectStatus(pool, new Date(), () => web().catch((e: Error) => ({ ok: false, detail: `${healthUrl} → ${e.message}` })),
    { catchUpWeeks: rt.config.digestCatchUpWeeks });
  const verdict = assess(report);
  process.stdout.write(formatStatus(report, verdict) + '\n');
  await pool.end();
  process.exitCode = verdict.ok ? 0 : 1;
} catch (err) {
  await pool.end().catch(() => {});
  fatal(rt.log, err);
}
