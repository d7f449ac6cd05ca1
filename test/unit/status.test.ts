import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assess, nextDigestRun, type StatusReport } from '../../src/status/report.js';

test('next digest run is the next Monday 09:00 UTC strictly after now', () => {
  const cases: [string, string][] = [
    ['2026-11-28T18:00:00Z', '2026-11-30T09:00:00.000Z'], // Saturday
    ['2026-11-30T08:59:59Z', '2026-11-30T09:00:00.000Z'], // Monday before
    ['2026-11-30T09:00:00Z', '2026-12-07T09:00:00.000Z'], // exactly at: the next one
    ['2026-12-29T10:00:00Z', '2027-01-04T09:00:00.000Z'], // across the year
  ];
  for (const [now, want] of cases) assert.equal(nextDigestRun(new Date(now)).toISOString(), want, now);
});

const now = new Date('2026-12-02T12:00:00Z'); // Wednesday; last run Monday 2026-11-30 09:00
const healthy: StatusReport = {
  now,
  worker: { instance: 'vps:1', state: 'ready', detail: null, lastEventAt: now, lastAckLatencyMs: 40, lastAckAt: now, startedAt: now, updatedAt: new Date(now.getTime() - 5000) },
  web: { ok: true, detail: 'ok' },
  lastDigest: { isoWeek: '2026-W49', windowStart: new Date('2026-11-23T09:00:00Z'), windowEnd: new Date('2026-11-30T09:00:00Z'), status: 'done', launchCount: 3, parts: 1, posted: 1, finishedAt: now },
  nextDigestAt: new Date('2026-12-07T09:00:00Z'),
  launchesThisWeek: 2,
};

test('a healthy system has no problems', () => {
  assert.deepEqual(assess(healthy), { ok: true, problems: [] });
});

test('each failure is named', () => {
  const cases: [Partial<StatusReport>, RegExp][] = [
    [{ worker: undefined }, /worker has never reported/],
    [{ worker: { ...healthy.worker!, updatedAt: new Date(now.getTime() - 600_000) } }, /worker status is 600 s old/],
    [{ worker: { ...healthy.worker!, state: 'resuming', detail: 'close 4000' } }, /gateway state is resuming \(close 4000\)/],
    [{ web: { ok: false, detail: 'ECONNREFUSED' } }, /web service unhealthy: ECONNREFUSED/],
    [{ lastDigest: { ...healthy.lastDigest!, status: 'posting', parts: 3, posted: 1 } }, /stuck half-posted \(1\/3 parts\)/],
    [{ lastDigest: { ...healthy.lastDigest!, windowEnd: new Date('2026-11-23T09:00:00Z') } }, /no digest for the window ending 2026-11-30T09:00:00.000Z/],
  ];
  for (const [patch, re] of cases) {
    const v = assess({ ...healthy, ...patch });
    assert.equal(v.ok, false);
    assert.equal(v.problems.length, 1, v.problems.join('; '));
    assert.match(v.problems[0]!, re);
  }
});

test('a digest that is not yet due is not a problem (within the grace hour)', () => {
  const monday = new Date('2026-11-30T09:30:00Z');
  const v = assess({ ...healthy, now: monday, nextDigestAt: new Date('2026-12-07T09:00:00Z'), worker: { ...healthy.worker!, updatedAt: monday },
    lastDigest: { ...healthy.lastDigest!, windowEnd: new Date('2026-11-23T09:00:00Z') } });
  assert.deepEqual(v.problems, []);
});
