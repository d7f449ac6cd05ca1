// `node admin-sql.js ADMIN_URL SQL`: one statement on the test server, for test/compiled-tree.mjs
// (plain JavaScript, so it cannot import the TypeScript helpers). `DROP-DEAD-TEMPLATES` drops the
// template databases of test runs whose process is gone (shiptrack_tpl_<pid>).
import pg from 'pg';

const [url, text] = process.argv.slice(2);
const client = new pg.Client({ connectionString: url, application_name: 'shiptrack-test-admin' });
await client.connect();
try {
  if (text === 'DROP-DEAD-TEMPLATES') {
    const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname ~ '^shiptrack_tpl_[0-9]+$'`);
    for (const { datname } of rows) {
      if (!alive(Number(datname.slice('shiptrack_tpl_'.length)))) await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    }
  } else {
    await client.query(text!);
  }
} finally {
  await client.end();
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}
