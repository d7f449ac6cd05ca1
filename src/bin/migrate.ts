// `npm run migrate` / shiptrack-migrate.service: apply pending sql/ migrations, then exit.
// `--wait-for-db SECONDS` retries an unreachable database (logging each attempt, host named) for
// that long before giving up; the systemd unit uses it so a Postgres that is still starting at
// boot does not leave web and worker failed on a dependency. Without it, failure is immediate.
import { parseArgs } from 'node:util';
import { fatal, startProcess } from './bootstrap.js';
import { checkDatabase, createPool, describeDatabase } from '../db/pool.js';
import { migrate } from '../db/migrate.js';
import { sleep, systemClock } from '../clock.js';
import { backoffDelay } from '../backoff.js';

const rt = startProcess('migrate');
const { values } = parseArgs({ options: { 'wait-for-db': { type: 'string', default: '0' } } });
const waitMs = Math.max(0, Number(values['wait-for-db']) || 0) * 1000;
// No statement timeout: a migration waits on the migration lock, and may rewrite a big table, by
// design; the unit's TimeoutStartSec=30min is its bound. TCP keepalive is on (createPool).
const pool = createPool(rt.config.databaseUrl, rt.log, { max: 1, applicationName: 'shiptrack-migrate' });
try {
  const deadline = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await checkDatabase(pool, rt.config.databaseUrl);
      break;
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      const delay = backoffDelay(attempt, { baseMs: 2000, maxMs: 30_000 }, systemClock.random); // 1-2 s, then doubling, at most 30 s
      rt.log.warn('migrate.db_wait', { db: describeDatabase(rt.config.databaseUrl), attempt, retry_in_ms: delay, err });
      await sleep(delay);
    }
  }
  const r = await migrate(pool, { log: rt.log });
  rt.log.notice('migrate.done', { db: describeDatabase(rt.config.databaseUrl), applied: r.applied.length, already: r.alreadyApplied });
  await pool.end();
} catch (err) {
  await pool.end().catch(() => {});
  fatal(rt.log, err);
}
