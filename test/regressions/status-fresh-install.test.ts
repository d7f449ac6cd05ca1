// Issue 15: `shiptrack status` on a fresh install said PROBLEM ("no digest for the window ending
// <last Monday>") for a digest that could not have run yet: installed on a Wednesday, no digests
// row exists and the first Monday 09:00 since the installation has not come. Only a window that
// ended after the installation (the first migration's applied_at) and is past its due time plus
// the grace hour may be reported missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase } from '../helpers/db.js';
import { assess, collectStatus, formatStatus } from '../../src/status/report.js';

const webOk = async () => ({ ok: true, detail: 'ok' });

async function digestProblems(installed: string, now: string): Promise<{ problems: string[]; text: string }> {
  const db = await createTestDatabase();
  try {
    // As `shiptrack migrate` records it on the first start; the later files were applied later still.
    await db.pool.query(`UPDATE schema_migrations SET applied_at = $1::timestamptz + id * interval '1 second'`, [installed]);
    const r = await collectStatus(db.pool, new Date(now), webOk);
    const v = assess(r);
    return { problems: v.problems.filter((p) => /digest/.test(p)), text: formatStatus(r, v) };
  } finally {
    await db.close();
  }
}

test('issue 15: installed on a Wednesday, the Monday before is not a missing digest', async () => {
  const { problems, text } = await digestProblems('2026-12-02T10:00:00Z', '2026-12-05T12:00:00Z');
  assert.deepEqual(problems, []);
  assert.match(text, /digest:   none posted yet \(installed 2026-12-02T10:00:01Z\)/);
});

test('issue 15: the first Monday after the installation is judged once its grace hour is over', async () => {
  assert.deepEqual((await digestProblems('2026-12-02T10:00:00Z', '2026-12-07T09:30:00Z')).problems, [], 'within the grace hour');
  assert.deepEqual((await digestProblems('2026-12-02T10:00:00Z', '2026-12-07T10:30:00Z')).problems,
    ['no digest for the window ending 2026-12-07T09:00:00.000Z (did shiptrack-digest.timer run?)']);
});

test('issue 15: installed on a Monday before 09:00, that Monday\'s digest was due', async () => {
  assert.deepEqual((await digestProblems('2026-11-30T08:00:00Z', '2026-12-02T12:00:00Z')).problems,
    ['no digest for the window ending 2026-11-30T09:00:00.000Z (did shiptrack-digest.timer run?)']);
});
