// src/db/digests.ts on the test DB: claim / busy / take-over after expiry, racing claims, frozen
// parts written once, per-part checks, finish only when every part has an id, release.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import * as store from '../../src/db/digests.js';

let db: TestDatabase;
before(async () => { db = await createTestDatabase(); });
after(async () => { await db?.close(); });
beforeEach(async () => { await db.pool.query('TRUNCATE digest_parts, digests'); });

const W = { start: new Date('2026-11-23T09:00:00Z'), end: new Date('2026-11-30T09:00:00Z'), isoWeek: '2026-W49' };
const parts = [{ content: 'one', nonce: 'n1' }, { content: 'two', nonce: 'n2' }];

test('first claim is fresh; a second run is busy; after the lease expires it takes over', async () => {
  const a = await store.claimWindow(db.pool, W, 'run-a', 60_000);
  assert.deepEqual([a.kind, a.kind === 'claimed' && a.fresh], ['claimed', true]);
  const b = await store.claimWindow(db.pool, W, 'run-b', 60_000);
  assert.equal(b.kind, 'busy');
  assert.equal(b.row.claimedBy, 'run-a');
  await db.pool.query(`UPDATE digests SET lease_until = now() - interval '1 ms'`);
  const c = await store.claimWindow(db.pool, W, 'run-b', 60_000);
  assert.deepEqual([c.kind, c.kind === 'claimed' && c.fresh, c.row.claimedBy], ['claimed', false, 'run-b']);
  assert.equal(await store.renewLease(db.pool, W.start, 'run-a', 60_000), false, 'the old owner has lost it');
  assert.equal(await store.renewLease(db.pool, W.start, 'run-b', 60_000), true);
});

test('ten racing claims: exactly one wins; ten racing take-overs of an expired lease: exactly one wins', async () => {
  const first = await Promise.all(Array.from({ length: 10 }, (_, i) => store.claimWindow(db.pool, W, `r${i}`, 60_000)));
  assert.equal(first.filter((r) => r.kind === 'claimed').length, 1);
  assert.equal(first.filter((r) => r.kind === 'busy').length, 9);
  await db.pool.query(`UPDATE digests SET lease_until = now() - interval '1 ms'`);
  const second = await Promise.all(Array.from({ length: 10 }, (_, i) => store.claimWindow(db.pool, W, `s${i}`, 60_000)));
  assert.equal(second.filter((r) => r.kind === 'claimed').length, 1);
});

test('parts are frozen once, only by the lease holder; a part is postable once; done only when all have ids', async () => {
  await store.claimWindow(db.pool, W, 'run-a', 60_000);
  assert.equal(await store.freezeParts(db.pool, W.start, 'run-b', 5, parts), false, 'not the holder');
  assert.equal(await store.freezeParts(db.pool, W.start, 'run-a', 5, parts), true);
  assert.equal(await store.freezeParts(db.pool, W.start, 'run-a', 5, [{ content: 'other', nonce: 'x' }]), false, 'already frozen');
  assert.deepEqual((await store.listParts(db.pool, W.start)).map((p) => [p.partNo, p.content, p.nonce, p.messageId]), [[1, 'one', 'n1', null], [2, 'two', 'n2', null]]);

  assert.equal(await store.checkPart(db.pool, W.start, 1, 'run-a'), 'ok');
  assert.equal(await store.checkPart(db.pool, W.start, 1, 'run-b'), 'lease_lost');
  assert.equal(await store.recordPartPosted(db.pool, W.start, 1, '1400000000000000001'), true);
  assert.equal(await store.recordPartPosted(db.pool, W.start, 1, '1400000000000000009'), false, 'first id wins');
  assert.equal(await store.checkPart(db.pool, W.start, 1, 'run-a'), 'posted');
  assert.equal(await store.finishDigest(db.pool, W.start, 'run-a'), false, 'part 2 has no id yet');

  assert.equal(await store.releaseClaim(db.pool, W.start, 'run-a'), true);
  const resumed = await store.claimWindow(db.pool, W, 'run-c', 60_000);
  assert.deepEqual([resumed.kind, resumed.row.partCount, resumed.row.launchCount], ['claimed', 2, 5]);
  await store.recordPartPosted(db.pool, W.start, 2, '1400000000000000002');
  assert.equal(await store.finishDigest(db.pool, W.start, 'run-c'), true);
  const done = await store.claimWindow(db.pool, W, 'run-d', 60_000);
  assert.equal(done.kind, 'done');
  assert.deepEqual([done.row.claimedBy, done.row.leaseUntil], [null, null]);
});

test('freezing no parts finishes the window as empty', async () => {
  await store.claimWindow(db.pool, W, 'run-a', 60_000);
  assert.equal(await store.freezeParts(db.pool, W.start, 'run-a', 0, []), true);
  const again = await store.claimWindow(db.pool, W, 'run-b', 60_000);
  assert.equal(again.kind, 'empty');
});
