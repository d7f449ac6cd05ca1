// Regression (issue 13, "Nothing fails silently"): a `-- shiptrack:no-transaction` migration had its
// schema_migrations row inserted (and, outside a transaction, committed) before its SQL ran. When
// the SQL failed, the row stayed: the error said the file "was rolled back", and the next run
// skipped the file as applied. The row must be written only after the SQL succeeded, and the
// error must say that nothing was rolled back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '../helpers/db.js';
import { migrate } from '../../src/db/migrate.js';

test('a failed no-transaction migration is not recorded, says it was not rolled back, and runs again next time', async (t) => {
  const db = await createTestDatabase({ migrated: false });
  t.after(() => db.close());
  const dir = mkdtempSync(join(tmpdir(), 'st-mig-notx-'));
  t.after(() => rmSync(dir, { recursive: true }));
  writeFileSync(join(dir, '0001_ok.sql'), 'CREATE TABLE ok1 (x int);');
  writeFileSync(join(dir, '0002_notx.sql'), '-- shiptrack:no-transaction\nSELECT 1/0;');
  writeFileSync(join(dir, '0003_later.sql'), 'CREATE TABLE later (x int);');

  const failed = (e: Error & { code: string }) => {
    assert.equal(e.code, 'MIGRATION_FAILED');
    assert.match(e.message, /^migration 0002_notx\.sql failed outside a transaction \(-- shiptrack:no-transaction\), so it was not rolled back/);
    assert.doesNotMatch(e.message, /was rolled back/);
    assert.match(e.message, /division by zero/);
    assert.match(e.message, /not run: 0003_later\.sql/);
    return true;
  };
  await assert.rejects(migrate(db.pool, { dir }), failed);
  const recorded = async () => (await db.pool.query('SELECT id FROM schema_migrations ORDER BY id')).rows.map((r) => r.id);
  assert.deepEqual(await recorded(), [1]);

  // The unchanged file fails again instead of being skipped as applied.
  await assert.rejects(migrate(db.pool, { dir }), failed);
  assert.deepEqual(await recorded(), [1]);

  // Once fixed, it is applied and recorded, then the later file runs.
  writeFileSync(join(dir, '0002_notx.sql'), '-- shiptrack:no-transaction\nCREATE TABLE notx (x int);');
  const result = await migrate(db.pool, { dir });
  assert.deepEqual(result, { applied: ['0002_notx.sql', '0003_later.sql'], alreadyApplied: 1 });
  assert.deepEqual(await recorded(), [1, 2, 3]);
});
