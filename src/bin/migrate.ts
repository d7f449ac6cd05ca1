// `npm run migrate` / ExecStartPre: apply pending sql/ migrations, then exit.
import { fatal, startProcess } from './bootstrap.js';
import { checkDatabase, createPool, describeDatabase } from '../db/pool.js';
import { migrate } from '../db/migrate.js';

const rt = startProcess('migrate');
const pool = createPool(rt.config.databaseUrl, rt.log, { max: 1, applicationName: 'shiptrack-migrate' });
try {
  await checkDatabase(pool, rt.config.databaseUrl);
  const r = await migrate(pool, { log: rt.log });
  rt.log.notice('migrate.done', { db: describeDatabase(rt.config.databaseUrl), applied: r.applied.length, already: r.alreadyApplied });
  await pool.end();
} catch (err) {
  await pool.end().catch(() => {});
  fatal(rt.log, err);
}
