// Issue 13, "No silent stall": `shiptrack status` said healthy while the worker's ingest was wedged,
// because the row only carried arrival times. It now judges the oldest unhandled event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assess, formatStatus, type StatusReport } from '../../src/status/report.js';

const now = new Date('2026-12-02T12:00:00Z');
const report = (oldestPendingSecondsAgo: number | undefined, depth: number): StatusReport => ({
  now,
  worker: {
    instance: 'vps:1', state: 'ready', detail: null, lastEventAt: now, lastAckLatencyMs: 40, lastAckAt: now,
    ingestQueueDepth: depth, ingestOldestPendingAt: oldestPendingSecondsAgo === undefined ? null : new Date(now.getTime() - oldestPendingSecondsAgo * 1000),
    ingestLastHandledAt: new Date('2026-12-02T11:50:00Z'), startedAt: now, updatedAt: new Date(now.getTime() - 5000),
  },
  web: { ok: true, detail: 'ok' },
  lastDigest: { isoWeek: '2026-W49', windowStart: new Date('2026-11-23T09:00:00Z'), windowEnd: new Date('2026-11-30T09:00:00Z'), status: 'done', launchCount: 3, parts: 1, posted: 1, finishedAt: now },
  nextDigestAt: new Date('2026-12-07T09:00:00Z'),
  launchesThisWeek: 2,
});

test('issue 13: an event unhandled for more than 2 minutes is a problem, with the queue depth and the last handled time', () => {
  assert.deepEqual(assess(report(121, 7)).problems, [
    'worker ingest is stuck: the oldest of 7 unhandled events arrived 121 s ago, last handled 2026-12-02T11:50:00Z (database blocked or slow? see journalctl -u shiptrack-worker)',
  ]);
  assert.deepEqual(assess(report(120, 7)).problems, [], 'exactly 2 minutes is still fine');
  assert.deepEqual(assess(report(undefined, 0)).problems, [], 'nothing waiting');
  assert.equal(assess(report(5, 1), { maxIngestLagMs: 4000 }).problems.length, 1, 'the threshold is injectable');
});

test('issue 13: status prints the ingest line', () => {
  const r = report(30, 2);
  assert.match(formatStatus(r, assess(r)), /\n {10}ingest: 2 waiting, oldest since 2026-12-02T11:59:30Z, last handled 2026-12-02T11:50:00Z\n/);
});
