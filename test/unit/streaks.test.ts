// Weekly-streak arithmetic (src/digest/streaks.ts, issue 16): weeks are the digest's Monday 09:00
// UTC windows, numbered without calendar years, so a streak runs across New Year and through ISO
// week 53 (2026 has one) like any other week. Also the leaderboard's periods and shared ranks, and
// the digest's streak line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { milestone, runEndingAt, streaks, weekIndex, weekStart } from '../../src/digest/streaks.js';
import { isoWeeksInYear, windowEndingAt, windowForIsoWeek } from '../../src/digest/window.js';
import { periodOf, sharedRanks } from '../../src/commands/leaderboard.js';
import { streakLine } from '../../src/commands/profile.js';
import { buildDigest, streakMilestoneLine, type DigestLaunch } from '../../src/digest/build.js';

/** The window number of the digest posted in ISO week `label` covers (the week before it). */
const posted = (label: string) => weekIndex(windowForIsoWeek(label).start);

test('weekIndex numbers the digest windows: Monday 09:00 UTC starts a new one, 08:59:59.999 is still the last', () => {
  const monday = Date.UTC(2026, 10, 30, 9);
  assert.equal(weekIndex(new Date(monday)) - weekIndex(new Date(monday - 1)), 1);
  assert.equal(weekIndex(new Date(monday)), weekIndex(new Date(monday + 7 * 86_400_000 - 1)));
  assert.equal(weekStart(weekIndex(new Date(monday + 3 * 86_400_000))).toISOString(), '2026-11-30T09:00:00.000Z');
  // The same windows as the digest's: the window that ended last is the one before "now"'s.
  for (const iso of ['2026-11-30T09:00:00Z', '2026-12-31T23:59:59Z', '2027-01-04T08:59:59Z', '2027-01-04T09:00:00Z', '2020-12-31T12:00:00Z']) {
    const now = new Date(iso);
    const w = windowEndingAt(now);
    assert.equal(weekIndex(w.start), weekIndex(now) - 1, iso);
    assert.equal(weekStart(weekIndex(w.start)).getTime(), w.start.getTime(), iso);
  }
  assert.throws(() => weekIndex(new Date(NaN)), RangeError);
});

test('a streak runs across the year boundary and through ISO week 53 (2026-W53, 2020-W53)', () => {
  assert.equal(isoWeeksInYear(2026), 53);
  // Digests posted in 2026-W51, W52, W53, 2027-W01, W02: five consecutive windows.
  const weeks = ['2026-W51', '2026-W52', '2026-W53', '2027-W01', '2027-W02'].map(posted);
  assert.deepEqual(weeks.map((w, i) => w - weeks[0]!), [0, 1, 2, 3, 4]);
  assert.deepEqual(streaks(weeks, weeks.at(-1)!), { current: 5, best: 5 });
  // 2020 had 53 ISO weeks as well: Dec 2020 into Jan 2021.
  const w2020 = ['2020-W52', '2020-W53', '2021-W01'].map(posted);
  assert.deepEqual(w2020.map((w) => w - w2020[0]!), [0, 1, 2]);
  // A year boundary without week 53: 2025-W52 → 2026-W01 are adjacent.
  assert.equal(posted('2026-W01') - posted('2025-W52'), 1);
  // Windows straddle New Year: 29 Dec 2025 09:00 … 5 Jan 2026 09:00 is one week, one streak step.
  assert.equal(weekIndex(new Date('2025-12-31T12:00:00Z')), weekIndex(new Date('2026-01-05T08:00:00Z')));
});

