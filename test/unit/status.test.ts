import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assess, formatStatus, nextDigestRun, type StatusReport } from '../../src/status/report.js';
import { statusJson } from '../../src/status/json.js';

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
    [{ worker: { ...healthy.worker!, channelProblem: '#i-shipped (1210000000000000003): the bot lacks ADD_REACTIONS: allow Add Reactions …' } }, /^#i-shipped \(1210000000000000003\): the bot lacks ADD_REACTIONS/],
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

test('issue 15: a digest that carried late launches says how many of its launches were late', () => {
  const withLate = formatStatus({ ...healthy, lastDigest: { ...healthy.lastDigest!, launchCount: 5, lateCount: 2 } }, assess(healthy));
  assert.match(withLate, /digest:   2026-W49 done, 5 launches \(incl\. 2 logged late from earlier weeks\), 1\/1 parts posted/);
  const none = formatStatus({ ...healthy, lastDigest: { ...healthy.lastDigest!, launchCount: 1, lateCount: 0 } }, assess(healthy));
  assert.match(none, /digest:   2026-W49 done, 1 launch, 1\/1 parts posted/);
});

test('issue 15: --json carries the verdict, each check and the report', () => {
  const j = statusJson({ ...healthy, reactions: { owed: 1, refused: 2 }, installedAt: new Date('2026-11-01T10:00:00Z'),
    lastDigest: { ...healthy.lastDigest!, lateCount: 1 }, outstanding: [] });
  assert.deepEqual(JSON.parse(JSON.stringify(j)), {
    ok: true,
    problems: [],
    checkedAt: '2026-12-02T12:00:00.000Z',
    checks: {
      worker: { ok: true, detail: 'ready on vps:1, reported 5 s ago' },
      ingest: { ok: true, detail: 'not reported' },
      web: { ok: true, detail: 'ok' },
      digest: { ok: true, detail: 'last 2026-W49 done; next run 2026-12-07T09:00:00.000Z' },
    },
    worker: {
      instance: 'vps:1', state: 'ready', detail: null, startedAt: '2026-12-02T12:00:00.000Z', reportedAt: '2026-12-02T11:59:55.000Z', reportAgeSeconds: 5,
      lastEventAt: '2026-12-02T12:00:00.000Z', lastAckAt: '2026-12-02T12:00:00.000Z', lastAckLatencyMs: 40,
      discordUnreachableSince: null, connectionAttempts: null, channelProblem: null,
      ingest: { waiting: null, oldestPendingAt: null, lagSeconds: 0, lastHandledAt: null },
    },
    reactions: { owed: 1, refused: 2 },
    web: { ok: true, detail: 'ok' },
    digest: {
      last: { isoWeek: '2026-W49', windowStart: '2026-11-23T09:00:00.000Z', windowEnd: '2026-11-30T09:00:00.000Z', status: 'done',
        launchCount: 3, lateLaunchCount: 1, parts: 1, posted: 1, finishedAt: '2026-12-02T12:00:00.000Z' },
      nextRunAt: '2026-12-07T09:00:00.000Z',
      installedAt: '2026-11-01T10:00:00.000Z',
      unfinished: [],
      missed: [],
    },
    launchesThisWeek: { count: 2, since: '2026-11-30T09:00:00.000Z' },
  });
});

test('issue 15: --json names the failing checks with the same problems as the text', () => {
  const r: StatusReport = {
    ...healthy,
    worker: { ...healthy.worker!, state: 'reconnecting', gatewayDownSince: new Date('2026-12-02T11:00:00Z'), gatewayAttempts: 9,
      ingestQueueDepth: 4, ingestOldestPendingAt: new Date('2026-12-02T11:55:00Z'), ingestLastHandledAt: new Date('2026-12-02T11:50:00Z') },
    web: { ok: false, detail: 'ECONNREFUSED' },
    outstanding: [
      { isoWeek: '2026-W47', windowEnd: new Date('2026-11-16T09:00:00Z'), reason: 'missed', parts: 0, posted: 0, inLookback: true },
      { isoWeek: '2026-W48', windowEnd: new Date('2026-11-23T09:00:00Z'), reason: 'unfinished', parts: 3, posted: 1, inLookback: true },
    ],
  };
  const j = statusJson(r);
  assert.equal(j.ok, false);
  assert.deepEqual(j.problems, assess(r).problems);
  assert.deepEqual(Object.fromEntries(Object.entries(j.checks).map(([k, c]) => [k, c.ok])), { worker: false, ingest: false, web: false, digest: false });
  assert.match(j.checks.worker.detail, /^Discord unreachable since 2026-12-02T11:00:00Z \(3600 s, 9 connection attempts/);
  assert.match(j.checks.ingest.detail, /^worker ingest is stuck: the oldest of 4 unhandled events arrived 300 s ago/);
  assert.equal(j.checks.web.detail, 'web service unhealthy: ECONNREFUSED');
  assert.match(j.checks.digest.detail, /^digest 2026-W47 was missed .*; digest 2026-W48 is unfinished \(1\/3 parts posted\)/);
  assert.equal(j.worker?.discordUnreachableSince, '2026-12-02T11:00:00.000Z');
  assert.equal(j.worker?.connectionAttempts, 9);
  assert.deepEqual(j.worker?.ingest, { waiting: 4, oldestPendingAt: '2026-12-02T11:55:00.000Z', lagSeconds: 300, lastHandledAt: '2026-12-02T11:50:00.000Z' });
  assert.deepEqual(j.digest.missed, [{ isoWeek: '2026-W47', windowEnd: '2026-11-16T09:00:00.000Z' }]);
  assert.deepEqual(j.digest.unfinished, [{ isoWeek: '2026-W48', windowEnd: '2026-11-23T09:00:00.000Z', parts: 3, posted: 1, inLookback: true }]);
  assert.equal(statusJson({ ...healthy, worker: undefined }).worker, null);
});