test('current and best streak', () => {
  assert.deepEqual(streaks([], 100), { current: 0, best: 0 });
  assert.deepEqual(streaks([100], 100), { current: 1, best: 1 });
  // The current week has no launch yet: last week's run still counts as current.
  assert.deepEqual(streaks([97, 98, 99], 100), { current: 3, best: 3 });
  // Two weeks without: broken.
  assert.deepEqual(streaks([96, 97, 98], 100), { current: 0, best: 3 });
  // Best is the longest run ever; duplicates, order and future weeks are ignored.
  assert.deepEqual(streaks([10, 11, 12, 13, 20, 99, 100, 100, 12, 105], 100), { current: 2, best: 4 });
  assert.equal(runEndingAt([1, 2, 3, 5], 3), 3);
  assert.equal(runEndingAt([1, 2, 3, 5], 4), 0);
  assert.deepEqual([3, 4, 8, 12, 13, 26, 52, 53].map(milestone), [undefined, 4, 8, 12, undefined, 26, 52, undefined]);
});

test('profile streak line', () => {
  assert.equal(streakLine({ current: 3, best: 5 }), '🔥 Weekly streak: 3 weeks · best 5 weeks');
  assert.equal(streakLine({ current: 1, best: 1 }), '🔥 Weekly streak: 1 week · best 1 week');
  assert.equal(streakLine({ current: 0, best: 0 }), '🔥 Weekly streak: none running (launch this week to start one) · best 0 weeks');
});

test('leaderboard periods: the digest week, UTC month, quarter, year, all time; ties share a rank', () => {
  const now = new Date('2026-12-02T12:00:00Z'); // a Wednesday
  assert.deepEqual(periodOf('week', now), { start: new Date('2026-11-30T09:00:00Z'), end: new Date('2026-12-07T09:00:00Z'), label: 'this week (since Mon 30 Nov, 09:00 UTC)' });
  // Monday before 09:00 is still the previous digest week.
  assert.equal(periodOf('week', new Date('2026-11-30T08:59:59Z')).start.toISOString(), '2026-11-23T09:00:00.000Z');
  assert.deepEqual(periodOf('month', now), { start: new Date('2026-12-01T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z'), label: 'December 2026' });
  assert.deepEqual(periodOf('quarter', now), { start: new Date('2026-10-01T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z'), label: 'Q4 2026' });
  assert.deepEqual(periodOf('year', now), { start: new Date('2026-01-01T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z'), label: '2026' });
  const all = periodOf('all', now);
  assert.equal(all.label, 'all time'); assert.equal(all.start.getTime(), 0); assert.ok(all.end.getTime() > Date.UTC(9000, 0, 1));
  assert.deepEqual(sharedRanks([5, 3, 3, 2, 2, 2, 1]), [1, 2, 2, 4, 4, 4, 7]);
  assert.deepEqual(sharedRanks([1, 1, 1]), [1, 1, 1]);
  assert.deepEqual(sharedRanks([]), []);
});

const WINDOW = windowForIsoWeek('2026-W49');
const launch = (id: string, userId: string): DigestLaunch => ({ id, userId, userName: 'x', content: `Shipped ${id} https://${id}.example`, urls: [], createdAt: new Date(WINDOW.start.getTime() + 3600_000), source: 'slash' });

test('the digest celebrates streak milestones in one line under the header, as mentions, longest first', () => {
  assert.equal(streakMilestoneLine([]), '');
  assert.equal(streakMilestoneLine([{ userId: '100000000000000002', weeks: 4 }, { userId: '100000000000000001', weeks: 12 }]),
    '🔥 Streaks: <@100000000000000001> 12 weeks in a row · <@100000000000000002> 4 weeks in a row');
  const many = Array.from({ length: 23 }, (_, k) => ({ userId: String(100000000000000100n + BigInt(k)), weeks: 8 }));
  assert.match(streakMilestoneLine(many), / · and 3 more$/);
  const d = buildDigest([launch('1', '100000000000000001')], WINDOW, { streakMilestones: [{ userId: '100000000000000001', weeks: 4 }] });
  assert.deepEqual(d.parts[0]!.split('\n').slice(1), ['🔥 Streaks: <@100000000000000001> 4 weeks in a row', '• <@100000000000000001> — Shipped 1 <https://1.example>']);
  // No line without milestones, and none for a week that has only late launches.
  assert.equal(buildDigest([launch('1', '100000000000000001')], WINDOW).parts[0]!.includes('🔥'), false);
});
